import type { ProtocolName } from './experiment.js'

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
  detail: string
}

export interface Verdict {
  linearizable: boolean | 'unknown'
  invariants: InvariantResult[]
  /** Human-readable explanation of a non-linearizable key, with the operations involved. */
  witness?: string
}

export interface InjectedFault {
  atMs: number
  action: string
  targets: string[]
  detail?: string
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
  messages: { total: number; bytes: number; byType: Record<string, number> }
  faults: InjectedFault[]
  /** Reads by how they were served, and how many certainly returned an overwritten value. */
  reads: { mode: string; total: number; stale: number; examples: { key: string; read: string | null; newer: string; atMs: number }[] }
  script?: ScriptStepResult[]
  verdict?: Verdict
  runDir: string
  completed: boolean
  error?: string
}
