/**
 * Counts reads that were definitely stale: the value returned had certainly been overwritten before
 * the read began. (The linearizability check says whether a history is wrong; this says how often
 * reads were, which is what follower reads trade for speed.) Writes with an unknown outcome never
 * count as overwrites: only what certainly happened does.
 */
import type { HistoryEvent } from '../api/trace.js'

export interface ReadStats {
  reads: number
  stale: number
  /** A few stale reads, for the summary: key, value read, and the value that had replaced it. */
  examples: { key: string; read: string | null; newer: string; atMs: number }[]
}

const examplesMax = 5

interface Completed {
  f: HistoryEvent['f']
  key: string
  invokeNs: number
  completeNs: number
  type: 'ok' | 'fail' | 'info'
  input: unknown
  output: unknown
}

export function countStaleReads(history: readonly HistoryEvent[]): ReadStats {
  const operations = pair(history)
  const writesByKey = new Map<string, Completed[]>()
  const deletedKeys = new Set<string>()
  for (const operation of operations) {
    if (operation.f === 'delete' && operation.type !== 'fail') deletedKeys.add(operation.key)
    if (operation.type !== 'ok' || (operation.f !== 'put' && operation.f !== 'cas')) continue
    const list = writesByKey.get(operation.key) ?? []
    list.push(operation)
    writesByKey.set(operation.key, list)
  }
  const stats: ReadStats = { reads: 0, stale: 0, examples: [] }
  for (const read of operations) {
    if (read.f !== 'get' || read.type !== 'ok') continue
    stats.reads += 1
    const newer = overwrittenBefore(read, writesByKey.get(read.key) ?? [], deletedKeys.has(read.key))
    if (!newer) continue
    stats.stale += 1
    if (stats.examples.length < examplesMax) {
      stats.examples.push({ key: read.key, read: (read.output as string | null) ?? null, newer: writtenValue(newer), atMs: read.invokeNs / 1e6 })
    }
  }
  return stats
}

/** A write that certainly replaced the value this read returned before the read began, if any. */
function overwrittenBefore(read: Completed, writes: Completed[], keyWasDeleted: boolean): Completed | undefined {
  const value = read.output as string | null
  if (value === null) {
    if (keyWasDeleted) return undefined
    return writes.find((write) => write.completeNs < read.invokeNs)
  }
  const source = writes.find((write) => writtenValue(write) === value)
  if (!source) return undefined
  return writes.find((write) => write !== source && write.invokeNs > source.completeNs && write.completeNs < read.invokeNs)
}

function writtenValue(write: Completed): string {
  return write.f === 'cas' ? String((write.input as [unknown, unknown])[1]) : String(write.input)
}

function pair(history: readonly HistoryEvent[]): Completed[] {
  const open = new Map<number, HistoryEvent>()
  const completed: Completed[] = []
  for (const event of history) {
    if (event.type === 'invoke') {
      open.set(event.process, event)
      continue
    }
    const invoke = open.get(event.process)
    if (!invoke) continue
    open.delete(event.process)
    completed.push({ f: invoke.f, key: invoke.key, invokeNs: invoke.time, completeNs: event.time, type: event.type, input: invoke.value, output: event.value })
  }
  return completed
}
