/**
 * The load generator: closed loop (C clients, each waits for its reply) or open loop (Poisson
 * arrivals at a rate, latency measured from the intended start so a stall cannot hide behind
 * fewer requests: no coordinated omission), plus a scripted client. Every operation goes into
 * a Jepsen-style history: invoke, then ok, fail or info.
 */
import fs from 'node:fs'
import * as hdr from 'hdr-histogram-js'
import type { Command } from '../../protocols/types.js'
import { seededRandom } from '../../protocols/common/random.js'
import { parseScriptCommand, describeCommand } from '../../api/script.js'
import { historyInputOf, type HistoryEvent } from '../../api/trace.js'
import { ClusterConnections } from './connections.js'
import type { ClientDriver, Outcome } from './client.js'
import { OperationGenerator, poissonGapMs } from './generator.js'
import { finalReadKeysMax, latencySamplesPerReportMax, type LatencySample, type NodeEndpoint, type WorkloadConfig, type WorkloadReport, type WorkloadStats } from './protocol.js'
import { runDiscovery, type DiscoveryContext } from './discovery.js'
import type { DiscoveryReport } from '../../api/summary.js'

/** Open-loop operations in flight at once; arrivals beyond it are counted as failed to start. */
export const openLoopInflightMax = 10_000
/**
 * One key's final read gets this long, across its attempts (a new leader may still be settling in
 * at the end of a run on a loaded machine), and all of them together finalReadsMsMax: a run that
 * ends without a leader spends at most that, and its keys not read are unknown.
 */
const finalReadTimeoutMs = 5000
const finalReadsMsMax = 15_000
/** Pause before a final read is tried again after a definite refusal (a leader stepping down dropped it). */
const finalReadRetryMs = 10

type HistoryFunction = HistoryEvent['f']

export class WorkloadEngine {
  private readonly epochNs: bigint
  private readonly generator: OperationGenerator
  private readonly history: fs.WriteStream
  private historyBuffer: string[] = []
  private readonly histogram = newHistogram()
  /** The same latencies split by operation (get, put, ...), to compare read and write paths. */
  private readonly histogramsByFunction = new Map<string, hdr.Histogram>()
  private readonly counts = { ok: 0, fail: 0, info: 0 }
  private readonly byFunction: Record<string, { ok: number; fail: number; info: number }> = {}
  private samples: LatencySample[] = []
  private samplesSeen = 0
  private readonly random
  private nextProcess = 1
  private inflight = 0
  private stopping = false
  private readonly touchedKeys = new Set<string>()
  private readonly seqByClient = new Map<string, number>()
  /** A closed-loop process that replaced another: the id of its client's first process (see ClientDriver). */
  private readonly homeClientOf = new Map<number, string>()
  /** Operations invoked before this time are warm-up: in the history, not in the statistics. */
  private measureFromMs = 0
  /**
   * Operations invoked from this time on (the final reads, after the load) are checks, not load:
   * in the history, not in the statistics, so a run with final reads measures what one without
   * them does (the bench runs without).
   */
  private measureUntilMs = Number.POSITIVE_INFINITY

  constructor(
    private readonly config: WorkloadConfig,
    readonly connections: ClusterConnections,
    private readonly driver: ClientDriver,
    private readonly report: (message: WorkloadReport) => void,
  ) {
    this.epochNs = BigInt(config.epochNs)
    this.random = seededRandom(config.seed, 'workload')
    this.generator = new OperationGenerator(config.workload, seededRandom(config.seed, 'operations'))
    this.history = fs.createWriteStream(config.historyPath, { flags: 'a' })
  }

  nowMs(): number {
    return Number(process.hrtime.bigint() - this.epochNs) / 1e6
  }

  /** Runs the whole workload; resolves with the statistics once every operation has an outcome. */
  async run(): Promise<WorkloadStats> {
    const { workload } = this.config
    const loadStartMs = Math.min(this.config.startMs, this.nowMs())
    const startMs = loadStartMs + workload.warmup
    this.measureFromMs = startMs
    const endMs = startMs + workload.duration
    const loops: Promise<void>[] = []
    if (workload.script.length > 0) loops.push(this.runScript(loadStartMs))
    let discovery: DiscoveryReport | undefined
    if (workload.discovery) {
      const context: DiscoveryContext = {
        nowMs: () => this.nowMs(),
        perform: (process, command) => this.perform(process, command, this.nowMs()),
        newProcess: () => this.nextProcess++,
        endpoints: () => this.endpoints(),
        seed: this.config.seed,
      }
      loops.push(runDiscovery(workload.discovery, context, loadStartMs, endMs).then((report) => void (discovery = report)))
    }
    if (workload.rate !== undefined) loops.push(this.runOpenLoop(endMs, workload.rate))
    else for (let client = 0; client < workload.clients; client += 1) loops.push(this.runClosedLoop(endMs))
    const stopTimer = setTimeout(() => (this.stopping = true), Math.max(0, endMs - this.nowMs()))
    await Promise.all(loops)
    clearTimeout(stopTimer)
    const measuredEndMs = this.nowMs()
    this.measureUntilMs = measuredEndMs
    // Faults still to come are not part of this run: the lab calls them off before the final reads.
    this.report({ type: 'load-ended', t: measuredEndMs })
    if (this.config.finalReads) await this.readBackTouchedKeys()
    await this.closeHistory()
    return {
      ...this.counts,
      histogram: hdr.encodeIntoCompressedBase64(this.histogram),
      histogramsByFunction: Object.fromEntries([...this.histogramsByFunction].map(([f, histogram]) => [f, hdr.encodeIntoCompressedBase64(histogram)])),
      startMs,
      endMs: measuredEndMs,
      byFunction: this.byFunction,
      discovery,
    }
  }

  private endpoints(): NodeEndpoint[] {
    return this.connections.nodeIds.map((id) => this.connections.endpoint(id)!)
  }

  stop(): void {
    this.stopping = true
  }

  /** Progress since the last call, for the live view. */
  takeProgress(): WorkloadReport {
    const latencies = this.samples
    this.samples = []
    this.samplesSeen = 0
    return { type: 'progress', ...this.counts, inflight: this.inflight, latencies }
  }

  private async runClosedLoop(endMs: number): Promise<void> {
    let process = this.nextProcess++
    const client = `p${process}`
    while (!this.stopping && this.nowMs() < endMs) {
      const command = this.generator.next(process)
      const outcome = await this.perform(process, command, this.nowMs())
      // A process whose operation may still be in flight must not issue another: take a new one,
      // working for the same client (under home routing, at the same node).
      if (outcome.type === 'info') {
        this.homeClientOf.delete(process)
        process = this.nextProcess++
        this.homeClientOf.set(process, client)
      }
    }
  }

  private async runOpenLoop(endMs: number, ratePerSecond: number): Promise<void> {
    const running = new Set<Promise<void>>()
    let intendedMs = this.nowMs()
    const idleProcesses: number[] = []
    while (!this.stopping) {
      intendedMs += poissonGapMs(this.random, ratePerSecond)
      if (intendedMs >= endMs) break
      const waitMs = intendedMs - this.nowMs()
      if (waitMs > 1) await delay(waitMs)
      if (this.stopping) break
      if (running.size >= openLoopInflightMax) {
        this.counts.fail += 1
        continue
      }
      const process = idleProcesses.pop() ?? this.nextProcess++
      const command = this.generator.next(process)
      // The history gets the real send time (a process never overlaps itself); the latency counts
      // from the intended time, so a stall shows up in the numbers instead of hiding.
      const operation = this.perform(process, command, this.nowMs(), this.config.workload.timeoutMs, undefined, intendedMs).then((outcome) => {
        running.delete(operation)
        if (outcome.type !== 'info') idleProcesses.push(process)
      })
      running.add(operation)
    }
    await Promise.all(running)
  }

  private async runScript(startMs: number): Promise<void> {
    let process = this.nextProcess++
    const steps = this.config.workload.script
    for (let index = 0; index < steps.length; index += 1) {
      const step = steps[index]!
      const text = typeof step === 'string' ? step : step.cmd
      if (typeof step !== 'string' && step.at !== undefined) {
        const waitMs = startMs + step.at - this.nowMs()
        if (waitMs > 0) await delay(waitMs)
      }
      const parsed = parseScriptCommand(text)
      if (!parsed.ok) throw new Error(`script step ${index}: ${parsed.message}`)
      const outcome = await this.perform(process, parsed.command, this.nowMs(), this.config.workload.timeoutMs, typeof step === 'string' ? undefined : step.via)
      // An outcome-unknown step may still be in flight: the script goes on as a new process.
      if (outcome.type === 'info') process = this.nextProcess++
      this.report({
        type: 'script',
        index,
        command: describeCommand(parsed.command),
        outcome: outcome.type,
        value: outcome.type !== 'ok' ? undefined : parsed.command.op === 'range' ? outcome.entries : parsed.command.op === 'get' ? (outcome.value ?? null) : undefined,
        error: outcome.type === 'ok' ? undefined : outcome.error,
        t: this.nowMs(),
      })
    }
  }

  /**
   * Reads every written key once more, from one process, after every other operation ended: the
   * final state that acknowledged-writes-kept compares with. A read has no effect, so one that was
   * refused (a leader stepping down drops its reads) is tried again while the key's time lasts;
   * each try is an operation of the history.
   */
  private async readBackTouchedKeys(): Promise<void> {
    const keys = [...this.touchedKeys].slice(0, finalReadKeysMax)
    const process = this.nextProcess++
    const deadline = this.nowMs() + finalReadsMsMax
    for (const key of keys) {
      if (this.nowMs() > deadline) break
      const keyDeadline = Math.min(deadline, this.nowMs() + finalReadTimeoutMs)
      for (;;) {
        const outcome = await this.perform(process, { op: 'get', key }, this.nowMs(), Math.max(1, keyDeadline - this.nowMs()))
        if (outcome.type !== 'fail' || this.nowMs() + finalReadRetryMs >= keyDeadline) break
        await delay(finalReadRetryMs)
      }
    }
  }

  /**
   * Invokes one operation, records its outcome, and returns it. Lease operations are not register
   * operations: they run and count, but stay out of the history the linearizability checker reads.
   */
  async perform(
    process: number,
    command: Command,
    invokeMs: number,
    timeoutMs = this.config.workload.timeoutMs,
    via?: string,
    latencyFromMs = invokeMs,
  ): Promise<Outcome> {
    const f = historyFunction(command)
    const key = historyKey(command)
    if (f && command.op !== 'get' && command.op !== 'range') this.touchedKeys.add(key)
    if (f) this.record({ process, type: 'invoke', f, key, value: historyInputOf(command), time: this.nsAt(invokeMs) })
    this.inflight += 1
    const clientId = `p${process}`
    const seq = (this.seqByClient.get(clientId) ?? 0) + 1
    this.seqByClient.set(clientId, seq)
    const outcome = await this.driver.execute(clientId, seq, command, timeoutMs, via, this.homeClientOf.get(process))
    this.inflight -= 1
    const doneMs = this.nowMs()
    if (!f) {
      if (this.measured(invokeMs)) this.count(command.op, outcome.type)
      return outcome
    }
    const event: HistoryEvent = { process, type: outcome.type, f, key, time: this.nsAt(doneMs) }
    if (outcome.type === 'ok') {
      if (f === 'get') event.value = outcome.value ?? null
      else if (f === 'range') event.value = outcome.entries ?? []
      else event.value = historyInputOf(command)
      event.node = outcome.node
      if (outcome.index !== undefined) event.index = outcome.index
      if (outcome.group !== undefined) event.group = outcome.group
      if (outcome.seq !== undefined) event.seq = outcome.seq
    } else {
      event.value = historyInputOf(command)
      event.error = outcome.error
      if (outcome.node) event.node = outcome.node
    }
    this.record(event)
    if (this.measured(latencyFromMs)) {
      this.count(f, outcome.type)
      if (outcome.type === 'ok') this.sample(doneMs, doneMs - latencyFromMs, f, process)
    }
    return outcome
  }

  private measured(invokeMs: number): boolean {
    return invokeMs >= this.measureFromMs && invokeMs < this.measureUntilMs
  }

  private sample(t: number, ms: number, f: string, process: number): void {
    const us = Math.max(1, Math.round(ms * 1000))
    this.histogram.recordValue(us)
    let byFunction = this.histogramsByFunction.get(f)
    if (!byFunction) this.histogramsByFunction.set(f, (byFunction = newHistogram()))
    byFunction.recordValue(us)
    // Reservoir sampling keeps the live view's sample unbiased and bounded.
    this.samplesSeen += 1
    if (this.samples.length < latencySamplesPerReportMax) this.samples.push({ t, ms, f, p: process })
    else {
      const slot = Math.floor(this.random() * this.samplesSeen)
      if (slot < latencySamplesPerReportMax) this.samples[slot] = { t, ms, f, p: process }
    }
  }

  private count(f: string, type: Outcome['type']): void {
    this.counts[type] += 1
    const perFunction = (this.byFunction[f] ??= { ok: 0, fail: 0, info: 0 })
    perFunction[type] += 1
  }

  private nsAt(ms: number): number {
    return Math.round(ms * 1e6)
  }

  private record(event: HistoryEvent): void {
    this.historyBuffer.push(JSON.stringify(event))
    if (this.historyBuffer.length >= 1024) this.flushHistory()
  }

  flushHistory(): void {
    if (this.historyBuffer.length === 0) return
    this.history.write(this.historyBuffer.join('\n') + '\n')
    this.historyBuffer = []
  }

  private closeHistory(): Promise<void> {
    this.flushHistory()
    return new Promise((resolve, reject) => this.history.end((error?: Error | null) => (error ? reject(error) : resolve())))
  }
}

function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 })
}

/**
 * The register operation a command is in the history, or undefined for lease operations and for
 * puts of leased keys: those keys also vanish when the leader ends a lease, which no client
 * operation in the history would explain.
 */
function historyFunction(command: Command): HistoryFunction | undefined {
  switch (command.op) {
    case 'put':
      return command.lease === undefined ? 'put' : undefined
    case 'get':
    case 'delete':
    case 'cas':
    case 'range':
      return command.op
    case 'noop':
      throw new Error('clients never send noop')
    default:
      return undefined
  }
}

function historyKey(command: Command): string {
  if (command.op === 'range') return command.prefix
  return 'key' in command ? command.key : ''
}


function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
