import type { Fault, ProtocolName } from './experiment.js'
import type { FaultNote } from './fault-text.js'
import type { LatencyBreakdownFacts, LatencyPhaseSummary } from './latency-breakdown.js'
import type { CheckerMessage, VerdictWitnessFacts } from './checker-text.js'

export interface LatencySummaryMs {
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
  mean: number
}

export interface InvariantResult {
  name: string
  ok: boolean
  /** In English: what the CLI prints, and all that runs recorded before `message` existed hold. */
  detail: string
  /** The detail's facts as a coded message, said per language by checker-text.ts (sayInvariantDetail). */
  message?: CheckerMessage
  /**
   * The run could not show whether it held (acknowledged-writes-kept when the final reads failed):
   * `ok` is then false, so a reader that knows nothing of this field never takes it for a pass, and
   * the verdict is undecided rather than failed. Absent on invariants that were decided.
   */
  unknown?: true
}

export interface Verdict {
  linearizable: boolean | 'unknown'
  invariants: InvariantResult[]
  /** Human-readable explanation of a non-linearizable key, with the operations involved (English). */
  witness?: string
  /** The witness's facts, said per language by checker-text.ts (sayVerdictWitness); absent in older runs. */
  witnessFacts?: VerdictWitnessFacts
}

/** What became of a fault: carried out, failed while the run went on, or not carried out because the run ended first. */
export type FaultOutcome = 'applied' | 'failed' | 'not-carried-out'

export interface InjectedFault {
  /**
   * Experiment time (ms from 0 s) at which the fault was applied: for one on a node, when that
   * node's action began (a restart then takes until its replica is up). For a fault that failed or
   * was not carried out, when that was known.
   */
  atMs: number
  /**
   * When it was due: its time in the schedule, or when it was asked for by hand. `atMs -
   * scheduledAtMs` is how late it came (a fault on a node waits for that node's earlier fault, a
   * slow restart say). Absent in runs recorded before it existed.
   */
  scheduledAtMs?: number
  /** The fault in English, as describeFault says it ("crash leader"). */
  action: string
  /**
   * The fault itself, so a report says it in its own language (api/fault-text.ts). Absent in runs
   * recorded before it existed: they show `action` as recorded.
   */
  fault?: Fault
  /** The nodes it was applied to (none when it failed, was not carried out, or found no node). */
  targets: string[]
  detail?: string
  /** `detail` as values, for a Korean report (api/fault-text.ts); absent when a part of it has none, and in older runs. */
  notes?: FaultNote[]
  /** Absent in runs recorded before it existed: there, a detail starting with "failed" marks a failure. */
  outcome?: FaultOutcome
}

/** Service discovery (scenario 11): what each instance and each watcher saw. Times: ms since epoch. */
export interface InstanceReport {
  id: number
  key: string
  lease: string
  registeredAtMs?: number
  /** When the instance died (stopped keeping its lease alive), if it did. */
  stoppedAtMs?: number
  lastKeepAliveMs?: number
  keepAlivesOk: number
  keepAlivesFailed: number
  /** When the first watcher saw its key deleted; `expired` when a lease end deleted it. */
  disappearedAtMs?: number
  expired?: boolean
  error?: string
}

export interface WatcherReport {
  watcher: number
  events: number
  lastRevision: number
  /** Revisions of changes under the prefix (up to the final one) that this watcher never received (first 20). */
  missing: number[]
  missingCount: number
  duplicates: number
  outOfOrder: number
  /** Times it reconnected to another node and resumed from its last revision + 1. */
  resumes: number
  nodes: string[]
  errors: string[]
}

export interface DiscoveryReport {
  prefix: string
  ttlMs: number
  keepAliveEveryMs: number
  finalRevision?: number
  /** Changes under the prefix up to finalRevision, replayed from one replica at the end: what every watcher must have. */
  referenceChanges?: number
  instances: InstanceReport[]
  watchers: WatcherReport[]
}

/** The outcome of one scripted command (workload.script), in order. */
export interface ScriptStepResult {
  index: number
  command: string
  outcome: 'ok' | 'fail' | 'info'
  value?: unknown
  error?: string
  /** Completion, ms since the run's epoch. */
  t: number
}

/**
 * Acknowledged writes missing from the final state, counted from the history with the workload's
 * final reads (src-main/checker/acknowledged-writes.ts says exactly when a write counts as lost).
 */
export interface LostWritesSummary {
  acknowledged: number
  lost: number
  examples: string[]
  keysChecked: number
  keysUnchecked: number
  /** False when the history has no final reads: nothing could be judged. */
  finalReadsFound: boolean
}

export interface ReplicaExitReport {
  node: string
  atMs: number
  reason: string
}

/** What `lab run --json` prints and what the UI stores. Field names are a contract for scripts. */
export interface RunSummary {
  runId: string
  name: string
  protocol: ProtocolName
  nodes: number
  nodeNames: string[]
  seed: number
  durability: 'fsync' | 'none'
  clients: number
  rate?: number
  startedAt: string
  /** ms since the run's epoch at which the experiment's "0 s" is (when the clocks and the workload start). */
  workloadStartMs: number
  durationMs: number
  ops: { ok: number; fail: number; info: number }
  latencyMs: LatencySummaryMs
  /** The same, per operation: get, put, delete, cas. */
  latencyByOperationMs: Record<string, LatencySummaryMs & { count: number }>
  /** Acknowledged operations per second over the workload's duration. */
  throughput: number
  leaderChanges: number
  terms: number
  /** Milliseconds in which no node was an acknowledged leader (or primary). */
  unavailableMs: number
  /** MultiRaft: leadership per group (leaderChanges and unavailableMs above sum and take the worst). */
  groups?: { group: number; leaderChanges: number; terms: number; unavailableMs: number; leaders: string[] }[]
  messages: { total: number; bytes: number; byType: Record<string, number> }
  faults: InjectedFault[]
  /** Reads by how they were served, and how many certainly returned an overwritten value. */
  reads: { mode: string; total: number; stale: number; examples: { key: string; read: string | null; newer: string; atMs: number }[] }
  /** Absent in runs recorded before the lab counted them, and in runs without a history. */
  lostWrites?: LostWritesSummary
  script?: ScriptStepResult[]
  discovery?: DiscoveryReport
  /**
   * Replicas that exited without the experiment asking (an error, an assertion, out of memory, an
   * outside kill): ms from the experiment's 0 s, and the error's first line. The verdict's
   * replicas-healthy fails on any. Absent in runs recorded before it existed.
   */
  replicaExits?: ReplicaExitReport[]
  /**
   * Where acknowledged operations' latency went, phase by phase, in the protocol's order (the
   * phases of one operation add up to its latency; api/latency-breakdown.ts says how each is cut).
   * Absent when no operation could be split: runs recorded before it, trace.log off, primary-backup.
   */
  latencyBreakdown?: LatencyPhaseSummary[]
  /** What latencyBreakdown covers and leaves out, or why it is absent. */
  latencyBreakdownNote?: string
  /** latencyBreakdownNote as values, for a Korean report (latencyBreakdownNoteKo); absent in older runs. */
  latencyBreakdownFacts?: LatencyBreakdownFacts
  /** Each replica's CPU time over the measured window (lab/replica-cpu.ts); absent in runs recorded before it. */
  replicaCpu?: ReplicaCpu
  verdict?: Verdict
  runDir: string
  completed: boolean
  error?: string
}

/** Replicas' CPU time (user + system) over a run's measured window: per operation, what a protocol costs whatever else the machine runs. */
export interface ReplicaCpu {
  /** CPU ms per replica, for those with a figure. */
  measuredMs: Record<string, number>
  /** Replicas without a figure, and why (a restart inside the window, a status missing at one end). */
  unknown?: Record<string, string>
}
