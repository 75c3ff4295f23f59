/**
 * What a replica process needs to start. The orchestrator passes it as one JSON argument
 * (`--config`); a person can also start a replica by hand with flags (see parseReplicaArgs).
 * The run's secret is not part of it: every local user can read a process's command line
 * (/proc/<pid>/cmdline), so the secret comes over the control channel (or, by hand, from a file).
 */
import fs from 'node:fs'
import { z } from 'zod'
import { protocolNames } from '../api/experiment.js'

export const replicaConfigSchema = z.object({
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
  electionTimeoutMs: z.tuple([z.number().positive(), z.number().positive()]).default([150, 300]),
  heartbeatMs: z.number().positive().default(50),
  /** Scripted first election timeouts by node (each replica uses its own entry). */
  firstElectionTimeoutMs: z.record(z.string(), z.number().positive()).default({}),
  preVote: z.boolean().default(false),
  readMode: z.enum(['log', 'readindex', 'lease', 'follower']).default('readindex'),
  leaseDriftMs: z.number().min(0).default(20),
  checkQuorum: z.boolean().default(false),
  batchEntriesMax: z.number().int().positive().default(1024),
  inflightAppendsMax: z.number().int().positive().default(64),
  /** The run's clock origin, process.hrtime.bigint() as a decimal string; trace times are relative to it. */
  epochNs: z.string().regex(/^\d+$/).optional(),
  traceMessages: z.boolean().default(true),
  /** Trace appends (Raft) and slot phases (PBFT): the log pictures and the latency breakdown read them. */
  traceLog: z.boolean().default(true),
  /** How many times this replica was started before in this run: its message ids start above the earlier ones'. */
  incarnation: z.number().int().min(0).max(2 ** 20 - 1).default(0),
  /** Changes each state machine keeps for watches to replay. */
  watchHistoryMax: z.number().int().min(1).default(100_000),
  /** MultiRaft: Raft groups in this process, and how keys map to them. */
  groups: z.number().int().min(1).max(64).default(1),
  keyRouting: z.union([z.object({ kind: z.literal('hash') }), z.object({ kind: z.literal('range'), splits: z.array(z.string()) })]).default({ kind: 'hash' }),
  /** PBFT */
  f: z.number().int().min(0).optional(),
  requestTimeoutMs: z.number().positive().default(500),
  checkpointInterval: z.number().int().positive().default(32),
  /** Lying nodes of the cluster by name; each replica reads its own entry. */
  byzantine: z.record(z.string(), z.unknown()).default({}),
  /** Protocol-specific extras (PBFT's f, Byzantine behaviour, ...), validated by the protocol's adapter. */
  extra: z.record(z.string(), z.unknown()).default({}),
})

/** What travels on the command line. */
export type ReplicaLaunchConfig = z.output<typeof replicaConfigSchema>

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
