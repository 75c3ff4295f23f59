/**
 * Configuration: defaults, named bounds, and the checks that make a configuration unsafe to run.
 */
import type { NodeId } from '../types.js'
import type { ByzantineBehaviour, ByzantineKind, PbftOptions } from './types.js'
import { byzantineKinds } from './types.js'

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

export interface PbftConfig {
  id: NodeId
  members: NodeId[]
  n: number
  f: number
  myIndex: number
  requestTimeoutTicks: number
  statusIntervalTicks: number
  checkpointInterval: number
  logWindowMax: number
  batchMax: number
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
    requestTimeoutTicks: options.requestTimeoutTicks ?? pbftDefaults.requestTimeoutTicks,
    statusIntervalTicks: options.statusIntervalTicks ?? pbftDefaults.statusIntervalTicks,
    checkpointInterval: options.checkpointInterval ?? pbftDefaults.checkpointInterval,
    logWindowMax: options.logWindowMax ?? pbftDefaults.logWindowMax,
    batchMax: options.batchMax ?? pbftDefaults.batchMax,
  }
  for (const key of ['requestTimeoutTicks', 'statusIntervalTicks', 'checkpointInterval', 'logWindowMax', 'batchMax'] as const) {
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
