/**
 * A cluster of replica processes on 127.0.0.1: spawn, control channel, crash (SIGKILL), pause
 * (SIGSTOP), resume (SIGCONT), restart from the data directory, link rules, and a shutdown that
 * leaves no process or port behind. Knows nothing of experiments or workloads.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { ReplicaLaunchInput } from '../replica/config.js'
import type { MembershipChange, NodeSettings } from '../protocols/descriptor.js'
import type { ControlReport, ControlRequest, FinalState, ReplicaStatus } from '../replica/control.js'
import type { LinkRules, PeerAddress } from '../replica/transport.js'
import type { TraceEvent } from '../api/trace.js'
import { childProcessEnv, nodeBundle } from './paths.js'
import { Guardian } from './guardian-client.js'
import { assertNever } from '../protocols/types.js'
import { errorLine, firstLine, logSize, readLogFrom } from './exit-reason.js'

export const replicaStartTimeoutMs = 10_000
/** Longest wait for the replicas to connect to each other at start (each gives up on a silent peer sooner). */
const connectWaitMs = 5000
const shutdownGraceMs = 2000
/**
 * After a replica's exit, how long the lab waits for its control channel to close (every message it
 * sent read) before it decides why the replica ended anyway: a channel held open by something else
 * must not hold the run up.
 */
const channelDrainWaitMs = 2000

export type ProcessState = 'starting' | 'up' | 'crashed' | 'paused' | 'exited'

export interface ReplicaHandle {
  id: string
  state: ProcessState
  pid?: number
  peerPort: number
  clientPort: number
  status?: ReplicaStatus
  child?: ChildProcess
  exitCode?: number | null
  fatal?: string
  /** How the lab asked this process to end, if it did: any other exit is one of its own. */
  stopRequest?: StopRequest
  /** Where this process's output starts in logs/<id>.log (the file keeps every restart's). */
  logOffset?: number
  /** Processes started for this replica so far (the next one's incarnation: its message ids). */
  started: number
  /** Resolves once the current process has ended and its end has been judged (see spawn). */
  ended?: Promise<void>
}

/** `kill`: the lab sent SIGKILL (a crash fault, a paused replica at shutdown, a shutdown that hung). */
type StopRequest = 'kill' | 'shutdown'

/** A start (a restart) that the cluster's shutdown ended: not a failure of the replica, nor of the start. */
export class StartCancelledError extends Error {
  override name = 'StartCancelledError'
}

/** A replica process that ended without the lab asking: an error, an assertion, OOM, an outside kill. */
export interface ReplicaExit {
  node: string
  /** ms since the run's epoch. */
  t: number
  code: number | null
  signal: NodeJS.Signals | null
  /** One line: the error's first line and how the process ended. */
  reason: string
}

export interface ClusterListener {
  onEvents(node: string, events: TraceEvent[], status: ReplicaStatus): void
  /** Process lifecycle, for the trace (stamped by the cluster on the run's clock). */
  onProcessEvent(event: TraceEvent): void
  /** A replica ended on its own; it is also in the trace as a process event in state `exited`. */
  onReplicaExit?(exit: ReplicaExit): void
}

/** What the cluster starts its replicas from: each node's settings (api/experiment.ts resolveNode) and what every replica traces. */
export interface ClusterLaunch {
  nodes: readonly NodeSettings[]
  traceMessages: boolean
  traceLog: boolean
  watchHistoryMax: number
}

export class Cluster {
  readonly replicas = new Map<string, ReplicaHandle>()
  private readonly guardian = Guardian.shared()
  private finalStateWaiters = new Map<string, (state: FinalState) => void>()
  private readonly connectedWaiters = new Map<string, () => void>()
  private closed = false
  /**
   * The run's secret: keys the replicas' peer handshake and PBFT's MACs. Drawn per cluster (per run)
   * and sent over each replica's control channel, never put on a command line or in an environment.
   */
  private readonly secret = randomBytes(32).toString('base64')
  /** Every node's settings: the launch's, plus nodes added to the running cluster (addNode). */
  private readonly nodeSettings: NodeSettings[]
  /** Nodes added to the running cluster: they start from the voters they were added to, which do not list them. */
  private readonly joined = new Set<string>()
  /** Nodes removed from the cluster (removeNode): stopped for good, in no peer list, never restarted. */
  private readonly removed = new Set<string>()

  constructor(
    private readonly launch: ClusterLaunch,
    private readonly runDir: string,
    private readonly epochNs: bigint,
    private readonly listener: ClusterListener,
  ) {
    this.nodeSettings = [...launch.nodes]
    for (const { id } of launch.nodes) this.replicas.set(id, { id, state: 'starting', peerPort: 0, clientPort: 0, started: 0 })
    fs.mkdirSync(path.join(runDir, 'logs'), { recursive: true })
  }

  now(): number {
    return Number(process.hrtime.bigint() - this.epochNs) / 1e6
  }

  get nodeIds(): string[] {
    return [...this.replicas.keys()]
  }

  /**
   * Spawns every replica and waits until each listens; `beforeClocks` runs before the peer list goes
   * out (link rules set there are in force before any protocol timer runs).
   */
  async start(beforeClocks?: () => void): Promise<void> {
    await Promise.all(this.nodeIds.map((id) => this.spawn(id)))
    await this.connectAll()
    beforeClocks?.()
    this.broadcastPeers()
  }

  /**
   * Has every replica connect to its peers (handshakes included) before any protocol clock runs, so
   * the first election does not race connection setup. A replica that does not report within
   * connectWaitMs (it died, it is stuck) holds nothing up: the exit handler tells its story.
   */
  private async connectAll(): Promise<void> {
    const peers = this.peerAddresses()
    await Promise.all(
      this.nodeIds.map(
        (id) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(done, connectWaitMs)
            function done() {
              clearTimeout(timer)
              resolve()
            }
            this.connectedWaiters.set(id, done)
            this.send(id, { type: 'connect', peers })
          }),
      ),
    )
    this.connectedWaiters.clear()
  }

  clientEndpoints(): { id: string; host: string; port: number }[] {
    return [...this.replicas.values()].filter((replica) => !this.removed.has(replica.id)).map((replica) => ({ id: replica.id, host: '127.0.0.1', port: replica.clientPort }))
  }

  /** Whether `id` was removed from the cluster (removeNode). */
  isRemoved(id: string): boolean {
    return this.removed.has(id)
  }

  /**
   * Starts a node that joins the running cluster (Raft membership changes): a fresh data directory
   * and new ports; it learns every running replica's address and they learn its. Its settings'
   * `members` are the voters it starts from (they do not list it): it is nobody's voter until the
   * leader adds it as a learner (reconfigure), and it gets the log or a snapshot from the leader.
   */
  async addNode(settings: NodeSettings): Promise<void> {
    const { id } = settings
    if (this.closed) throw new Error(`cannot add ${id}: the cluster is shut down`)
    if (this.replicas.has(id)) throw new Error(`cannot add ${id}: the cluster already has a node ${id}`)
    if (settings.members.includes(id)) throw new Error(`cannot add ${id}: the members it starts from must not list it`)
    fs.rmSync(path.join(this.runDir, 'nodes', id), { recursive: true, force: true })
    this.nodeSettings.push(settings)
    this.joined.add(id)
    this.replicas.set(id, { id, state: 'starting', peerPort: 0, clientPort: 0, started: 0 })
    await this.spawn(id)
    // Everyone learns the newcomer's address; the newcomer's clock starts with it.
    this.broadcastPeers()
  }

  /** Asks `id` to propose a single-server configuration change (only the leader appends it). */
  reconfigure(id: string, change: MembershipChange): void {
    this.send(id, { type: 'reconfigure', change })
  }

  /** Asks `id`, if it leads, to hand leadership to `target` (Raft §3.10; others ignore it, with a note). */
  transferLeader(id: string, target: string): void {
    this.send(id, { type: 'transfer-leader', target })
  }

  /**
   * Takes a node out of the cluster for good, once its removal committed: every other replica stops
   * dialling it and refuses it, and its process is stopped (asked to shut down; killed if it hangs).
   */
  async removeNode(id: string): Promise<void> {
    const replica = this.handle(id)
    if (this.removed.has(id)) return
    this.removed.add(id)
    for (const other of this.replicas.values()) if (other.id !== id) this.send(other.id, { type: 'remove-peer', node: id })
    const child = replica.child
    const exited = this.waitForExit(replica)
    if (child && child.exitCode === null && child.signalCode === null) {
      if (replica.state === 'paused' || replica.state === 'starting') this.kill(replica)
      else {
        replica.stopRequest = 'shutdown'
        this.send(id, { type: 'shutdown' })
      }
      const timer = setTimeout(() => this.kill(replica), shutdownGraceMs)
      await exited
      clearTimeout(timer)
    }
    replica.state = 'exited'
    // Stopped by the experiment (a membership change), not an exit on its own.
    this.processEvent(id, 'removed', 'removed from the cluster')
  }

  async crash(id: string): Promise<void> {
    const replica = this.handle(id)
    if (replica.state === 'crashed' || replica.state === 'exited') return
    const exited = this.waitForExit(replica)
    replica.state = 'crashed'
    replica.stopRequest = 'kill'
    replica.child?.kill('SIGKILL')
    await exited
    this.processEvent(id, 'crashed', 'SIGKILL')
  }

  async restart(id: string): Promise<void> {
    const replica = this.handle(id)
    if (this.removed.has(id)) throw new Error(`cannot restart ${id}: it was removed from the cluster`)
    if (replica.state === 'up' || replica.state === 'starting') return
    if (replica.state === 'paused') {
      this.resume(id)
      return
    }
    await this.spawn(id)
    // The peer list also starts the restarted replica's clock; unchanged peers ignore it.
    this.broadcastPeers()
  }

  pause(id: string): void {
    const replica = this.handle(id)
    if (replica.state !== 'up') return
    replica.child?.kill('SIGSTOP')
    replica.state = 'paused'
    this.processEvent(id, 'paused', 'SIGSTOP')
  }

  resume(id: string): void {
    const replica = this.handle(id)
    if (replica.state !== 'paused') return
    replica.child?.kill('SIGCONT')
    replica.state = 'up'
    this.processEvent(id, 'resumed', 'SIGCONT')
  }

  setLinkRules(id: string, rules: LinkRules): void {
    this.send(id, { type: 'link-rules', rules })
  }

  setClockRate(id: string, factor: number): void {
    this.send(id, { type: 'clock-rate', factor })
  }

  setByzantine(id: string, behaviour: unknown): void {
    this.send(id, { type: 'byzantine', behaviour })
  }

  campaign(id: string): void {
    this.send(id, { type: 'campaign' })
  }

  setSlowDisk(id: string, ms: number, jitterMs = 0): void {
    this.send(id, { type: 'slow-disk', ms, jitterMs })
  }

  /** Asks every running replica for its applied index, hash chain and state digest. */
  async finalStates(timeoutMs = 2000): Promise<FinalState[]> {
    const running = [...this.replicas.values()].filter((replica) => replica.state === 'up')
    const states = await Promise.all(
      running.map(
        (replica) =>
          new Promise<FinalState | undefined>((resolve) => {
            const timer = setTimeout(() => resolve(undefined), timeoutMs)
            this.finalStateWaiters.set(replica.id, (state) => {
              clearTimeout(timer)
              resolve(state)
            })
            this.send(replica.id, { type: 'final-state' })
          }),
      ),
    )
    return states.filter((state): state is FinalState => state !== undefined)
  }

  async shutdown(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await Promise.all(
      [...this.replicas.values()].map(async (replica) => {
        const child = replica.child
        const exited = this.waitForExit(replica)
        // Already gone: its end is still being judged until its channel is drained.
        if (!child || child.exitCode !== null || child.signalCode !== null) return exited
        // A paused replica cannot hear the request; a starting one (replaying its WAL) has nothing
        // to finish that a crash would not leave as well: its start is cancelled, not waited for.
        if (replica.state === 'paused' || replica.state === 'starting') this.kill(replica)
        else {
          replica.stopRequest = 'shutdown'
          this.send(replica.id, { type: 'shutdown' })
        }
        const timer = setTimeout(() => this.kill(replica), shutdownGraceMs)
        await exited
        clearTimeout(timer)
      }),
    )
  }

  private kill(replica: ReplicaHandle): void {
    replica.stopRequest = 'kill'
    replica.child?.kill('SIGKILL')
  }

  private handle(id: string): ReplicaHandle {
    const replica = this.replicas.get(id)
    if (!replica) throw new Error(`unknown node ${id}`)
    return replica
  }

  private send(id: string, request: ControlRequest, child = this.replicas.get(id)?.child): void {
    if (child?.connected) child.send(request)
  }

  private peerAddresses(): PeerAddress[] {
    return [...this.replicas.values()].filter((replica) => !this.removed.has(replica.id)).map((replica) => ({ id: replica.id, host: '127.0.0.1', port: replica.peerPort }))
  }

  private broadcastPeers(): void {
    const peers = this.peerAddresses()
    for (const id of this.nodeIds) if (!this.removed.has(id)) this.send(id, { type: 'peers', peers })
  }

  private spawn(id: string, retryOnPortTaken = true): Promise<void> {
    const replica = this.handle(id)
    const peers = [...this.replicas.values()]
      .filter((other) => other.id !== id && other.peerPort > 0 && !this.removed.has(other.id))
      .map((other) => ({ id: other.id, host: '127.0.0.1', port: other.peerPort }))
    const { traceMessages, traceLog, watchHistoryMax } = this.launch
    const traced = { traceMessages, traceLog, watchHistoryMax }
    const node = this.nodeSettings.find((settings) => settings.id === id)!
    const config: ReplicaLaunchInput = {
      ...node,
      ...traced,
      protocol: node.protocol as ReplicaLaunchInput['protocol'],
      settings: node.settings as Record<string, unknown>,
      id,
      dataDir: path.join(this.runDir, 'nodes', id),
      peerPort: replica.peerPort,
      clientPort: replica.clientPort,
      peers,
      epochNs: this.epochNs.toString(),
      incarnation: replica.started,
      joining: this.joined.has(id),
    }
    replica.started += 1
    const log = fs.openSync(path.join(this.runDir, 'logs', `${id}.log`), 'a')
    const logOffset = logSize(log)
    const child = fork(nodeBundle('replica'), ['--config', JSON.stringify(config)], {
      env: childProcessEnv(),
      // For profiling a replica, e.g. CONSENSUS_LAB_REPLICA_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
      execArgv: (process.env.CONSENSUS_LAB_REPLICA_NODE_ARGS ?? '').split(' ').filter(Boolean),
      stdio: ['ignore', log, log, 'ipc'],
      serialization: 'advanced',
    })
    fs.closeSync(log)
    // A control message can race a replica's death (EPIPE): the exit handler tells that story; the
    // error must not take the orchestrator down with it.
    child.on('error', () => undefined)
    // The replica waits for this before it opens its WAL or any port.
    this.send(id, { type: 'secret', secret: this.secret }, child)
    replica.child = child
    replica.state = 'starting'
    replica.pid = child.pid
    replica.fatal = undefined
    replica.stopRequest = undefined
    replica.logOffset = logOffset
    let markEnded = () => undefined as void
    replica.ended = new Promise<void>((resolve) => (markEnded = resolve))
    if (child.pid) this.guardian.watch(child.pid)
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`replica ${id} did not start within ${replicaStartTimeoutMs} ms`)), replicaStartTimeoutMs)
      child.on('message', (report: ControlReport) => {
        if (report.type === 'listening') {
          clearTimeout(timer)
          replica.peerPort = report.peerPort
          replica.clientPort = report.clientPort
          replica.state = 'up'
          const recovered = report.recoveredRecords > 0 ? `recovered ${report.recoveredRecords} WAL records` : 'fresh'
          this.processEvent(id, 'up', `pid ${report.pid}, ${recovered}${report.truncatedBytes ? `, cut ${report.truncatedBytes} torn bytes` : ''}`)
          resolve()
        } else this.onReport(replica, report)
      })
      // 'exit' can come before the last messages on the control channel are read (Node promises no
      // order): the reason is decided on 'close', once the channel is drained, so a `fatal` sent
      // just before the exit is never lost. A channel that stays open is given up on after a bound.
      let drainTimer: NodeJS.Timeout | undefined
      child.on('exit', (code, signal) => {
        drainTimer = setTimeout(() => ended(code, signal), channelDrainWaitMs)
      })
      child.on('close', (code, signal) => ended(code, signal))
      let endedOnce = false
      const ended = (code: number | null, signal: NodeJS.Signals | null) => {
        if (endedOnce) return
        endedOnce = true
        clearTimeout(drainTimer)
        clearTimeout(timer)
        if (child.pid) this.guardian.forget(child.pid)
        replica.exitCode = code
        markEnded()
        if (replica.child !== child) return
        const wasStarting = replica.state === 'starting'
        if (replica.state !== 'crashed') replica.state = 'exited'
        // A port taken between our pick and the replica's bind is the machine's race, not the replica's failure.
        const retry = wasStarting && (replica.fatal ?? '').includes('EADDRINUSE') && retryOnPortTaken && !this.closed
        const reason = exitedAsAsked(replica, code, signal) || retry ? undefined : this.exitReason(replica, code, signal)
        if (reason !== undefined) this.recordExit({ node: id, t: this.now(), code, signal, reason })
        if (!wasStarting) return
        if (retry) {
          replica.peerPort = 0
          replica.clientPort = 0
          this.spawn(id, false).then(resolve, reject)
        } else if (reason === undefined && this.closed) reject(new StartCancelledError(`replica ${id} was still starting when the cluster shut down`))
        else reject(new Error(`replica ${id} exited during start: ${reason ?? `exit code ${code ?? signal}`}`))
      }
    })
  }

  private onReport(replica: ReplicaHandle, report: ControlReport): void {
    switch (report.type) {
      case 'events':
        replica.status = report.status
        this.listener.onEvents(replica.id, report.events, report.status)
        return
      case 'final-state': {
        const waiter = this.finalStateWaiters.get(replica.id)
        this.finalStateWaiters.delete(replica.id)
        waiter?.(report.state)
        return
      }
      case 'fatal':
        replica.fatal = report.message
        return
      case 'connected':
        this.connectedWaiters.get(replica.id)?.()
        return
      case 'listening':
        return
    }
  }

  private recordExit(exit: ReplicaExit): void {
    this.listener.onProcessEvent({ t: exit.t, node: exit.node, kind: 'process', state: 'exited', detail: exit.reason })
    this.listener.onReplicaExit?.(exit)
  }

  /**
   * Why a replica died, in one line: the fatal error it reported, else the error it printed (its
   * log since this start), else how it ended. A SIGKILL the lab did not send is the kernel's OOM
   * killer or someone else's kill.
   */
  private exitReason(replica: ReplicaHandle, code: number | null, signal: NodeJS.Signals | null): string {
    const how = signal !== null ? `killed by ${signal}` : `exit code ${code}`
    const log = readLogFrom(path.join(this.runDir, 'logs', `${replica.id}.log`), replica.logOffset ?? 0)
    const error = firstLine(replica.fatal) ?? errorLine(log, `replica ${replica.id} stopped: `)
    if (error !== undefined) return `${error} (${how})`
    if (signal === 'SIGKILL') return 'killed by SIGKILL, not by the lab (out of memory, or another process)'
    return how
  }

  /** Resolves once the replica's current process has ended and its exit has been judged. */
  private waitForExit(replica: ReplicaHandle): Promise<void> {
    return replica.ended ?? Promise.resolve()
  }

  private processEvent(node: string, state: 'up' | 'crashed' | 'paused' | 'resumed' | 'exited' | 'removed', detail: string): void {
    this.listener.onProcessEvent({ t: this.now(), node, kind: 'process', state, detail })
  }
}

/** An exit the lab asked for: our SIGKILL, or a clean exit after our shutdown request. A replica that reported a fatal error died of it. */
function exitedAsAsked(replica: ReplicaHandle, code: number | null, signal: NodeJS.Signals | null): boolean {
  if (replica.fatal !== undefined) return false
  switch (replica.stopRequest) {
    case 'kill':
      return signal === 'SIGKILL'
    case 'shutdown':
      return code === 0
    case undefined:
      return false
    default:
      return assertNever(replica.stopRequest, 'stop request')
  }
}
