/**
 * Entry point of a replica process: `node out/node/replica.js --config '<json>'` (from the
 * orchestrator, which then sends the run's secret as the first control message) or with flags and
 * `--secret-file` by hand. Exits when its control channel closes, so a killed orchestrator leaves no
 * replica behind.
 */
import { parseReplicaArgs, readSecretFile, replicaSecretSchema, type ReplicaConfig } from './config.js'
import { ReplicaHost } from './host.js'
import { adapterFor } from './adapters.js'
import { WalCorruptError } from './wal.js'
import { eventBatchMs, eventBufferMax, finalSampleKeysMax, replicaExitCodes, type ControlReport, type ControlRequest, type ReplicaStatus } from './control.js'
import type { TraceEvent } from '../api/trace.js'

function main(): void {
  const parsed = parseReplicaArgs(process.argv.slice(2))
  if (!parsed.ok) return usageError(parsed.message)
  const launch = parsed.config
  if (typeof process.send !== 'function') {
    if (parsed.secretFile === undefined) return usageError('a replica started by hand needs --secret-file FILE (the same file for every member)')
    const secret = readSecretFile(parsed.secretFile)
    if (!secret.ok) return usageError(secret.message)
    return run({ ...launch, secret: secret.secret }, false)
  }
  // Nothing starts (no WAL, no port) before the orchestrator sends the run's secret.
  process.on('disconnect', () => process.exit(0))
  const awaitSecret = (request: ControlRequest) => {
    process.off('message', awaitSecret)
    const secret = request.type === 'secret' ? replicaSecretSchema.safeParse(request.secret) : undefined
    if (!secret?.success) return usageError(`replica ${launch.id}: the first control message must be the run's secret, got ${request.type === 'secret' ? 'an invalid one' : request.type}`)
    run({ ...launch, secret: secret.data }, true)
  }
  process.on('message', awaitSecret)
}

function usageError(message: string): void {
  process.stderr.write(`${message}\n`)
  process.exit(replicaExitCodes.usage)
}

function run(config: ReplicaConfig, controlled: boolean): void {
  const report = (message: ControlReport) => {
    if (controlled && process.connected) process.send!(message)
  }
  process.on('uncaughtException', (error) => {
    // An assertion inside the core means a broken invariant: stop loudly, with the reason on record.
    report({ type: 'fatal', node: config.id, message: error.stack ?? String(error) })
    process.stderr.write(`replica ${config.id} stopped: ${error.stack ?? error}\n`)
    process.exit(replicaExitCodes.brokenInvariant)
  })
  const host = createHost(config, controlled, report)
  if (host) serve(host, config, controlled, report)
}

type Report = (message: ControlReport) => void
type AnyHost = ReplicaHost<{ type: string }, unknown>

/** Trace events waiting for the next batch to the orchestrator (at most eventBufferMax; the rest are counted). */
class EventBuffer {
  events: TraceEvent[] = []
  overflowed = 0

  push(event: TraceEvent): void {
    if (this.events.length >= eventBufferMax) this.overflowed += 1
    else this.events.push(event)
  }

  take(now: number, node: string): TraceEvent[] {
    if (this.overflowed > 0) {
      this.events.push({ t: now, node, kind: 'note', text: `${this.overflowed} trace events dropped (buffer full)` })
      this.overflowed = 0
    }
    const events = this.events
    this.events = []
    return events
  }
}

const buffer = new EventBuffer()

/** Opens the WAL and builds the core; a damaged WAL ends the process here, saying which file and byte. */
function createHost(config: ReplicaConfig, controlled: boolean, report: Report): AnyHost | undefined {
  try {
    return new ReplicaHost(config, adapterFor(config), {
      emit: (event) => (controlled ? buffer.push(event) : logStandalone(config, event)),
    }) as AnyHost
  } catch (error) {
    if (!(error instanceof WalCorruptError)) throw error
    const message = `replica ${config.id} cannot start: ${error.message}`
    process.stderr.write(`${message}\n`)
    if (!controlled || !process.connected) process.exit(replicaExitCodes.corruptLog)
    // Nothing else runs yet: wait until the report is written to the channel, so the orchestrator has it.
    process.send!({ type: 'fatal', node: config.id, message } satisfies ControlReport, undefined, {}, () => process.exit(replicaExitCodes.corruptLog))
    return undefined
  }
}

function serve(host: AnyHost, config: ReplicaConfig, controlled: boolean, report: Report): void {
  const shipEvents = () => {
    host.writeProfile()
    report({ type: 'events', node: config.id, events: buffer.take(host.now(), config.id), status: statusWithCpu(host) })
  }
  host.start().then(
    ({ peerPort, clientPort }) => {
      report({
        type: 'listening',
        node: config.id,
        peerPort,
        clientPort,
        recoveredRecords: host.recoveredRecords,
        truncatedBytes: host.truncatedBytes,
        pid: process.pid,
      })
      if (!controlled) {
        host.startClock()
        process.stderr.write(`replica ${config.id}: peers on ${peerPort}, clients on ${clientPort}\n`)
      }
      if (controlled) setInterval(shipEvents, eventBatchMs)
    },
    (error: Error) => {
      report({ type: 'fatal', node: config.id, message: `cannot listen: ${error.message}` })
      process.stderr.write(`replica ${config.id}: cannot listen: ${error.message}\n`)
      process.exit(replicaExitCodes.cannotListen)
    },
  )

  if (controlled) {
    // A report racing the orchestrator's exit fails with EPIPE; the disconnect above ends us anyway.
    process.on('error', () => undefined)
    process.on('message', (request: ControlRequest) => {
      switch (request.type) {
        case 'connect':
          return void host.connectPeers(request.peers).then(() => report({ type: 'connected', node: config.id }))
        case 'peers':
          return host.setPeers(request.peers)
        case 'link-rules':
          return host.setLinkRules(request.rules)
        case 'slow-disk':
          return host.setSlowDisk(request.ms, request.jitterMs ?? 0)
        case 'byzantine':
          if (!host.setByzantine(request.behaviour)) host.trace({ kind: 'note', text: `${config.protocol} has no Byzantine behaviours` })
          return
        case 'reconfigure':
          if (!host.reconfigure(request.change)) host.trace({ kind: 'note', text: `${config.protocol} has no membership changes` })
          return
        case 'transfer-leader':
          if (!host.transferLeadership(request.target)) host.trace({ kind: 'note', text: `${config.protocol} has no leadership transfer` })
          return
        case 'remove-peer':
          return host.removePeer(request.node)
        case 'clock-rate':
          return host.setClockRate(request.factor)
        case 'campaign':
          if (!host.campaign()) host.trace({ kind: 'note', text: `${config.protocol} has no elections to start` })
          return
        case 'final-state':
          shipEvents()
          return report({
            type: 'final-state',
            state: {
              node: config.id,
              appliedIndex: host.kv.appliedIndex,
              hash: host.kv.applyHash,
              kvDigest: host.kv.digest(),
              keys: host.kv.size,
              sample: host.kv.sample(finalSampleKeysMax),
              groups:
                host.allStores.length > 1
                  ? host.allStores.map((store, group) => ({ group, appliedIndex: store.appliedIndex, hash: store.applyHash, kvDigest: store.digest(), keys: store.size }))
                  : undefined,
              status: statusWithCpu(host),
              messages: host.messageStats(),
            },
          })
        case 'secret':
          return host.trace({ kind: 'note', text: 'ignored a second secret on the control channel' })
        case 'shutdown':
          shipEvents()
          host.stop()
          return process.exit(0)
        default:
          return undefined
      }
    })
  }
  process.on('SIGTERM', () => {
    host.stop()
    process.exit(0)
  })
}

/** The status with this process's CPU time so far: the lab divides it by the operations of a run's measured window. */
function statusWithCpu(host: AnyHost): ReplicaStatus {
  const { user, system } = process.cpuUsage()
  return { ...host.status(), cpuMs: (user + system) / 1000 }
}

function logStandalone(config: ReplicaConfig, event: TraceEvent): void {
  if (event.kind === 'role' || event.kind === 'frame-error' || event.kind === 'note') {
    process.stderr.write(`${event.t.toFixed(1)}ms ${config.id} ${JSON.stringify(event)}\n`)
  }
}

main()
