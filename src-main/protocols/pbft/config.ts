/**
 * Configuration: defaults, named bounds, and the checks that make a configuration unsafe to run.
 */
import type { NodeId } from '../types.js'
import type { ByzantineBehaviour, ByzantineKind, PbftOptions } from './types.js'
import { byzantineKinds } from './types.js'
import { clientIdBytesMax, encodedBytesMax, messageBytesMax } from '../common/wire-budget.js'

export const pbftDefaults = {
  requestTimeoutTicks: 100,
  statusIntervalTicks: 20,
  checkpointInterval: 32,
  logWindowMax: 128,
  batchMax: 64,
  slowPrimaryDelayTicks: 40,
  forgedValue: 'TRANSFER $1000 Alice->Malicious',
} as const

/** Named bounds: every queue and table in the core has one. */
export const pbftBounds = {
  /** Requests a primary holds while the window is full; more are rejected (the client retries). */
  pendingRequestsMax: 8192,
  /** Requests a backup tracks for its timer and re-forwards after a view change. */
  waitingRequestsMax: 8192,
  /** Requests in one forwarded Request message. */
  forwardedRequestsMax: 1024,
  /** Messages for a view this replica has not installed yet, replayed when it does. */
  futureMessagesMax: 4096,
  /** How far ahead of the current view a buffered message may be. */
  futureViewsMax: 4,
  /** Executed batches kept in memory to serve state transfer to lagging replicas. */
  executedRetainMax: 4096,
  /** Sequence numbers retransmitted to one lagging peer per status message. */
  retransmitSeqsMax: 64,
  /** Clients in the reply cache; the least recently executed is evicted beyond it. */
  clientsTrackedMax: 100_000,
  /** Pre-prepares a slow primary holds back. */
  delayedSendsMax: 4096,
  /** Phantom sequence numbers a 'phantom' replica invents per tick. */
  phantomSeqsPerTick: 2,
  /** View-change messages kept per replica (its latest views), for counting and relaying. */
  viewChangesPerReplicaMax: 4,
  /** Backoff doubles the timeout at most this many times. */
  backoffExponentMax: 6,
  /** Read-only requests (TOCS §5.1.3) waiting for what was prepared before them to execute; more are dropped. */
  readOnlyPendingMax: 8192,
} as const

/** The largest f that n replicas tolerate (n >= 3f+1). */
export function maxFaults(n: number): number {
  return Math.max(0, Math.floor((n - 1) / 3))
}

/** An error message for the UI and the experiment schema, or undefined when (n, f) is usable. */
export function validatePbftConfig(n: number, f: number): string | undefined {
  if (!Number.isInteger(n) || n < 1) return `PBFT needs a whole number of replicas >= 1, got ${n}`
  if (!Number.isInteger(f) || f < 0) return `PBFT needs a whole number of faults f >= 0, got ${f}`
  if (n < 3 * f + 1) {
    return `PBFT with f = ${f} needs n >= 3f+1 = ${3 * f + 1} replicas, got n = ${n} (with ${n} replicas f is at most ${maxFaults(n)})`
  }
  return undefined
}

/** The log window L a replica process runs with for a checkpoint interval K (shared with validation). */
export function logWindowFor(checkpointInterval: number): number {
  return Math.max(128, checkpointInterval * 4)
}

/** A batch never takes more than this, however much room the certificates leave. */
export const batchBytesCap = 1024 * 1024
/** Batches one CatchUp carries, by bytes; the rest of the chain travels as digests (at least one batch). */
export const catchUpBytesMax = 4 * 1024 * 1024

/**
 * The longest digest or MAC string the byte budgets assume: SHA-256 in base64, as nodeCrypto makes
 * them. The core checks its crypto against it at construction.
 */
export const digestCharsMax = 44

/**
 * Upper bounds of the fixed parts of PBFT's messages, from worst-case samples: 32-character
 * replica names (the lab's longest), digestCharsMax-character digests and MACs, the largest
 * numbers msgpack encodes.
 */
function fixedBytes(n: number) {
  const replica = 'r'.repeat(32)
  const digest = 'd'.repeat(digestCharsMax)
  const big = Number.MAX_SAFE_INTEGER
  const auth = Array.from({ length: n }, () => digest)
  return {
    vote: encodedBytesMax({ type: 'Prepare', view: big, seq: big, digest, replica, auth }),
    checkpoint: encodedBytesMax({ type: 'Checkpoint', seq: big, digest, replica, auth }),
    prePrepare: encodedBytesMax({ type: 'PrePrepare', view: big, seq: big, digest, batch: [], replica, auth }),
    proof: encodedBytesMax({ prePrepare: null, prepares: [] }),
    viewChange: encodedBytesMax({ type: 'ViewChange', view: big, stableSeq: big, stableDigest: digest, checkpointProof: [], prepared: [], replica, auth }),
    newView: encodedBytesMax({ type: 'NewView', view: big, viewChanges: [], acks: [], prePrepares: [], replica, auth }),
    ack: encodedBytesMax({ type: 'ViewChangeAck', view: big, subject: replica, digest, replica, auth }),
  }
}

/**
 * The bytes of one batch such that the largest message of the view change still fits in a frame.
 * A new-view carries 2f+1 view-changes, each with up to L prepared certificates (a pre-prepare
 * with its batch, and up to n-1 prepares) and n checkpoints, the acks that vouch for them (at most
 * n-1 each), plus O: up to L pre-prepares. So it holds up to (2f+2)·L batches, and each batch gets
 * an equal share of what the fixed parts leave.
 * Zero or less means no batch fits: (n, L) is too large for a frame.
 */
export function pbftBatchBytesMax(n: number, f: number, logWindowMax: number): number {
  const fixed = fixedBytes(n)
  const proof = fixed.proof + fixed.prePrepare + (n - 1) * fixed.vote
  const viewChange = fixed.viewChange + n * fixed.checkpoint + logWindowMax * proof
  const newView = fixed.newView + (2 * f + 1) * (viewChange + (n - 1) * fixed.ack) + logWindowMax * fixed.prePrepare
  const share = Math.floor((messageBytesMax - newView) / ((2 * f + 2) * logWindowMax))
  return Math.min(batchBytesCap, share)
}

/**
 * The largest client command (its encoded size) a batch of one can carry, with a client id of up
 * to clientIdBytesMax: what a PBFT replica accepts from a client, and what validation allows.
 */
export function pbftRequestBytesMax(n: number, f: number, logWindowMax: number): number {
  const request = encodedBytesMax([{ command: null, tag: { clientId: 'c'.repeat(clientIdBytesMax), seq: Number.MAX_SAFE_INTEGER } }])
  return pbftBatchBytesMax(n, f, logWindowMax) - request
}

export interface PbftConfig {
  id: NodeId
  members: NodeId[]
  n: number
  f: number
  myIndex: number
  /** TOCS §5.1.1: replicas other than the designated one answer with the result's digest. */
  digestReplies: boolean
  requestTimeoutTicks: number
  statusIntervalTicks: number
  checkpointInterval: number
  logWindowMax: number
  batchMax: number
  /** Bytes of requests in one batch (pre-prepare or forwarded Request); at least one request each. */
  batchBytesMax: number
  catchUpBytesMax: number
}

export function resolveConfig(options: PbftOptions): PbftConfig {
  const members = options.members
  const n = members.length
  const f = options.f ?? maxFaults(n)
  const error = validatePbftConfig(n, f)
  if (error) throw new Error(error)
  if (new Set(members).size !== n) throw new Error(`PBFT members must be distinct, got ${members.join(', ')}`)
  const myIndex = members.indexOf(options.id)
  if (myIndex < 0) throw new Error(`PBFT replica ${options.id} is not among the members ${members.join(', ')}`)
  const config: PbftConfig = {
    id: options.id,
    members: [...members],
    n,
    f,
    myIndex,
    digestReplies: options.digestReplies ?? false,
    requestTimeoutTicks: options.requestTimeoutTicks ?? pbftDefaults.requestTimeoutTicks,
    statusIntervalTicks: options.statusIntervalTicks ?? pbftDefaults.statusIntervalTicks,
    checkpointInterval: options.checkpointInterval ?? pbftDefaults.checkpointInterval,
    logWindowMax: options.logWindowMax ?? pbftDefaults.logWindowMax,
    batchMax: options.batchMax ?? pbftDefaults.batchMax,
    batchBytesMax: 0,
    catchUpBytesMax: options.catchUpBytesMax ?? catchUpBytesMax,
  }
  config.batchBytesMax = options.batchBytesMax ?? pbftBatchBytesMax(n, f, config.logWindowMax)
  if (config.batchBytesMax < 1) {
    throw new Error(`PBFT with ${n} replicas and a log window of ${config.logWindowMax}: a view change could not fit in a frame even with empty batches`)
  }
  for (const key of ['requestTimeoutTicks', 'statusIntervalTicks', 'checkpointInterval', 'logWindowMax', 'batchMax', 'batchBytesMax', 'catchUpBytesMax'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) throw new Error(`PBFT ${key} must be a whole number >= 1, got ${config[key]}`)
  }
  // The primary may only assign up to h + L; with L < K it could never reach the next checkpoint.
  if (config.logWindowMax < config.checkpointInterval) {
    throw new Error(`PBFT logWindowMax (${config.logWindowMax}) must be >= checkpointInterval (${config.checkpointInterval})`)
  }
  return config
}

export function primaryOf(members: readonly NodeId[], view: number): NodeId {
  return members[view % members.length]
}

export function normalizeByzantine(value: ByzantineBehaviour | ByzantineKind | undefined): ByzantineBehaviour | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'string') {
    if (!(byzantineKinds as readonly string[]).includes(value)) {
      throw new Error(`unknown Byzantine behaviour ${JSON.stringify(value)}; expected one of ${byzantineKinds.join(', ')}`)
    }
    return { kind: value } as ByzantineBehaviour
  }
  if (!(byzantineKinds as readonly string[]).includes(value.kind)) {
    throw new Error(`unknown Byzantine behaviour ${JSON.stringify(value.kind)}; expected one of ${byzantineKinds.join(', ')}`)
  }
  return value
}
