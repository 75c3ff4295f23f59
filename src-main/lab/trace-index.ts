/**
 * An index over trace.ndjson by time, so a window of a long run is read without reading the run.
 *
 * The file stays NDJSON (every tool reads it); beside it, the index cuts it into chunks of about
 * chunkBytesTarget bytes, each with the byte range, the earliest and latest `t` in it and how many
 * events of each kind it holds. Lines are nearly in time order (replicas report in batches, so a
 * line may be up to a batch late), so a window touches few chunks; a kind filter skips chunks that
 * hold none of the kinds asked for (a fault filter over a 10-minute run reads the fault chunks only).
 *
 * The runner builds the index as it writes (live reads use it) and stores it as trace.index.json; a
 * stored run without one gets it from one streaming pass over the file.
 */
import fs from 'node:fs'
import readline from 'node:readline'
import { traceWindowEventsMax, type TraceEvent, type TraceKind } from '../api/trace.js'
import type { TraceQuery, TraceWindow } from '../api/lab-api.js'

/** A chunk is closed once it holds this many bytes: reading one costs about a millisecond. */
export const chunkBytesTarget = 256 * 1024

export interface TraceChunk {
  offset: number
  bytes: number
  tMinMs: number
  tMaxMs: number
  kinds: Partial<Record<TraceKind, number>>
}

export interface TraceIndex {
  version: 1
  chunks: TraceChunk[]
}

export class TraceIndexBuilder {
  readonly chunks: TraceChunk[] = []
  private offset = 0
  private open: TraceChunk | undefined

  /** One line (its JSON without the newline) of the file, in the order written. */
  add(event: TraceEvent, lineBytes: number): void {
    const chunk = (this.open ??= { offset: this.offset, bytes: 0, tMinMs: event.t, tMaxMs: event.t, kinds: {} })
    chunk.bytes += lineBytes + 1
    chunk.tMinMs = Math.min(chunk.tMinMs, event.t)
    chunk.tMaxMs = Math.max(chunk.tMaxMs, event.t)
    chunk.kinds[event.kind] = (chunk.kinds[event.kind] ?? 0) + 1
    this.offset += lineBytes + 1
    if (chunk.bytes >= chunkBytesTarget) this.seal()
  }

  /** A line that is not an event still takes its bytes in the file. */
  skip(lineBytes: number): void {
    if (this.open) this.open.bytes += lineBytes + 1
    this.offset += lineBytes + 1
  }

  /** The chunks so far, the open one included (a live read sees the newest events). */
  index(): TraceIndex {
    return { version: 1, chunks: this.open ? [...this.chunks, { ...this.open, kinds: { ...this.open.kinds } }] : [...this.chunks] }
  }

  private seal(): void {
    if (this.open) this.chunks.push(this.open)
    this.open = undefined
  }
}

/** Builds the index of a stored trace in one pass (lines that do not parse are skipped, as the checker does). */
export async function buildTraceIndex(file: string): Promise<TraceIndex> {
  const builder = new TraceIndexBuilder()
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })
  for await (const line of lines) {
    const bytes = Buffer.byteLength(line)
    let event: TraceEvent | undefined
    try {
      event = JSON.parse(line) as TraceEvent
    } catch {
      event = undefined
    }
    if (event && typeof event.t === 'number' && typeof event.kind === 'string') builder.add(event, bytes)
    else builder.skip(bytes)
  }
  return builder.index()
}

/** Whether the index file is one this code wrote (else it is rebuilt from the trace). */
export function parseTraceIndex(text: string): TraceIndex | undefined {
  try {
    const value = JSON.parse(text) as TraceIndex
    return value && value.version === 1 && Array.isArray(value.chunks) ? value : undefined
  } catch {
    return undefined
  }
}

/**
 * The events of `query`'s window (experiment time: `originMs` in the trace's clock is 0 s), filtered,
 * in time order, with their times moved to experiment time. Reads only the chunks that can match.
 */
export async function readTraceWindow(file: string, index: TraceIndex, originMs: number, query: TraceQuery): Promise<TraceWindow> {
  const fromMs = (query.fromMs ?? -Infinity) + originMs
  const toMs = (query.toMs ?? Infinity) + originMs
  const kinds = query.kinds && query.kinds.length > 0 ? new Set<string>(query.kinds) : undefined
  const nodes = query.nodes && query.nodes.length > 0 ? new Set(query.nodes) : undefined
  const types = query.types && query.types.length > 0 ? new Set(query.types) : undefined
  const text = query.text?.trim().toLowerCase() || undefined
  const limit = Math.min(query.limit ?? traceWindowEventsMax, traceWindowEventsMax)
  const chunks = index.chunks.filter(
    (chunk) => chunk.tMaxMs >= fromMs && chunk.tMinMs <= toMs && (!kinds || [...kinds].some((kind) => (chunk.kinds[kind as TraceKind] ?? 0) > 0)),
  )
  const matched: TraceEvent[] = []
  let bytesRead = 0
  const handle = await fs.promises.open(file, 'r')
  try {
    const size = (await handle.stat()).size
    for (const chunk of chunks) {
      const length = Math.min(chunk.bytes, size - chunk.offset)
      if (length <= 0) continue
      const buffer = Buffer.alloc(length)
      await handle.read(buffer, 0, length, chunk.offset)
      bytesRead += length
      // A live trace's last line may be half-written: only whole lines count.
      const body = buffer.toString('utf8')
      const end = body.lastIndexOf('\n')
      for (const line of body.slice(0, end + 1).split('\n')) {
        if (line.length === 0) continue
        if (text && !line.toLowerCase().includes(text)) continue
        let event: TraceEvent
        try {
          event = JSON.parse(line) as TraceEvent
        } catch {
          continue
        }
        if (event.t < fromMs || event.t > toMs) continue
        if (kinds && !kinds.has(event.kind)) continue
        if (nodes && !nodes.has(event.node)) continue
        if (types && !('type' in event && types.has(event.type))) continue
        matched.push(event)
      }
    }
  } finally {
    await handle.close()
  }
  matched.sort((a, b) => a.t - b.t)
  const events = matched.slice(0, limit).map((event) => ({ ...event, t: round3(event.t - originMs) }))
  return { events, matched: matched.length, omitted: Math.max(0, matched.length - limit), chunksRead: chunks.length, bytesRead }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}
