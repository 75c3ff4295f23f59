/**
 * Seeded generator of linearizable KV histories, for the benchmark and the randomized tests.
 *
 * Closed-loop clients issue overlapping operations; each operation that takes effect gets a
 * linearization point inside its interval, and the outputs (get values, cas outcomes) come from
 * running the model in linearization-point order, so the history is linearizable by construction.
 * An operation with an unknown outcome is `info` and its process is retired (Jepsen style); it
 * took effect or not by a coin flip, possibly after the client gave up.
 */
import type { HistoryEvent } from '../api/trace.js'
import { randomInt, seededRandom } from '../protocols/common/random.js'
import type { Random } from '../protocols/types.js'
import { operationsOf, type Operation } from './history.js'
import { writtenValue } from './kv-model.js'

export interface GenerateOptions {
  seed: number
  ops: number
  keys: number
  /** Clients with one operation in flight each. */
  processes: number
  /** Relative weights of the operations. */
  mix?: { get: number; put: number; delete: number; cas: number }
  /** Probability that an operation's outcome is unknown to the client. */
  infoRate?: number
  /** Probability that an unknown-outcome write did take effect. */
  infoTookEffect?: number
  /** 'unique': every write a fresh value; a number: values drawn from that many ("0", "1", ...). */
  values?: 'unique' | number
  latencyNs?: [number, number]
  thinkNs?: [number, number]
}

interface Draft {
  process: number
  key: string
  f: 'get' | 'put' | 'delete' | 'cas'
  value?: string
  expected?: string | null
  invokeNs: number
  completeNs: number
  /** Linearization point, when the operation takes effect. */
  pointNs?: number
  indefinite: boolean
  output?: string | null
  failed?: boolean
}

const defaultMix = { get: 0.5, put: 0.3, delete: 0.05, cas: 0.15 }

export function generateLinearizableHistory(options: GenerateOptions): HistoryEvent[] {
  const random = seededRandom(options.seed, 'checker-history')
  const drafts = draftOperations(options, random)
  applyInPointOrder(drafts)
  return toEvents(drafts)
}

function draftOperations(options: GenerateOptions, random: Random): Draft[] {
  const mix = options.mix ?? defaultMix
  const [latencyMin, latencyMax] = options.latencyNs ?? [200_000, 5_000_000]
  const [thinkMin, thinkMax] = options.thinkNs ?? [0, 1_000_000]
  const infoRate = options.infoRate ?? 0.01
  const tookEffect = options.infoTookEffect ?? 0.5
  const clientFreeNs = new Float64Array(options.processes)
  const processIds = Array.from({ length: options.processes }, (_, index) => index)
  let nextProcess = options.processes
  let written = 0
  const lastWritten = new Map<string, string>()
  const drafts: Draft[] = []
  const pickValue = (): string => (options.values === undefined || options.values === 'unique' ? `v${written++}` : String(randomInt(random, 0, options.values - 1)))
  for (let count = 0; count < options.ops; count += 1) {
    const client = earliestClient(clientFreeNs)
    const invokeNs = Math.round(clientFreeNs[client] + thinkMin + random() * (thinkMax - thinkMin))
    const latency = Math.round(latencyMin + random() * random() * (latencyMax - latencyMin))
    const key = `k${randomInt(random, 0, options.keys - 1)}`
    const f = pickFunction(mix, random())
    const draft: Draft = { process: processIds[client], key, f, invokeNs, completeNs: invokeNs + latency, indefinite: random() < infoRate }
    if (f === 'put') draft.value = pickValue()
    if (f === 'cas') {
      draft.expected = random() < 0.8 ? (lastWritten.get(key) ?? null) : pickValue()
      draft.value = pickValue()
    }
    if (draft.value !== undefined) lastWritten.set(key, draft.value)
    if (!draft.indefinite) draft.pointNs = invokeNs + random() * latency
    else if (f !== 'get' && random() < tookEffect) draft.pointNs = invokeNs + random() * 2 * latency
    if (draft.indefinite) processIds[client] = nextProcess++
    clientFreeNs[client] = draft.completeNs
    drafts.push(draft)
  }
  return drafts
}

function earliestClient(clientFreeNs: Float64Array): number {
  let best = 0
  for (let index = 1; index < clientFreeNs.length; index += 1) if (clientFreeNs[index] < clientFreeNs[best]) best = index
  return best
}

function pickFunction(mix: NonNullable<GenerateOptions['mix']>, draw: number): Draft['f'] {
  const total = mix.get + mix.put + mix.delete + mix.cas
  let at = draw * total
  if ((at -= mix.get) < 0) return 'get'
  if ((at -= mix.put) < 0) return 'put'
  if ((at -= mix.delete) < 0) return 'delete'
  return 'cas'
}

/** Runs the model in linearization-point order to fix outputs and cas outcomes. */
function applyInPointOrder(drafts: Draft[]): void {
  const effective = drafts.filter((draft) => draft.pointNs !== undefined)
  effective.sort((a, b) => a.pointNs! - b.pointNs!)
  const state = new Map<string, string>()
  for (const draft of effective) {
    const current = state.get(draft.key) ?? null
    switch (draft.f) {
      case 'get':
        draft.output = current
        break
      case 'put':
        state.set(draft.key, draft.value!)
        break
      case 'delete':
        state.delete(draft.key)
        break
      case 'cas':
        if (current === draft.expected) state.set(draft.key, draft.value!)
        else draft.failed = true
        break
    }
  }
}

function toEvents(drafts: Draft[]): HistoryEvent[] {
  const events: HistoryEvent[] = []
  for (const draft of drafts) {
    const input = draft.f === 'put' ? draft.value : draft.f === 'cas' ? [draft.expected, draft.value] : undefined
    const invoke: HistoryEvent = { process: draft.process, type: 'invoke', f: draft.f, key: draft.key, time: draft.invokeNs }
    if (input !== undefined) invoke.value = input
    const type = draft.indefinite ? 'info' : draft.failed ? 'fail' : 'ok'
    const completion: HistoryEvent = { process: draft.process, type, f: draft.f, key: draft.key, time: draft.completeNs }
    if (draft.f === 'get' && type === 'ok') completion.value = draft.output ?? null
    else if (input !== undefined) completion.value = input
    if (draft.failed) completion.error = 'cas-mismatch'
    events.push(invoke, completion)
  }
  events.sort((a, b) => a.time - b.time)
  return events
}

export interface Mutation {
  history: HistoryEvent[]
  description: string
}

/**
 * Makes one successful get return a value that was definitely overwritten before it began: some
 * completed write of another value started after every write of that value had finished, and
 * finished before the get started. The result is certainly not linearizable. Undefined when the
 * history offers no such read.
 */
export function mutateStaleRead(history: readonly HistoryEvent[], random: Random): Mutation | undefined {
  const operations = operationsOf(history)
  const byKey = new Map<string, Operation[]>()
  for (const operation of operations) {
    const list = byKey.get(operation.key) ?? []
    list.push(operation)
    byKey.set(operation.key, list)
  }
  const reads = operations.filter((operation) => operation.input.f === 'get' && operation.status === 'ok')
  const start = reads.length === 0 ? 0 : randomInt(random, 0, reads.length - 1)
  for (let offset = 0; offset < reads.length; offset += 1) {
    const read = reads[(start + offset) % reads.length]
    const stale = staleValueFor(read, byKey.get(read.key)!)
    if (stale === undefined) continue
    const mutated = history.map((event) => ({ ...event }))
    const completion = mutated.find((event) => event.process === read.process && event.type === 'ok' && event.time === read.completeNs && event.f === 'get')!
    const was = completion.value
    completion.value = stale
    return { history: mutated, description: `get(${read.key}) by process ${read.process} invoked at ${read.invokeNs} ns now returns ${JSON.stringify(stale)} instead of ${JSON.stringify(was)}` }
  }
  return undefined
}

/**
 * A value some write left before `read` began that was certainly overwritten: every write of it
 * finished before some completed write of another value began, and that write finished before
 * the read began; and nothing writes it again later.
 */
function staleValueFor(read: Operation, keyOperations: readonly Operation[]): string | undefined {
  const lastDoneBy = new Map<string | null, number>()
  const lastInvokedBy = new Map<string | null, number>()
  // The two latest-invoked completed writes with different values: the best possible overwrites.
  let best: Operation | undefined
  let second: Operation | undefined
  for (const writer of keyOperations) {
    const value = writtenValue(writer)
    if (value === undefined) continue
    lastInvokedBy.set(value, Math.max(lastInvokedBy.get(value) ?? -Infinity, writer.invokeNs))
    if (writer.invokeNs >= read.invokeNs) continue
    const done = writer.status === 'ok' && writer.completeNs !== null ? writer.completeNs : Infinity
    lastDoneBy.set(value, Math.max(lastDoneBy.get(value) ?? -Infinity, done))
    if (writer.status !== 'ok' || done >= read.invokeNs) continue
    if (best === undefined || writer.invokeNs > best.invokeNs) {
      if (best !== undefined && writtenValue(best) !== value) second = best
      best = writer
    } else if (value !== writtenValue(best) && (second === undefined || writer.invokeNs > second.invokeNs)) {
      second = writer
    }
  }
  for (const [value, done] of lastDoneBy) {
    if (value === null || value === read.output || (lastInvokedBy.get(value) ?? -Infinity) >= read.invokeNs) continue
    for (const overwrite of [best, second]) {
      if (overwrite !== undefined && writtenValue(overwrite) !== value && done < overwrite.invokeNs) return value
    }
  }
  return undefined
}
