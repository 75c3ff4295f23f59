/**
 * What a replica process needs to start. The orchestrator passes it as one JSON argument
 * (`--config`); a person can also start a replica by hand with flags (see parseReplicaArgs).
 */
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
  /** Changes each state machine keeps for watches to replay. */
  watchHistoryMax: z.number().int().min(1).default(100_000),
  /** MultiRaft: Raft groups in this process, and how keys map to them. */
  groups: z.number().int().min(1).max(64).default(1),
  keyRouting: z.union([z.object({ kind: z.literal('hash') }), z.object({ kind: z.literal('range'), splits: z.array(z.string()) })]).default({ kind: 'hash' }),
  /** PBFT */
  f: z.number().int().min(0).optional(),
  requestTimeoutMs: z.number().positive().default(500),
  checkpointInterval: z.number().int().positive().default(32),
  /** Shared by the cluster's replicas only, for their pairwise MAC keys (PBFT). */
  secret: z.string().default('consensus-lab'),
  /** Lying nodes of the cluster by name; each replica reads its own entry. */
  byzantine: z.record(z.string(), z.unknown()).default({}),
  /** Protocol-specific extras (PBFT's f, Byzantine behaviour, ...), validated by the protocol's adapter. */
  extra: z.record(z.string(), z.unknown()).default({}),
})

export type ReplicaConfig = z.output<typeof replicaConfigSchema>

const usage = `usage: replica --config '<json>'
   or: replica --id A --protocol raft --members A,B,C --data-dir DIR [--port N] [--client-port N]
               [--peers B=127.0.0.1:7002,C=127.0.0.1:7003] [--durability fsync|none] [--seed N]`

/** Parses argv into a config, or returns the message to print. */
export function parseReplicaArgs(argv: string[]): { ok: true; config: ReplicaConfig } | { ok: false; message: string } {
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
  return { ok: true, config: parsed.data }
}
