/**
 * Entry point of a replica process: `node out/node/replica.js --config '<json>'` (from the
 * orchestrator) or with flags by hand. Exits when its control channel closes, so a killed
 * orchestrator leaves no replica behind.
 */
import { parseReplicaArgs, type ReplicaConfig } from './config.js'
import { ReplicaHost } from './host.js'
import { adapterFor } from './adapters.js'
import { eventBatchMs, eventBufferMax, finalSampleKeysMax, type ControlReport, type ControlRequest } from './control.js'
import type { TraceEvent } from '../api/trace.js'

function main(): void {
  const parsed = parseReplicaArgs(process.argv.slice(2))
  if (!parsed.ok) {
    process.stderr.write(`${parsed.message}\n`)
    process.exit(2)
  }
  const config = parsed.config
  const controlled = typeof process.send === 'function'
  const report = (message: ControlReport) => {
    if (controlled && process.connected) process.send!(message)
  }
  let buffered: TraceEvent[] = []
  let eventsOverflowed = 0
  const host = new ReplicaHost(config, adapterFor(config.protocol, config.groups), {
    emit(event) {
      if (!controlled) return logStandalone(config, event)
      if (buffered.length >= eventBufferMax) {
        eventsOverflowed += 1
        return
      }
      buffered.push(event)
    },
  })
  const shipEvents = () => {
    if (eventsOverflowed > 0) {
      buffered.push({ t: host.now(), node: config.id, kind: 'note', text: `${eventsOverflowed} trace events dropped (buffer full)` })
      eventsOverflowed = 0
    }
    const events = buffered
    buffered = []
    report({ type: 'events', node: config.id, events, status: host.status() })
  }

  process.on('uncaughtException', (error) => {
    // An assertion inside the core means a broken invariant: stop loudly, with the reason on record.
    report({ type: 'fatal', node: config.id, message: error.stack ?? String(error) })
    process.stderr.write(`replica ${config.id} stopped: ${error.stack ?? error}\n`)
    process.exit(70)
  })

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
      process.exit(1)
    },
  )

  if (controlled) {
    process.on('disconnect', () => process.exit(0))
    // A report racing the orchestrator's exit fails with EPIPE; the disconnect above ends us anyway.
    process.on('error', () => undefined)
    process.on('message', (request: ControlRequest) => {
      switch (request.type) {
        case 'peers':
          return host.setPeers(request.peers)
        case 'link-rules':
          return host.setLinkRules(request.rules)
        case 'slow-disk':
          return host.setSlowDisk(request.ms)
        case 'byzantine':
          if (!host.setByzantine(request.behaviour)) host.trace({ kind: 'note', text: `${config.protocol} has no Byzantine behaviours` })
          return
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
              status: host.status(),
              messages: host.messageStats(),
            },
          })
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

function logStandalone(config: ReplicaConfig, event: TraceEvent): void {
  if (event.kind === 'role' || event.kind === 'frame-error' || event.kind === 'note') {
    process.stderr.write(`${event.t.toFixed(1)}ms ${config.id} ${JSON.stringify(event)}\n`)
  }
}

main()
