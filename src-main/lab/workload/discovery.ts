/**
 * Scenario 11, service discovery etcd style, on the lab's own replicated store. Instances register
 * under /services/<name>/<id> with a lease and keep it alive; watchers follow the prefix from
 * revision 1, resuming from their last revision + 1 on another node whenever their connection drops
 * (a crashed leader, say). At the end each watcher's stream is checked for gaps and repeats against
 * a reference (a fresh watch that replays the prefix's whole history from one replica), and the keys
 * of instances that died are checked to have vanished about one TTL after their last keep-alive.
 */
import net from 'node:net'
import { encodeFrame, FrameDecoder } from '../../replica/framing.js'
import type { ClientResponse } from '../../replica/client-server.js'
import type { ChangeEvent } from '../../kv/store.js'
import type { Experiment } from '../../api/experiment.js'
import type { DiscoveryReport, InstanceReport, WatcherReport } from '../../api/summary.js'
import type { Outcome } from './client.js'
import type { NodeEndpoint } from './protocol.js'

export type DiscoverySpec = NonNullable<Experiment['workload']['discovery']>

/** How long a watcher waits before reconnecting elsewhere. */
const reconnectDelayMs = 50
/** Events a watcher keeps, for the end-of-run checks. */
const watcherEventsMax = 100_000

export interface DiscoveryContext {
  nowMs(): number
  perform(process: number, command: import('../../protocols/types.js').Command): Promise<Outcome>
  newProcess(): number
  endpoints(): NodeEndpoint[]
  seed: number
}

export async function runDiscovery(spec: DiscoverySpec, context: DiscoveryContext, startMs: number, endMs: number): Promise<DiscoveryReport> {
  const prefix = `/services/${spec.service}/`
  const watchers = Array.from({ length: spec.watchers }, (_, index) => new Watcher(index + 1, prefix, context))
  for (const watcher of watchers) watcher.start()
  const instances = await Promise.all(
    Array.from({ length: spec.instances }, (_, index) => runInstance(index + 1, spec, prefix, context, startMs, endMs)),
  )
  // Let the watchers see the last changes (and any lease that is about to expire) before stopping.
  await delay(Math.max(0, endMs - context.nowMs()))
  const finalRevision = await readFinalRevision(prefix, context)
  for (const watcher of watchers) watcher.stop()
  const reference = finalRevision === undefined ? undefined : await replayPrefix(prefix, finalRevision, context)
  for (const instance of instances) {
    const deleted = watchers[0]?.events.find((event) => event.change.type === 'delete' && event.change.key === instance.key)
    if (deleted) {
      instance.disappearedAtMs = round(deleted.atMs)
      instance.expired = deleted.change.lease !== undefined
    }
  }
  return {
    prefix,
    ttlMs: spec.ttl,
    keepAliveEveryMs: spec.keepAliveEvery,
    finalRevision,
    referenceChanges: reference?.length,
    instances,
    watchers: watchers.map((watcher) => watcher.report(reference)),
  }
}

async function runInstance(id: number, spec: DiscoverySpec, prefix: string, context: DiscoveryContext, startMs: number, endMs: number): Promise<InstanceReport> {
  const lease = `${spec.service}-${id}-${context.seed}`
  const key = `${prefix}${id}`
  const report: InstanceReport = { id, key, lease, keepAlivesOk: 0, keepAlivesFailed: 0 }
  const process = context.newProcess()
  const grant = await context.perform(process, { op: 'lease-grant', lease, ttlMs: spec.ttl })
  const put = grant.type === 'ok' ? await context.perform(process, { op: 'put', key, value: `instance-${id}`, lease }) : grant
  if (put.type !== 'ok') {
    report.error = `could not register: ${put.error}`
    return report
  }
  report.registeredAtMs = round(context.nowMs())
  const stopAtMs = spec.stops.find((stop) => stop.instance === id)?.at
  const diesAtMs = stopAtMs === undefined ? undefined : startMs + stopAtMs
  for (;;) {
    const next = context.nowMs() + spec.keepAliveEvery
    if (next >= endMs) break
    if (diesAtMs !== undefined && next >= diesAtMs) {
      await delay(diesAtMs - context.nowMs())
      report.stoppedAtMs = round(context.nowMs())
      break
    }
    await delay(next - context.nowMs())
    const outcome = await context.perform(process, { op: 'lease-keepalive', lease })
    if (outcome.type === 'ok') {
      report.keepAlivesOk += 1
      report.lastKeepAliveMs = round(context.nowMs())
    } else report.keepAlivesFailed += 1
  }
  return report
}

async function readFinalRevision(prefix: string, context: DiscoveryContext): Promise<number | undefined> {
  const outcome = await context.perform(context.newProcess(), { op: 'range', prefix })
  return outcome.type === 'ok' ? outcome.revision : undefined
}

/** How long the reference replay may take on one replica before the next one is tried. */
const replayWaitMs = 2000

/**
 * The revisions of every change under the prefix up to `throughRevision`, replayed by a fresh watch
 * from revision 1. Other keys of the store take revisions too, so the prefix's own revisions have
 * gaps: this list, not 1..final, is what every watcher must have received. Tries each replica until
 * one has applied through `throughRevision`; undefined when none answers in time.
 */
async function replayPrefix(prefix: string, throughRevision: number, context: DiscoveryContext): Promise<number[] | undefined> {
  for (const endpoint of context.endpoints()) {
    const revisions = await replayFrom(endpoint, prefix, throughRevision)
    if (revisions) return revisions
  }
  return undefined
}

function replayFrom(endpoint: NodeEndpoint, prefix: string, throughRevision: number): Promise<number[] | undefined> {
  return new Promise((resolve) => {
    const revisions: number[] = []
    const socket = net.connect({ host: endpoint.host, port: endpoint.port })
    const decoder = new FrameDecoder()
    const finish = (result: number[] | undefined) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(result)
    }
    const timer = setTimeout(() => finish(undefined), replayWaitMs)
    socket.on('connect', () => socket.write(encodeFrame({ id: 1, watch: { prefix, fromRevision: 1 } })))
    socket.on('error', () => finish(undefined))
    socket.on('close', () => finish(undefined))
    socket.on('data', (chunk: Buffer) => {
      for (const body of decoder.push(chunk).bodies) {
        const frame = body as ClientResponse
        if (!frame.ok) return finish(undefined)
        for (const change of frame.events ?? []) if (change.revision <= throughRevision) revisions.push(change.revision)
        // A replica that has not applied through the final revision cannot vouch for it: try the next.
        if (frame.progress !== undefined) return finish(frame.progress >= throughRevision ? revisions : undefined)
      }
    })
  })
}

interface ReceivedChange {
  change: ChangeEvent
  atMs: number
  node: string
}

class Watcher {
  readonly events: ReceivedChange[] = []
  private socket?: net.Socket
  private stopped = false
  private nodeIndex: number
  private resumes = 0
  private errors: string[] = []

  constructor(
    private readonly id: number,
    private readonly prefix: string,
    private readonly context: DiscoveryContext,
  ) {
    this.nodeIndex = id - 1
  }

  start(): void {
    this.connect()
  }

  stop(): void {
    this.stopped = true
    this.socket?.destroy()
  }

  /** `reference`: the prefix's revisions up to the final one (replayPrefix); undefined when unknown. */
  report(reference: readonly number[] | undefined): WatcherReport {
    const revisions = this.events.map((event) => event.change.revision)
    let duplicates = 0
    let outOfOrder = 0
    for (let index = 1; index < revisions.length; index += 1) {
      if (revisions[index] === revisions[index - 1]) duplicates += 1
      else if (revisions[index]! < revisions[index - 1]!) outOfOrder += 1
    }
    const seen = new Set(revisions)
    const missing = (reference ?? []).filter((revision) => !seen.has(revision))
    return {
      watcher: this.id,
      events: this.events.length,
      lastRevision: revisions[revisions.length - 1] ?? 0,
      missing: missing.slice(0, 20),
      missingCount: missing.length,
      duplicates,
      outOfOrder,
      resumes: this.resumes,
      nodes: [...new Set(this.events.map((event) => event.node))],
      errors: this.errors.slice(0, 5),
    }
  }

  private connect(): void {
    if (this.stopped) return
    const nodes = this.context.endpoints()
    const endpoint = nodes[this.nodeIndex % nodes.length]!
    const fromRevision = (this.events[this.events.length - 1]?.change.revision ?? 0) + 1
    const socket = net.connect({ host: endpoint.host, port: endpoint.port })
    this.socket = socket
    socket.setNoDelay(true)
    const decoder = new FrameDecoder()
    socket.on('connect', () => socket.write(encodeFrame({ id: 1, watch: { prefix: this.prefix, fromRevision } })))
    socket.on('data', (chunk: Buffer) => {
      for (const body of decoder.push(chunk).bodies) this.onFrame(body as ClientResponse, endpoint.id)
    })
    socket.on('error', () => undefined)
    socket.on('close', () => {
      if (this.stopped) return
      // Resume elsewhere from the next revision: nothing missed, nothing repeated.
      this.resumes += 1
      this.nodeIndex += 1
      setTimeout(() => this.connect(), reconnectDelayMs)
    })
  }

  private onFrame(frame: ClientResponse, node: string): void {
    if (!frame.ok) {
      if (this.errors.length < 5) this.errors.push(`${node}: ${frame.error}${frame.message ? `: ${frame.message}` : ''}`)
      this.socket?.destroy()
      return
    }
    for (const change of frame.events ?? []) {
      if (this.events.length < watcherEventsMax) this.events.push({ change, atMs: this.context.nowMs(), node })
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
}
