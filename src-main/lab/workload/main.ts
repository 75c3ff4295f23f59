/**
 * Entry point of the workload process, forked by the orchestrator. It waits for `start`,
 * runs the workload, streams progress, writes history.ndjson, reports `done` and exits.
 * It exits too when its control channel closes (the orchestrator is gone).
 */
import { ClusterConnections } from './connections.js'
import { LeaderClient, type ClientDriver } from './client.js'
import { PbftClient } from './pbft-client.js'
import { descriptorOf } from '../../protocols/registry.js'
import { assertNever, type Command } from '../../protocols/types.js'

function commandKey(command: Command): string {
  if (command.op === 'range') return command.prefix
  return 'key' in command ? command.key : ''
}
import { WorkloadEngine } from './engine.js'
import { progressReportMs, type WorkloadConfig, type WorkloadReport, type WorkloadRequest } from './protocol.js'

function report(message: WorkloadReport): void {
  if (process.connected) process.send!(message)
}

async function driverFor(config: WorkloadConfig, connections: ClusterConnections): Promise<ClientDriver & { close?: () => void }> {
  if (config.etcdEndpoint !== undefined) {
    // Only the bench's reference runs need etcd's client (and gRPC): loaded for them alone.
    const { EtcdDriver } = await import('./etcd-driver.js')
    return EtcdDriver.connect(config.etcdEndpoint)
  }
  const protocol = descriptorOf(config.protocol)
  const { clients } = protocol
  switch (clients.kind) {
    case 'leader': {
      // MultiRaft: each group has a leader of its own, found by hints.
      const sharding = protocol.host.sharding?.(config.settings)
      const local = protocol.reads.routeOf(config.settings) === 'local'
      return new LeaderClient(connections, config.workload.routing, local, (command) => sharding?.groupOf(commandKey(command)) ?? 0)
    }
    case 'quorum':
      // f + 1 matching replies: at least one of them is honest.
      return new PbftClient(
        connections,
        clients.replyQuorum(config.settings, []) - 1,
        Math.max(50, config.workload.timeoutMs / 4),
        clients.readOnly !== undefined && protocol.reads.routeOf(config.settings) === 'core',
      )
    default:
      return assertNever(clients, 'client style')
  }
}

let engine: WorkloadEngine | undefined

process.on('disconnect', () => process.exit(0))
// A report racing the orchestrator's exit fails with EPIPE; the disconnect above ends us anyway.
process.on('error', () => undefined)
process.on('message', (request: WorkloadRequest) => {
  switch (request.type) {
    case 'start':
      return void start(request.config)
    case 'endpoints':
      return engine?.connections.setEndpoints(request.nodes)
    case 'stop':
      return engine?.stop()
  }
})

async function start(config: WorkloadConfig): Promise<void> {
  try {
    const connections = new ClusterConnections(config.nodes)
    const driver = await driverFor(config, connections)
    engine = new WorkloadEngine(config, connections, driver, report)
    const progress = setInterval(() => {
      engine!.flushHistory()
      report(engine!.takeProgress())
    }, progressReportMs)
    const stats = await engine.run()
    clearInterval(progress)
    report(engine.takeProgress())
    connections.close()
    driver.close?.()
    report({ type: 'done', stats })
    process.disconnect()
  } catch (error) {
    report({ type: 'fatal', message: (error as Error).stack ?? String(error) })
    process.exit(1)
  }
}
