/**
 * The trace's index by time: a window read through it returns exactly what a full scan of the file
 * would, while reading only the chunks that can hold the window (or the kinds asked for).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { TraceEvent } from '../../src-main/api/trace.js'
import type { TraceQuery } from '../../src-main/api/lab-api.js'
import { TraceIndexBuilder, buildTraceIndex, chunkBytesTarget, readTraceWindow } from '../../src-main/lab/trace-index.js'
import { seededRandom } from '../../src-main/protocols/common/random.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-index-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

/** A loaded run's trace: batches of sends and commits per node, up to 80 ms late, a fault now and then. */
function syntheticTrace(seed: number, eventCount: number): TraceEvent[] {
  const random = seededRandom(seed, 'trace')
  const nodes = ['A', 'B', 'C']
  const events: TraceEvent[] = []
  for (let i = 0; i < eventCount; i += 1) {
    const t = i * 0.5 - random() * 80
    const node = nodes[i % 3]!
    if (i % 9973 === 0) events.push({ t, node: 'lab', kind: 'fault', fault: `crash ${node}` })
    else if (i % 5 === 0) events.push({ t, node, kind: 'commit', index: i })
    else events.push({ t, node, kind: 'send', to: nodes[(i + 1) % 3]!, type: i % 7 === 0 ? 'RequestVote' : 'AppendEntries', bytes: 90, id: i })
  }
  return events
}

function writeTrace(file: string, events: TraceEvent[]): TraceIndexBuilder {
  const builder = new TraceIndexBuilder()
  const lines = events.map((event) => {
    const line = JSON.stringify(event)
    builder.add(event, Buffer.byteLength(line))
    return line
  })
  fs.writeFileSync(file, lines.join('\n') + '\n')
  return builder
}

function scan(events: TraceEvent[], originMs: number, query: TraceQuery): TraceEvent[] {
  const from = (query.fromMs ?? -Infinity) + originMs
  const to = (query.toMs ?? Infinity) + originMs
  return events
    .filter((event) => event.t >= from && event.t <= to)
    .filter((event) => !query.kinds || query.kinds.includes(event.kind))
    .filter((event) => !query.nodes || query.nodes.includes(event.node))
    .filter((event) => !query.types || ('type' in event && query.types.includes(event.type)))
    .filter((event) => !query.text || JSON.stringify(event).toLowerCase().includes(query.text.toLowerCase()))
    .sort((a, b) => a.t - b.t)
    .map((event) => ({ ...event, t: Math.round((event.t - originMs) * 1000) / 1000 }))
}

describe('trace index', () => {
  const seed = Number(process.env.TRACE_INDEX_SEED ?? Date.now() % 100_000)
  it(`windows and filters read through the index equal a full scan (seed ${seed}; replay: TRACE_INDEX_SEED=${seed})`, async () => {
    const events = syntheticTrace(seed, 60_000)
    const file = path.join(dir, 'trace.ndjson')
    const written = writeTrace(file, events).index()
    const rebuilt = await buildTraceIndex(file)
    expect(rebuilt).toEqual(written)
    expect(written.chunks.length).toBeGreaterThan(10)
    const total = fs.statSync(file).size
    const originMs = 1000
    const queries: TraceQuery[] = [
      { fromMs: 5000, toMs: 6000 },
      { fromMs: 5000, toMs: 6000, nodes: ['B'], types: ['RequestVote'] },
      { kinds: ['fault'] },
      { text: 'crash b' },
      { fromMs: -2000, toMs: 0, kinds: ['commit'], limit: 10 },
    ]
    for (const query of queries) {
      const expected = scan(events, originMs, query)
      const window = await readTraceWindow(file, written, originMs, query)
      expect(window.matched, JSON.stringify(query)).toBe(expected.length)
      expect(window.events, JSON.stringify(query)).toEqual(expected.slice(0, query.limit ?? expected.length))
      expect(window.omitted).toBe(Math.max(0, expected.length - (query.limit ?? expected.length)))
    }
    // A one-second window reads a few chunks, not the file.
    const narrow = await readTraceWindow(file, written, originMs, { fromMs: 5000, toMs: 6000 })
    expect(narrow.bytesRead).toBeLessThan(4 * chunkBytesTarget)
    expect(narrow.bytesRead).toBeLessThan(total / 5)
    // Every chunk holds sends, only some hold faults: the fault filter skips the rest.
    const faults = await readTraceWindow(file, written, originMs, { kinds: ['fault'] })
    expect(faults.chunksRead).toBeLessThan(written.chunks.length)
  })

  it('a live trace: the open chunk is read, a half-written last line is left for later', async () => {
    const file = path.join(dir, 'live.ndjson')
    const builder = new TraceIndexBuilder()
    const first: TraceEvent = { t: 10, node: 'A', kind: 'term', term: 2 }
    const second: TraceEvent = { t: 11, node: 'B', kind: 'term', term: 2 }
    const lines = [first, second].map((event) => JSON.stringify(event))
    lines.forEach((line, i) => builder.add([first, second][i]!, Buffer.byteLength(line)))
    fs.writeFileSync(file, `${lines[0]}\n${lines[1]!.slice(0, 12)}`)
    expect((await readTraceWindow(file, builder.index(), 0, {})).events).toEqual([first])
    fs.writeFileSync(file, `${lines[0]}\n${lines[1]}\n`)
    expect((await readTraceWindow(file, builder.index(), 0, {})).events).toEqual([first, second])
  })
})
