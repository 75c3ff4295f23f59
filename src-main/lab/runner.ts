/**
 * Runs one experiment end to end: a run directory, the cluster, the workload, the fault schedule,
 * the trace, live frames, and at the end the summary and verdict. The run directory is the source
 * of truth and is kept whatever happens, failed runs included.
 *
 * Timeline: the trace counts from the run's epoch (when the replicas are spawned). Once all of them
 * listen, their protocol clocks start together and so does the workload: that moment is "0 s" of the
 * experiment, from which fault times count. The first election is part of the run, so a workload's
 * first operations may wait for a leader (use workload.warmup to leave them out of the numbers).
 */
import type { CheckerMessage } from '../api/checker-text.js'
import { fork, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { membershipUnavailable, resolveNode, type Experiment } from '../api/experiment.js'
import type { Fault, FaultResult, LabStreamMessage, TraceQuery, TraceWindow } from '../api/lab-api.js'
import { TraceIndexBuilder, readTraceWindow } from './trace-index.js'
import { readLatencyBreakdown } from './latency-breakdown.js'
import { acknowledgedOperations, type AcknowledgedOperation } from '../api/latency-breakdown.js'
import type { InjectedFault, LatencySummaryMs, LostWritesSummary, RunSummary, ScriptStepResult, Verdict } from '../api/summary.js'
import { buildRunVerdict } from './checker/run-verdict.js'
import type { HistoryEvent, TraceEvent } from '../api/trace.js'
import { countStaleReads, type ReadStats } from './stale-reads.js'
import { findLostWrites } from '../checker/acknowledged-writes.js'
import { checkDiscovery } from './discovery-verdict.js'
import { captureEnvironment } from './report/environment.js'
import { latencyPercentiles } from '../api/report/analysis.js'
import type { FinalState, ReplicaStatus } from '../replica/control.js'
import { seededRandom } from '../protocols/common/random.js'
import type { NodeSettings, ReadRoute } from '../protocols/descriptor.js'
import { descriptorOf } from '../protocols/registry.js'
import { Cluster, type ClusterLaunch, type ReplicaExit } from './cluster.js'
import type { TimedFault } from '../faults/fault.js'
import { FaultInjector, scheduledFaults } from './faults.js'
import { nemesisSchedule } from './nemesis.js'
import { FrameAggregator, frameIntervalMs } from './frames.js'
import { ConvergenceWatch } from './convergence.js'
import { LeaderTracker, computeLeadership } from './leadership.js'
import { childProcessEnv, nodeBundle } from './paths.js'
import { Guardian } from './guardian-client.js'
import { errorLine, logSize, readLogFrom } from './exit-reason.js'
import { finalReadKeysMax, type WorkloadConfig, type WorkloadReport, type WorkloadStats } from './workload/protocol.js'
import { ReplicaCpuMeter } from './replica-cpu.js'

/**
 * Extra time the workload gets beyond its warm-up and duration (operations still in flight, final
 * reads) before the run gives up on it.
 */
export const workloadGraceMs = 30_000
/**
 * How long the end of a run waits for a fault still being applied (a restarting replica); well
 * inside the replica start timeout, so a held restart is called off rather than failed.
 */
const faultsInProgressGraceMs = 4000
/**
 * Disk space held from the start of a run and given back just before summary.json is written, so a
 * run whose disk fills up can still record that it failed and why.
 */
export const recordReserveBytes = 256 * 1024
const reserveFile = '.record-reserve'
/** After an interrupt, the workload gets this long to finish its operations in flight, then is killed. */
const interruptWorkloadGraceMs = 3000

/** Trace kinds kept in memory for the verdict and leadership; the file keeps every event. */
const retainedKinds = new Set<TraceEvent['kind']>(['role', 'term', 'vote', 'commit', 'apply', 'truncate', 'process', 'fault', 'config'])

export interface RunOptions {
  runsDir: string
  /** The experiment file as written, kept next to the resolved one. */
  sourceText?: string
  /** Judge the history and the trace at the end (default true). */
  check?: boolean
  /** Read back every written key at the end (default true). */
  finalReads?: boolean
  /** Time the workload gets beyond warmup + duration before it is killed (default workloadGraceMs). */
  workloadGraceMs?: number
  onMessage?: (message: LabStreamMessage) => void
  onScriptStep?: (report: Extract<WorkloadReport, { type: 'script' }>) => void
}

export class ExperimentRun {
  readonly id: string
  readonly dir: string
  private readonly epochNs = process.hrtime.bigint()
  private readonly leaders = new LeaderTracker()
  private readonly frames: FrameAggregator
  private readonly trace: TraceEvent[] = []
  private readonly traceFile: fs.WriteStream
  /** trace.ndjson's index by time, as written (readTrace reads windows through it; stored as trace.index.json). */
  private readonly traceIndex = new TraceIndexBuilder()
  private readonly messageTotals = new Map<string, { pidCounters: ReplicaStatus | undefined; carried: { messages: number; bytes: number; byType: Record<string, number> } }>()
  private readonly replicaCpu = new ReplicaCpuMeter()
  private cluster?: Cluster
  private faults?: FaultInjector
  private workload?: ChildProcess
  private workloadStartMs = 0
  /** The experiment's clock has started (workloadStartMs is its 0 s): frames count from there. */
  private clockStarted = false
  private stopped = false
  private ops = { ok: 0, fail: 0, info: 0 }
  /** Calls off the faults still to come (the load is over); set while the workload runs. */
  private endFaults = () => undefined as void
  private readonly scriptResults: ScriptStepResult[] = []
  private convergenceCheck?: () => void
  private traceClosed = false
  /** The configuration last traced as a `members` event (voters|learners|committed). */
  private membersTraced = ''
  /** Replicas that ended without the lab asking (also in the trace), for the summary. */
  private readonly replicaExits: ReplicaExit[] = []
  /** Why the run cannot complete, found while it ran (a full disk); the first cause wins. */
  private failure?: string
  /** Why the run was interrupted (see interrupt), if it was. */
  private interruptedBy?: string

  /**
   * Creates the run directory and its first files; throws RunStartError, with a one-line message,
   * when it cannot (a full disk, no permission).
   */
  constructor(
    readonly experiment: Experiment,
    private readonly options: RunOptions,
  ) {
    this.id = runId(experiment.name)
    this.dir = path.join(options.runsDir, this.id)
    this.frames = new FrameAggregator(this.id)
    let file = this.dir
    const write = (name: string, data: string | Buffer) => {
      file = path.join(this.dir, name)
      fs.writeFileSync(file, data)
    }
    try {
      fs.mkdirSync(this.dir, { recursive: true })
      write(reserveFile, Buffer.alloc(recordReserveBytes))
      write('experiment.json', JSON.stringify(experiment, null, 2))
      write('environment.json', JSON.stringify(captureEnvironment('run'), null, 2))
      if (options.sourceText) write('experiment.source.yaml', options.sourceText)
    } catch (caught) {
      throw new RunStartError(`cannot start the run: ${describeWriteError(caught, file)}`)
    }
    const traceFile = path.join(this.dir, 'trace.ndjson')
    this.traceFile = fs.createWriteStream(traceFile)
    this.traceFile.on('error', (caught) => {
      this.traceClosed = true
      this.fail(describeWriteError(caught, traceFile))
    })
  }

  /** A window of this run's trace so far, in experiment time (what is still in the stream's buffer is not there yet). */
  readTrace(query: TraceQuery): Promise<TraceWindow> {
    return readTraceWindow(path.join(this.dir, 'trace.ndjson'), this.traceIndex.index(), this.workloadStartMs, query)
  }

  now(): number {
    return Number(process.hrtime.bigint() - this.epochNs) / 1e6
  }

  /**
   * Runs to the end and returns the summary; on failure the summary says why (completed: false).
   * Never rejects: whatever breaks (a replica, the workload, the disk) ends up in the summary.
   */
  async execute(): Promise<RunSummary> {
    const startedAt = new Date().toISOString()
    const frameTimer = setInterval(() => this.emitFrame(), frameIntervalMs)
    let error: string | undefined
    let stats: WorkloadStats | undefined
    let finalStates: FinalState[] = []
    try {
      stats = await this.runPhases()
      if (this.interruptedBy === undefined) {
        await this.waitForFaultsInProgress()
        await this.waitForConvergence()
      }
      finalStates = await this.cluster!.finalStates()
    } catch (caught) {
      error = describeRunError((caught as Error).message)
    } finally {
      clearInterval(frameTimer)
      this.workload?.kill('SIGKILL')
      this.endFaults()
      this.faults?.end('the run ended')
      await this.cluster?.shutdown()
      // A restart the shutdown cut short gets its record before the trace closes.
      await this.faults?.settled()
      this.emitFrame()
    }
    // Messages still queued on the channels of processes just stopped arrive after this: the run's
    // record ends here.
    await this.closeTrace()
    this.writeRunFile('trace.index.json', JSON.stringify(this.traceIndex.index()))
    this.writeRunFile('final-states.json', JSON.stringify(finalStates, null, 2))
    this.writeRunFile('series.json', JSON.stringify(this.frames.series))
    if (stats) {
      const metrics = { latencyHistogramUs: stats.histogram, latencyHistogramUsByOperation: stats.histogramsByFunction, byFunction: stats.byFunction }
      this.writeRunFile('metrics.json', JSON.stringify(metrics))
    }
    // A cause found while the run went on (the disk filled up) outranks what it led to; an
    // interrupted run is not a finished one, whatever its workload managed: no verdict is drawn.
    error = this.failure ?? this.interruptedBy ?? error
    const reads = this.readStats()
    const summary = this.summarize(startedAt, stats, error, reads)
    if (stats) Object.assign(summary, await this.latencyBreakdown(reads.operations))
    if (this.options.check !== false && stats && error === undefined) summary.verdict = await this.judge(stats, finalStates)
    this.writeSummary(summary)
    this.options.onMessage?.(summary.error !== undefined ? { kind: 'error', runId: this.id, message: summary.error } : { kind: 'end', runId: this.id, summary })
    return summary
  }

  private async judge(stats: WorkloadStats, finalStates: FinalState[]): Promise<Verdict> {
    try {
      const verdict = await buildRunVerdict(
        { runDir: this.dir, experiment: this.experiment, trace: this.trace, finalStates },
        { faultyNodes: this.liars(), originMs: this.workloadStartMs, finalReads: this.acknowledgedWritesPlan() },
      )
      if (stats.discovery) verdict.invariants.push(...checkDiscovery(stats.discovery, stats.endMs))
      return verdict
    } catch (caught) {
      return { linearizable: 'unknown', invariants: [], witness: `checker failed: ${(caught as Error).message}` }
    }
  }

  /** Ends the run as failed, keeping what it has: the workload stops and the run winds down. */
  private fail(reason: string): void {
    if (this.failure !== undefined) return
    this.failure = reason
    this.stop()
  }

  private onReplicaExit(exit: ReplicaExit): void {
    this.replicaExits.push(exit)
    if (isDiskFull(exit.reason)) this.fail(`no space left on device: replica ${exit.node} could not write to ${path.join(this.dir, 'nodes', exit.node)}: ${exit.reason}`)
  }

  private closeTrace(): Promise<void> {
    this.traceClosed = true
    const stream = this.traceFile
    if (stream.destroyed || stream.errored) return Promise.resolve()
    return new Promise<void>((resolve) => stream.end(() => resolve()))
  }

  /** Writes a file of the run's record; a failure (a full disk) fails the run, and the rest is still written. */
  private writeRunFile(name: string, text: string): boolean {
    const file = path.join(this.dir, name)
    try {
      fs.writeFileSync(file, text)
      return true
    } catch (caught) {
      this.fail(describeWriteError(caught, file))
      // A file cut short would read as a damaged run; an absent one says the run stopped before it.
      fs.rmSync(file, { force: true })
      return false
    }
  }

  /**
   * summary.json comes last (a run with one has ended) and gets the space held back since the start.
   * If even that fails, the summary says so, and the host prints it.
   */
  private writeSummary(summary: RunSummary): void {
    fs.rmSync(path.join(this.dir, reserveFile), { force: true })
    if (this.writeRunFile('summary.json', JSON.stringify(summary, null, 2))) return
    summary.completed = false
    summary.error = `${summary.error ?? this.failure}; the run's summary.json could not be written either`
  }

  /** Whether the workload reads its written keys back at the end (true), or why it does not (a coded message, api/checker-text.ts). */
  private finalReadsPlan(): true | CheckerMessage {
    if (this.options.finalReads === false) return { code: 'finalReadsOff', params: {} }
    const keys = this.experiment.workload.keys
    if (keys > finalReadKeysMax) return { code: 'tooManyKeysToReadBack', params: { keys, max: finalReadKeysMax } }
    return true
  }

  /** Whether the final reads can show that no acknowledged write was lost (true), or why not. */
  private acknowledgedWritesPlan(): true | CheckerMessage {
    const plan = this.finalReadsPlan()
    if (plan !== true) return plan
    const reads = this.reads()
    if (reads.route === 'local') return { code: 'localReads', params: { mode: reads.mode } }
    return true
  }

  /** How the protocol serves gets in this run, as its descriptor names and routes them. */
  private reads(): { mode: string; route: ReadRoute } {
    const protocol = descriptorOf(this.experiment.protocol)
    const { settings } = resolveNode(this.experiment, this.experiment.cluster.nodes[0]!)
    return { mode: protocol.reads.modeOf(settings), route: protocol.reads.routeOf(settings) }
  }

  /** Nodes that lied at some point of the run: the invariants hold the honest ones only. */
  private liars(): string[] {
    const liars = new Set(Object.keys(this.experiment.cluster.byzantine))
    for (const fault of this.faults?.injected ?? []) if (fault.action.startsWith('byzantine ') && !fault.action.endsWith(': honest')) fault.targets.forEach((node) => liars.add(node))
    return [...liars]
  }

  /** Ends the workload early; the run then finishes normally with what it has. */
  stop(): void {
    this.stopped = true
    if (this.workload?.connected) this.workload.send({ type: 'stop' })
  }

  /**
   * Stops the run because the lab itself is stopping (a signal, the app closing): the workload ends
   * now, no verdict is drawn, and the run is kept as not completed, with `reason` as its error.
   */
  interrupt(reason: string): void {
    if (this.interruptedBy !== undefined) return
    this.interruptedBy = reason
    this.stop()
    setTimeout(() => this.workload?.kill('SIGKILL'), interruptWorkloadGraceMs).unref()
  }

  /** Experiment time now (ms from 0 s), or undefined while the cluster is still starting. */
  experimentTimeMs(): number | undefined {
    return this.workloadStartMs > 0 ? this.now() - this.workloadStartMs : undefined
  }

  /** Injects a fault by hand, now: a link fault at once, a node fault once its node's earlier faults are done. */
  async inject(fault: Fault): Promise<FaultResult> {
    if (!this.faults) return { ok: false, error: 'the cluster is not running', notes: [{ code: 'clusterNotRunning' }] }
    const injected = await this.faults.inject(fault)
    const notes = injected.notes === undefined ? {} : { notes: injected.notes }
    if (injected.outcome === 'applied') return { ok: true, targets: injected.targets, atMs: round(injected.atMs), ...(injected.detail === undefined ? {} : { detail: injected.detail }), ...notes }
    return { ok: false, error: injected.detail ?? injected.outcome ?? 'not carried out', atMs: round(injected.atMs), ...notes }
  }

  private async runPhases(): Promise<WorkloadStats> {
    const experiment = this.experiment
    this.cluster = new Cluster(clusterLaunch(experiment), this.dir, this.epochNs, {
      onEvents: (node, events, status) => this.onReplicaEvents(node, events, status),
      onProcessEvent: (event) => this.onEvents([event]),
      onReplicaExit: (exit) => this.onReplicaExit(exit),
    })
    this.faults = new FaultInjector(this.cluster, this.leaders, experiment.network, seededRandom(experiment.seed, 'faults'), () => Math.max(0, this.now() - this.workloadStartMs))
    this.faults.onRecord = (fault) => this.recordFaultEvent(fault)
    this.faults.joiningSettings = (id, voters) => joiningSettings(experiment, id, voters)
    const membership = membershipUnavailable(experiment.protocol, experiment.cluster.groups)
    if (membership !== undefined) {
      this.faults.membershipRefusal = `membership changes are Raft only (one group), not ${membership.protocol}`
      this.faults.membershipRefusalProtocol = membership.protocol
    }
    // The workload's clients reach an added node too (a removed one stops answering; they go elsewhere).
    this.faults.onMembersChanged = () => {
      if (this.workload?.connected) this.workload.send({ type: 'endpoints', nodes: this.cluster!.clientEndpoints() })
    }
    this.faults.onLinksChanged = (cut) => this.onEvents([{ t: this.now(), node: 'lab', kind: 'links', cut }])
    const schedule = [...scheduledFaults(experiment), ...nemesisSchedule(experiment)].sort((a, b) => a.atMs - b.atMs)
    // Faults at 0 s are the initial conditions: in force before the first election.
    const initial = schedule.filter((fault) => fault.atMs === 0)
    const initialInjections: Promise<unknown>[] = []
    // The workload process loads while the replicas start; it begins when their clocks do.
    const workload = this.spawnWorkload()
    await this.cluster.start(() => {
      this.workloadStartMs = this.now()
      this.clockStarted = true
      this.faults!.applyLinkRules()
      // Partitions take effect synchronously here, before the peer list starts the clocks.
      for (const { fault } of initial) initialInjections.push(this.faults!.inject(fault, 0))
    })
    await Promise.all(initialInjections)
    // Interrupted while the replicas started: the workload never begins.
    if (this.interruptedBy !== undefined) throw new Error(this.interruptedBy)
    // Each fault fires at its time, whatever another node is doing (see FaultInjector).
    const due = new Map<TimedFault, NodeJS.Timeout>()
    const arm = (timed: TimedFault) => {
      const remainingMs = this.workloadStartMs + timed.atMs - this.now()
      // Timers count from the event loop's cached clock and can fire a little early: never before its time.
      if (remainingMs > 0) return void due.set(timed, setTimeout(() => arm(timed), Math.ceil(remainingMs)))
      due.delete(timed)
      void this.faults!.inject(timed.fault, timed.atMs)
    }
    schedule.filter(({ atMs }) => atMs > 0).forEach(arm)
    this.endFaults = () => {
      for (const [timed, timer] of due) {
        clearTimeout(timer)
        this.faults!.notCarriedOut(timed.fault, timed.atMs, 'the run ended before its time')
      }
      due.clear()
      this.faults!.end('the run ended')
    }
    try {
      workload.start(this.workloadConfig())
      // The run failed while the cluster started (a full disk): the workload ends as soon as it begins.
      if (this.stopped) this.stop()
      return await workload.done
    } finally {
      this.endFaults()
    }
  }

  /**
   * A restart the experiment asked for that is still starting when the workload ends (a loaded
   * machine can take seconds to start a replica) gets a grace to finish, so the final states
   * include the restarted node and its catch-up is judged. A restart held longer than that is
   * still "not carried out" when the cluster shuts down (faults.ts), never waited for until the
   * start timeout calls it failed.
   */
  private async waitForFaultsInProgress(): Promise<void> {
    if (this.faults === undefined) return
    let timer: NodeJS.Timeout | undefined
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, faultsInProgressGraceMs)
    })
    await Promise.race([this.faults.settled(), grace])
    clearTimeout(timer)
  }

  /**
   * Gives replication time to finish after the last operation, so the final states compare the
   * same index: as long as the replicas behind keep catching up (bounded), while a cluster still
   * partitioned gives up once nothing moves.
   */
  private waitForConvergence(): Promise<void> {
    const watch = new ConvergenceWatch(this.now())
    const appliedIndexes = () =>
      [...this.cluster!.replicas.values()].filter((replica) => replica.state === 'up').map((replica) => replica.status?.appliedIndex ?? -1)
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined
      const check = () => {
        clearTimeout(timer)
        const now = this.now()
        if (watch.observe(appliedIndexes(), now) === 'waiting') {
          timer = setTimeout(check, watch.remainingMs(now))
          return
        }
        this.convergenceCheck = undefined
        resolve()
      }
      this.convergenceCheck = check
      check()
    })
  }

  private workloadConfig(): WorkloadConfig {
    const experiment = this.experiment
    return {
      protocol: experiment.protocol,
      workload: experiment.workload,
      nodes: this.cluster!.clientEndpoints(),
      seed: experiment.seed,
      epochNs: this.epochNs.toString(),
      historyPath: path.join(this.dir, 'history.ndjson'),
      // The protocol's settings are the cluster's, the same at every node.
      settings: resolveNode(experiment, experiment.cluster.nodes[0]!).settings,
      finalReads: this.finalReadsPlan() === true,
      startMs: this.workloadStartMs,
    }
  }

  private spawnWorkload(): { start: (config: WorkloadConfig) => void; done: Promise<WorkloadStats> } {
    const experiment = this.experiment
    const logFile = path.join(this.dir, 'logs', 'workload.log')
    const log = fs.openSync(logFile, 'a')
    const logOffset = logSize(log)
    const child = fork(nodeBundle('workload'), [], {
      env: childProcessEnv(),
      stdio: ['ignore', log, log, 'ipc'],
      serialization: 'advanced',
      // For profiling the workload, e.g. CONSENSUS_LAB_WORKLOAD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
      execArgv: (process.env.CONSENSUS_LAB_WORKLOAD_NODE_ARGS ?? '').split(' ').filter(Boolean),
    })
    fs.closeSync(log)
    // A send can race the workload's exit (EPIPE); its exit handler reports what happened.
    child.on('error', () => undefined)
    this.workload = child
    const guardian = Guardian.shared()
    if (child.pid) guardian.watch(child.pid)
    const graceMs = this.options.workloadGraceMs ?? workloadGraceMs
    const deadlineMs = workloadDeadlineMs(experiment.workload, graceMs)
    let deadline: NodeJS.Timeout | undefined
    let timedOut = () => undefined as void
    const done = new Promise<WorkloadStats>((resolve, reject) => {
      timedOut = () => {
        child.kill('SIGKILL')
        reject(new Error(`the workload did not finish within ${deadlineMs} ms of its start (warmup + duration + ${graceMs} ms)`))
      }
      let result: WorkloadStats | undefined
      child.on('message', (report: WorkloadReport) => {
        switch (report.type) {
          case 'progress':
            this.ops = { ok: report.ok, fail: report.fail, info: report.info }
            this.frames.setOps(this.ops, report.latencies)
            return
          case 'script':
            this.scriptResults.push({ index: report.index, command: report.command, outcome: report.outcome, value: report.value, error: report.error, t: report.t })
            this.onEvents([{ t: report.t, node: 'client', kind: 'note', text: describeScriptStep(report) }])
            this.options.onScriptStep?.(report)
            return
          case 'load-ended':
            this.endFaults()
            return
          case 'done':
            result = report.stats
            return
          case 'fatal':
            reject(new Error(`workload failed: ${report.message.split('\n')[0]}`))
            return
        }
      })
      child.on('exit', (code) => {
        clearTimeout(deadline)
        if (child.pid) guardian.forget(child.pid)
        if (result) resolve(result)
        else {
          const error = errorLine(readLogFrom(logFile, logOffset))
          reject(new Error(`the workload exited (code ${code}) without reporting${error ? `: ${error}` : ''}`))
        }
      })
    })
    // A cluster that fails to start leaves the workload unstarted: that rejection is the cluster's story.
    done.catch(() => undefined)
    const start = (config: WorkloadConfig) => {
      // The deadline counts from the workload's start: the cluster's start is bounded on its own.
      deadline = setTimeout(timedOut, deadlineMs)
      child.send({ type: 'start', config })
    }
    return { start, done }
  }

  private onReplicaEvents(node: string, events: TraceEvent[], status: ReplicaStatus): void {
    this.frames.setStatus(node, status)
    this.countMessages(node, status)
    if (status.cpuMs !== undefined) this.replicaCpu.record(node, this.now(), status.cpuMs)
    this.onEvents(events)
    this.traceMembers(node, status)
    this.faults?.observe(events)
    this.convergenceCheck?.()
  }

  private onEvents(events: TraceEvent[]): void {
    if (events.length === 0 || this.traceClosed) return
    const lines: string[] = []
    for (const event of events) {
      if (retainedKinds.has(event.kind)) this.trace.push(event)
      this.leaders.observe(event)
      const line = JSON.stringify(event)
      this.traceIndex.add(event, Buffer.byteLength(line))
      lines.push(line)
    }
    this.traceFile.write(lines.join('\n') + '\n')
    this.frames.addEvents(events)
  }

  /**
   * Raft membership: traces the leader's configuration (a `members` event) each time it changes, so
   * the live view and the replay draw who is a voter, a learner, or no member at each moment.
   */
  private traceMembers(node: string, status: ReplicaStatus): void {
    const configuration = status.configuration
    if (configuration === undefined || node !== this.leaders.leader()) return
    const key = `${configuration.voters.join(',')}|${configuration.learners.join(',')}|${configuration.committed}`
    if (key === this.membersTraced) return
    this.membersTraced = key
    this.onEvents([{ t: this.now(), node: 'lab', kind: 'members', voters: [...configuration.voters], learners: [...configuration.learners], committed: configuration.committed }])
  }

  /**
   * A fault's trace event (and so its live marker) sits at the time the fault was applied, its
   * record's atMs, not when the record is written: a restart is recorded once its replica is up,
   * which on a loaded machine is seconds after it began (one clock with summary.json's faults).
   */
  private recordFaultEvent(fault: InjectedFault): void {
    const detail = [fault.targets.join(', '), fault.detail].filter(Boolean).join(' — ') || undefined
    this.onEvents([{ t: this.workloadStartMs + fault.atMs, node: 'lab', kind: 'fault', fault: fault.action, detail }])
  }

  /** Keeps message totals across restarts: a restarted replica counts from zero again. */
  private countMessages(node: string, status: ReplicaStatus): void {
    const entry = this.messageTotals.get(node) ?? { pidCounters: undefined, carried: { messages: 0, bytes: 0, byType: {} } }
    const previous = entry.pidCounters
    if (previous && status.messagesSent < previous.messagesSent) {
      entry.carried.messages += previous.messagesSent
      entry.carried.bytes += previous.bytesSent
      for (const [type, count] of Object.entries(previous.sentByType)) entry.carried.byType[type] = (entry.carried.byType[type] ?? 0) + count
    }
    entry.pidCounters = status
    this.messageTotals.set(node, entry)
  }

  /** Every node of the run: the experiment's, then those added while it ran (membership changes). */
  private nodeNames(): string[] {
    const added = this.cluster?.nodeIds.filter((id) => !this.experiment.cluster.nodes.includes(id)) ?? []
    return [...this.experiment.cluster.nodes, ...added]
  }

  /** The start-up before the experiment's 0 s is left out of the live view (it is in the trace). */
  private emitFrame(): void {
    if (!this.cluster || !this.clockStarted) return
    const states = new Map([...this.cluster.replicas].map(([id, replica]) => [id, replica.state]))
    const frame = this.frames.take(this.now(), this.workloadStartMs, states, this.leaders.leader())
    this.options.onMessage?.(frame)
  }

  /** The summary's latencyBreakdown, or why it has none; a failure to read the trace is said, never hidden. */
  private async latencyBreakdown(operations: AcknowledgedOperation[]): Promise<Pick<RunSummary, 'latencyBreakdown' | 'latencyBreakdownNote' | 'latencyBreakdownFacts'>> {
    if (!this.experiment.trace.log) return { latencyBreakdownNote: 'trace.log is off: the run recorded no append, commit or slot events to split its operations', latencyBreakdownFacts: { code: 'traceOff' } }
    try {
      const nodes = this.experiment.cluster.nodes.length
      const result = await readLatencyBreakdown(path.join(this.dir, 'trace.ndjson'), this.experiment.protocol, nodes, operations)
      return { ...(result.phases ? { latencyBreakdown: result.phases } : {}), latencyBreakdownNote: result.note, latencyBreakdownFacts: result.facts }
    } catch (caught) {
      const error = (caught as Error).message
      return { latencyBreakdownNote: `the trace could not be read: ${error}`, latencyBreakdownFacts: { code: 'traceUnreadable', error } }
    }
  }

  /** Reads by how fresh they were, the acknowledged writes the final reads did not find, and the acknowledged operations. */
  private readStats(): ReadStats & { lostWrites?: LostWritesSummary; operations: AcknowledgedOperation[] } {
    const file = path.join(this.dir, 'history.ndjson')
    if (!fs.existsSync(file)) return { reads: 0, stale: 0, examples: [], operations: [] }
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)
    const history: HistoryEvent[] = []
    for (const [index, line] of lines.entries()) {
      try {
        history.push(JSON.parse(line) as HistoryEvent)
      } catch (caught) {
        // The last line may be cut short by a full disk (the run then fails and says why).
        if (index < lines.length - 1) throw caught
      }
    }
    return { ...countStaleReads(history), lostWrites: findLostWrites(history), operations: acknowledgedOperations(history) }
  }

  private summarize(startedAt: string, stats: WorkloadStats | undefined, error: string | undefined, reads: ReadStats & { lostWrites?: LostWritesSummary }): RunSummary {
    const experiment = this.experiment
    const endMs = stats?.endMs ?? this.now()
    const startMs = stats?.startMs ?? this.workloadStartMs
    const groupCount = experiment.cluster.groups
    const perGroup =
      groupCount > 1
        ? Array.from({ length: groupCount }, (_, group) => ({ group, ...computeLeadership(this.trace, startMs, endMs, group) }))
        : undefined
    // Under MultiRaft: changes summed over groups, unavailability of the worst group.
    const leadership = perGroup
      ? {
          leaderChanges: perGroup.reduce((sum, group) => sum + group.leaderChanges, 0),
          maxTerm: Math.max(...perGroup.map((group) => group.maxTerm)),
          unavailableMs: Math.max(...perGroup.map((group) => group.unavailableMs)),
        }
      : computeLeadership(this.trace, startMs, endMs)
    const messages = { total: 0, bytes: 0, byType: {} as Record<string, number> }
    for (const { pidCounters, carried } of this.messageTotals.values()) {
      messages.total += carried.messages + (pidCounters?.messagesSent ?? 0)
      messages.bytes += carried.bytes + (pidCounters?.bytesSent ?? 0)
      for (const source of [carried.byType, pidCounters?.sentByType ?? {}])
        for (const [type, count] of Object.entries(source)) messages.byType[type] = (messages.byType[type] ?? 0) + count
    }
    const durationMs = Math.max(1, endMs - startMs)
    const ops = stats ? { ok: stats.ok, fail: stats.fail, info: stats.info } : this.ops
    return {
      runId: this.id,
      name: experiment.name,
      protocol: experiment.protocol,
      // Nodes added during the run (membership changes) too, removed ones included.
      nodes: this.nodeNames().length,
      nodeNames: this.nodeNames(),
      seed: experiment.seed,
      durability: experiment.cluster.durability,
      clients: experiment.workload.rate === undefined ? experiment.workload.clients : 0,
      rate: experiment.workload.rate,
      startedAt,
      durationMs: round(durationMs),
      workloadStartMs: round(this.workloadStartMs),
      ops,
      latencyMs: stats ? latencySummary(stats.histogram) : { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 },
      latencyByOperationMs: Object.fromEntries(
        Object.entries(stats?.histogramsByFunction ?? {}).map(([f, encoded]) => [f, { ...latencySummary(encoded), count: stats?.byFunction[f]?.ok ?? 0 }]),
      ),
      throughput: round((ops.ok / durationMs) * 1000),
      leaderChanges: leadership.leaderChanges,
      terms: leadership.maxTerm,
      unavailableMs: round(leadership.unavailableMs),
      groups: perGroup?.map((group) => ({
        group: group.group,
        leaderChanges: group.leaderChanges,
        terms: group.maxTerm,
        unavailableMs: round(group.unavailableMs),
        leaders: [...new Set(group.tenures.map((tenure) => tenure.node))],
      })),
      messages,
      replicaCpu: stats ? this.replicaCpu.measured(startMs, endMs) : undefined,
      // In time order, as readers (fault windows, time without a leader after each) expect; records are
      // written as faults settle, and a restart settles only once its replica is up.
      faults: [...(this.faults?.injected ?? [])].sort((a, b) => a.atMs - b.atMs),
      reads: { mode: this.reads().mode, total: reads.reads, stale: reads.stale, examples: reads.examples },
      lostWrites: reads.lostWrites,
      script: this.scriptResults.length > 0 ? this.scriptResults : undefined,
      discovery: stats?.discovery,
      replicaExits: this.replicaExits.map((exit) => ({ node: exit.node, atMs: round(exit.t - this.workloadStartMs), reason: exit.reason })),
      runDir: this.dir,
      completed: error === undefined,
      error,
    }
  }
}

/** The run directory could not be set up; the message is one line. */
export class RunStartError extends Error {
  override name = 'RunStartError'
}

/** How long a workload may run from its start: its warm-up and duration, then the grace. */
export function workloadDeadlineMs(workload: Pick<Experiment['workload'], 'warmup' | 'duration'>, graceMs = workloadGraceMs): number {
  return workload.warmup + workload.duration + graceMs
}

function isDiskFull(text: string): boolean {
  return /ENOSPC|no space left on device/i.test(text)
}

/** A failed write in one line, naming the file: "no space left on device: could not write /runs/x/series.json". */
export function describeWriteError(error: unknown, file?: string): string {
  const { code, message, path: errorPath } = error as NodeJS.ErrnoException
  // Writes through a file descriptor fail without a path: the caller names the file.
  const named = file ?? errorPath
  const where = named ? ` ${named}` : ''
  if (code === 'ENOSPC') return `no space left on device: could not write${where}`
  if (code === 'EACCES' || code === 'EPERM') return `permission denied: could not write${where}`
  if (code === 'EROFS') return `read-only file system: could not write${where}`
  return firstLine(message ?? String(error))
}

/** A failure of the run's own processes, in one line; a full disk says so first. */
function describeRunError(message: string): string {
  const line = firstLine(message)
  // Node's own wording of a failed call: "ENOSPC: no space left on device, open '/runs/x/logs/A.log'".
  const call = /^ENOSPC: no space left on device, (\w+) '(.+)'$/.exec(line)
  if (call) return `no space left on device: could not ${call[1]} ${call[2]}`
  return isDiskFull(line) && !line.startsWith('no space left on device') ? `no space left on device: ${line}` : line
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? text
}

export function describeScriptStep(step: { command: string; outcome: string; value?: unknown; error?: string }): string {
  const value = step.outcome === 'ok' && step.value !== undefined ? ` ${JSON.stringify(step.value)}` : ''
  return `${step.command} → ${step.outcome}${value}${step.error ? ` (${step.error})` : ''}`
}

/** Each replica's settings from the experiment (resolveNode), and what every replica traces. */
function clusterLaunch(experiment: Experiment): ClusterLaunch {
  return {
    nodes: experiment.cluster.nodes.map((id) => resolveNode(experiment, id)),
    traceMessages: experiment.trace.messages,
    traceLog: experiment.trace.log,
    watchHistoryMax: 100_000,
  }
}

/**
 * The settings of a node added to the running cluster: the experiment's settings for it, starting
 * from the voters in force (which do not list it) with a fresh data directory (Cluster.addNode).
 */
function joiningSettings(experiment: Experiment, id: string, voters: readonly string[]): NodeSettings {
  const settings = resolveNode({ ...experiment, cluster: { ...experiment.cluster, nodes: [...experiment.cluster.nodes, id] } }, id)
  return { ...settings, members: [...voters] }
}

/** Percentiles of an encoded HdrHistogram (µs) in ms: the report's own computation, without the count. */
export function latencySummary(histogramBase64: string): LatencySummaryMs {
  const { count: _count, ...percentiles } = latencyPercentiles({ latencyHistogramUs: histogramBase64 })
  return percentiles
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000
}

function runId(name: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'run'
  return `${stamp}-${slug}-${Math.random().toString(36).slice(2, 6)}`
}
