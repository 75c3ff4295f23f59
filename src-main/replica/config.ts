/**
 * What a replica process needs to start. The orchestrator passes it as one JSON argument
 * (`--config`); a person can also start a replica by hand with flags (see parseReplicaArgs).
 * The run's secret is not part of it: every local user can read a process's command line
 * (/proc/<pid>/cmdline), so the secret comes over the control channel (or, by hand, from a file).
 */
import fs from 'node:fs'
import { z } from 'zod'
import { byzantineSchema, protocolNames, resolveNode } from '../api/experiment.js'

/**
 * A node's settings as resolveNode (api/experiment.ts) makes them from the experiment, plus what
 * the process itself needs (its directory, ports, peers, the run's clock, what to trace).
 */
const launchSchema = z.object({
  id: z.string().min(1),
  protocol: z.enum(protocolNames),
  members: z.array(z.string().min(1)).min(1),
  dataDir: z.string().min(1),
  durability: z.enum(['fsync', 'none']).default('fsync'),
  peerPort: z.number().int().min(0).max(65535).default(0),
  clientPort: z.number().int().min(0).max(65535).default(0),
  /** Peer addresses known at start; the orchestrator may send them later instead. */
  peers: z.array(z.object({ id: z.string(), host: z.string(), port: z.number().int() })).default([]),
  seed: z.number().int().default(1),
  tickMs: z.number().positive().default(5),
  /** The protocol's settings in ticks (its descriptor's settingsOf); absent: its defaults, for a replica started by hand. */
  settings: z.record(z.string(), z.unknown()).optional(),
  /** How this node lies from the start, as the experiment wrote it. */
  byzantine: byzantineSchema.optional(),
  /** Every node lying from the start (PBFT's equivocators collude with them unless told otherwise). */
  liars: z.array(z.string()).default([]),
  /** The run's clock origin, process.hrtime.bigint() as a decimal string; trace times are relative to it. */
  epochNs: z.string().regex(/^\d+$/).optional(),
  traceMessages: z.boolean().default(true),
  /** Trace appends (Raft) and slot phases (PBFT): the log pictures and the latency breakdown read them. */
  traceLog: z.boolean().default(true),
  /** How many times this replica was started before in this run: its message ids start above the earlier ones'. */
  incarnation: z.number().int().min(0).max(2 ** 20 - 1).default(0),
  /**
   * A node added to a running cluster (Raft membership changes): `members` are the cluster's voters
   * as the bootstrap configuration, which does not list this node; it starts with an empty data
   * directory, never campaigns, and learns the configuration from the leader's log or snapshot.
   */
  joining: z.boolean().default(false),
  /** Changes each state machine keeps for watches to replay. */
  watchHistoryMax: z.number().int().min(1).default(100_000),
})

export const replicaConfigSchema = launchSchema
  .refine((config) => config.joining || config.members.includes(config.id), { message: 'expected one of members (or joining: true for a node added to a running cluster)', path: ['id'] })
  .refine((config) => !config.joining || !config.members.includes(config.id), { message: 'a joining node is not one of the members it starts from', path: ['id'] })
  .transform((config) => ({
  ...config,
  settings: config.settings ?? defaultSettings(config),
}))

/** The protocol's default settings for this cluster: what an experiment that names nothing else resolves to. */
function defaultSettings(config: z.output<typeof launchSchema>): Record<string, unknown> {
  // A joining node is resolved as one more node of the cluster: its bootstrap members do not list it.
  const nodes = config.joining ? [...config.members, config.id] : config.members
  const experiment = { protocol: config.protocol, seed: config.seed, cluster: { nodes, tickMs: config.tickMs, byzantine: {} } }
  return resolveNode(experiment, config.id).settings as Record<string, unknown>
}

/** What travels on the command line. */
export type ReplicaLaunchConfig = z.output<typeof replicaConfigSchema>
/** What the orchestrator writes (resolveNode's NodeSettings plus the process's own fields). */
export type ReplicaLaunchInput = z.input<typeof launchSchema>

/**
 * The run's secret, shared by the cluster's replicas only: it keys the peer handshake and PBFT's
 * pairwise MACs. The orchestrator draws a fresh one per run.
 */
export const replicaSecretSchema = z.string().min(16, 'the run secret must have at least 16 characters')

export type ReplicaConfig = ReplicaLaunchConfig & { secret: string }

const usage = `usage: replica --config '<json>'      (from the orchestrator: the secret follows on the control channel)
   or: replica --id A --protocol raft --members A,B,C --data-dir DIR --secret-file FILE [--port N]
               [--client-port N] [--peers B=127.0.0.1:7002,C=127.0.0.1:7003] [--durability fsync|none] [--seed N]
       (every member of a cluster started by hand reads the same secret file)`

export type ParsedReplicaArgs = { ok: true; config: ReplicaLaunchConfig; secretFile?: string } | { ok: false; message: string }

/** Parses argv into a config (without the secret), or returns the message to print. */
export function parseReplicaArgs(argv: string[]): ParsedReplicaArgs {
  const flags = new Map<string, string>()
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index]!
    if (!flag.startsWith('--')) return { ok: false, message: `unexpected argument ${flag}\n${usage}` }
    const value = argv[index + 1]
    if (value === undefined) return { ok: false, message: `${flag} needs a value\n${usage}` }
    flags.set(flag.slice(2), value)
    index += 1
  }
  let raw: unknown
  if (flags.has('config')) {
    try {
      raw = JSON.parse(flags.get('config')!)
    } catch (error) {
      return { ok: false, message: `--config is not JSON: ${(error as Error).message}` }
    }
    if (typeof raw === 'object' && raw !== null && 'secret' in raw) {
      return { ok: false, message: `--config must not carry the secret: every local user can read a command line (use the control channel or --secret-file)` }
    }
  } else {
    const peers = (flags.get('peers') ?? '')
      .split(',')
      .filter(Boolean)
      .map((item) => {
        const [id, address] = item.split('=')
        const [host, port] = (address ?? '').split(':')
        return { id, host, port: Number(port) }
      })
    raw = {
      id: flags.get('id'),
      protocol: flags.get('protocol') ?? 'raft',
      members: flags.get('members')?.split(','),
      dataDir: flags.get('data-dir'),
      durability: flags.get('durability'),
      peerPort: flags.has('port') ? Number(flags.get('port')) : undefined,
      clientPort: flags.has('client-port') ? Number(flags.get('client-port')) : undefined,
      seed: flags.has('seed') ? Number(flags.get('seed')) : undefined,
      peers,
    }
  }
  const parsed = replicaConfigSchema.safeParse(raw)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`).join('\n')
    return { ok: false, message: `${problems}\n${usage}` }
  }
  return { ok: true, config: parsed.data, secretFile: flags.get('secret-file') }
}

/** Reads a secret file for a replica started by hand: its first line, checked like the orchestrator's. */
export function readSecretFile(file: string): { ok: true; secret: string } | { ok: false; message: string } {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    return { ok: false, message: `cannot read --secret-file ${file}: ${(error as Error).message}` }
  }
  const parsed = replicaSecretSchema.safeParse(text.split('\n')[0]!.trim())
  if (!parsed.success) return { ok: false, message: `--secret-file ${file}: ${parsed.error.issues[0]!.message}` }
  return { ok: true, secret: parsed.data }
}
