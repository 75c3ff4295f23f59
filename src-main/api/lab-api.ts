/**
 * LabApi: the one contract between the renderer and a lab host. Two transports carry it:
 * Electron IPC (preload exposes `window.lab`) and a WebSocket in browser mode.
 * Everything crossing it is plain JSON-serializable data.
 */
import type { FieldError, ValidationResult } from './validate.js'
import type { RunSummary } from './summary.js'
import type { TraceEvent } from './trace.js'
import type { RunRecord } from './run-file.js'

import type { SweepSummary } from './report/sweep-results.js'

export interface LabInfo {
  host: 'electron' | 'browser'
  version: string
  platform: string
  nodeVersion: string
  /** Where bundled experiments live, shown to the user. */
  experimentsDir: string
}

export interface ExperimentFile {
  /** File name inside the experiments folder, e.g. "raft-3.yaml". */
  file: string
  name: string
  description: string
  /** The description in Korean, when the file has one (descriptionKo). */
  descriptionKo?: string
  protocol: string
  nodes: number
  text: string
  /** Bundled with the lab (read-only) or saved by the user. */
  source: 'bundled' | 'user'
  /** Present when the file on disk does not validate. */
  errors?: FieldError[]
}

/** An exercise file of the course (exercises/*.yaml); the renderer validates it (api/exercise). */
export interface ExerciseFileText {
  file: string
  text: string
}

export type StartRunResult = { ok: true; runId: string } | { ok: false; errors: FieldError[] }

/** A fault injected by hand during a run: the same union as the experiment's schedule. */
export type { Fault } from '../faults/fault.js'
import type { Fault } from '../faults/fault.js'
import type { FaultNote } from './fault-text.js'

/** `atMs`: when the lab carried the fault out, in experiment time (as summary.faults[].atMs). */
/** `detail` of a fault carried out: what the lab adds about how (a leader's removal: whether it handed over). */
/** `notes`: `detail` or `error` as values, so the app can say them in Korean (api/fault-text.ts); absent when a part has none. */
export type FaultResult = { ok: true; targets: string[]; atMs?: number; detail?: string; notes?: FaultNote[] } | { ok: false; error: string; atMs?: number; notes?: FaultNote[] }

/**
 * A node's place in a Raft configuration: a voter, a learner (catches up, does not vote), joining
 * (started, not yet in the leader's configuration), or removed (gone for good).
 */
export type MemberRole = 'voter' | 'learner' | 'joining' | 'removed'

export interface NodeLiveStatus {
  node: string
  process: 'starting' | 'up' | 'crashed' | 'paused' | 'exited'
  /** Raft: its place in the leader's configuration; absent where the membership is fixed (PBFT, MultiRaft). */
  member?: MemberRole
  role: string
  term: number
  commitIndex: number
  appliedIndex: number
  lastIndex: number
}

/**
 * Aggregated once per frame interval (100 ms) so the UI is not flooded event by event. Every time in
 * a frame is experiment time: milliseconds from the workload's start (the fault schedule's 0 s); the
 * start-up before it is negative. Frames begin once the experiment's clock has started.
 */
export interface LiveFrame {
  kind: 'frame'
  runId: string
  /** Experiment time (ms) at the end of this frame. */
  t: number
  nodes: NodeLiveStatus[]
  leader?: string
  ops: { ok: number; fail: number; info: number }
  /**
   * Latencies (ms) of operations completed in this frame, downsampled to a bounded count; `t` is the
   * completion time and `p` the history's process, which name the operation (LabApi.readOperations).
   */
  latencies: { t: number; ms: number; f: string; p?: number }[]
  /**
   * The state changes of this frame (roles, terms, faults, processes, notes); bounded, with a count
   * of what was left out. Messages, appends, commits and applies are read from the trace instead.
   */
  events: TraceEvent[]
  eventsOmitted: number
  messagesByType: Record<string, number>
}

export interface RunEnded {
  kind: 'end'
  runId: string
  summary: RunSummary
}

export interface RunFailed {
  kind: 'error'
  runId: string
  message: string
}

/** A sweep's state changed: a run of it started or ended, or the sweep finished or stopped. */
export interface SweepUpdate {
  kind: 'sweep'
  listing: SweepListing
  state: 'running' | 'finished' | 'stopped'
}

export type LabStreamMessage = LiveFrame | RunEnded | RunFailed | SweepUpdate

/** The run of a sweep in progress (SweepListing.running). */
export interface SweepRunning {
  /** 0-based position among all the sweep's runs, and their count. */
  index: number
  total: number
  cellId: string
  repetition: number
  /** Time left, estimated from the runs so far. */
  etaMs: number
}

/** A sweep file the host ships, and what its runs so far show (LabApi.listSweeps). */
export interface SweepListing {
  file: string
  name: string
  description: string
  descriptionKo?: string
  repetitions: number
  /** Cells × repetitions. */
  runsTotal: number
  /** Every cell with the figures of its runs so far (none run yet: no figures). Absent when the file is invalid. */
  summary?: SweepSummary
  /** The completed runs of each cell, by cell id: the app opens them (getRunRecord) and compares them. */
  runIds: Record<string, string[]>
  running?: SweepRunning
  /** Why the file cannot run (an invalid sweep or a cell that breaks a protocol's rule). */
  error?: string
}

export type StartSweepResult = { ok: true } | { ok: false; error: string }

/**
 * A window of a run's trace (LabApi.readTrace). Times are experiment time (ms, 0 = the workload's
 * start); a bound left out is open. Filters combine (and); `text` matches the event's JSON, case
 * aside; `types` keeps messages (send, recv, drop) of those types only.
 */
export interface TraceQuery {
  fromMs?: number
  toMs?: number
  nodes?: string[]
  kinds?: string[]
  types?: string[]
  text?: string
  /** Events returned at most (the earliest ones); bounded by the host (traceWindowEventsMax). */
  limit?: number
}

/** The events of a window in time order, experiment time; `matched` counts them all, `omitted` those left out. */
export interface TraceWindow {
  events: TraceEvent[]
  matched: number
  omitted: number
  /** What the read cost: chunks of the index and bytes of the file it read. */
  chunksRead: number
  bytesRead: number
}

/** A run directory the host keeps (newest first in listRunDirectories). */
export interface RunDirectoryInfo {
  runId: string
  name: string
  protocol: string
  startedAt: string
  completed: boolean
}

/**
 * The HTML of a report handed to renderPdf is bounded: a comparison of eight long runs stays far
 * below, and so does a hand-in report with the Korean font slices its text needs embedded.
 */
export const reportHtmlCharsMax = 2_000_000

/**
 * An experiment text (validateExperiment, saveExperiment, startRun) is at most this many characters
 * (UTF-16 code units, as String.length counts). The CLI, both hosts and the renderer's own
 * validation refuse a longer one with this number in the error.
 */
export const experimentTextCharsMax = 1_000_000

/** JSON escapes one UTF-16 code unit into at most 6 bytes (a control character, a lone surrogate). */
const jsonBytesPerCharMax = 6
/** A call's envelope and its short arguments beside the one long text (a file name, a run id). */
const callEnvelopeBytesMax = 64 * 1024
/**
 * Every call the API accepts, serialized as JSON, fits in this many bytes: a transport must carry
 * that much (browser mode's WebSocket refuses anything larger before parsing it).
 */
export const labCallJsonBytesMax = jsonBytesPerCharMax * Math.max(experimentTextCharsMax, reportHtmlCharsMax) + callEnvelopeBytesMax

export interface LabApi {
  info(): Promise<LabInfo>
  listExperiments(): Promise<ExperimentFile[]>
  validateExperiment(text: string): Promise<ValidationResult>
  /** Saves a user copy; never overwrites a bundled file. */
  saveExperiment(file: string, text: string): Promise<{ ok: true; file: string } | { ok: false; errors: FieldError[] }>
  startRun(text: string): Promise<StartRunResult>
  stopRun(runId: string): Promise<void>
  injectFault(runId: string, fault: Fault): Promise<FaultResult>
  subscribe(listener: (message: LabStreamMessage) => void): () => void
  /**
   * The finished run as a RunRecord, read from its run directory (the same record `lab export`
   * writes). The renderer stores it when the run ends. Fails with a message naming the missing file
   * when the directory is incomplete, or when the run is still in progress.
   */
  getRunRecord(runId: string): Promise<RunRecord>
  /** The run directories the host keeps, newest first (at most runDirectoriesMax). */
  listRunDirectories(): Promise<RunDirectoryInfo[]>
  /** The course: the exercise files the host ships, by file name (the course orders them). */
  listExercises(): Promise<ExerciseFileText[]>
  /**
   * A window of the run's trace, read from its run directory through an index by time: the run in
   * progress (up to what it has written) or any stored run.
   */
  readTrace(runId: string, query: TraceQuery): Promise<TraceWindow>
  /**
   * A report's HTML printed to PDF by the host's Chromium (Electron: printToPDF; browser mode:
   * Chromium through playwright-core), as base64 so that both transports carry it as plain text.
   */
  renderPdf(html: string): Promise<string>
  /** The sweeps the host ships (experiments/sweeps), each with its results so far. */
  listSweeps(): Promise<SweepListing[]>
  /**
   * Runs (or resumes) a sweep by file name: its runs one after another, each streamed like any run
   * and kept with the others; 'sweep' messages say how far it is. Refused while a run is in progress.
   */
  startSweep(file: string): Promise<StartSweepResult>
  /** Interrupts the sweep in progress: its run in progress is not kept, and is run again on resume. */
  stopSweep(): Promise<void>
}
