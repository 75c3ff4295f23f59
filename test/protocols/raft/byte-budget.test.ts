/**
 * AppendEntries and persisted records are capped by bytes (etcd's MaxSizePerMsg), never only by
 * count: whatever the values' sizes and however far a follower fell behind, every message fits in
 * a frame, and a request always carries at least one entry so replication makes progress.
 *
 * Randomized cases print their seed; replay one with RAFT_BUDGET_SEED=<n>.
 */
import { Packr } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../../src-main/protocols/common/random.js'
import { encodedBytesMax, messageBytesMax } from '../../../src-main/protocols/common/wire-budget.js'
import type { AppendEntries, LogEntry, RaftPersist } from '../../../src-main/protocols/raft/index.js'
import { entryBytes } from '../../../src-main/protocols/raft/replication.js'
import { Cluster, defaultOptions, ofType, put } from './harness.js'
import type { Envelope } from './harness.js'

const packr = new Packr({ useRecords: false, mapsAsObjects: true })
const appendsOf = (envelopes: Envelope[]): AppendEntries[] =>
  envelopes.filter((envelope) => envelope.message.type === 'AppendEntries').map((envelope) => envelope.message as AppendEntries)
const bytesOf = (entries: readonly LogEntry[]): number => entries.reduce((total, entry) => total + entryBytes(entry), 0)
const value = (bytes: number, tag: string | number): string => `${tag}:`.padEnd(bytes, 'v')

/** Every AppendEntries sent is within the budget, or carries a single entry that alone exceeds it. */
function expectAppendsWithin(cluster: Cluster, appendBytesMax: number): void {
  for (const append of appendsOf(cluster.sent)) {
    if (append.entries.length > 1) expect(bytesOf(append.entries)).toBeLessThanOrEqual(appendBytesMax)
    expect(packr.pack(append).length).toBeLessThanOrEqual(messageBytesMax)
  }
}

describe('AppendEntries are capped by bytes (etcd MaxSizePerMsg)', () => {
  it('a proposal batch larger than appendBytesMax is split into requests of at most that many bytes', () => {
    const appendBytesMax = 8 * 1024
    const cluster = new Cluster({ options: { appendBytesMax, batchEntriesMax: 1000, inflightAppendsMax: 64 } })
    cluster.elect('n1')
    cluster.propose('n1', ...Array.from({ length: 40 }, (_, index) => put(`k${index}`, value(1000, index))))
    const toN2 = appendsOf(cluster.inFlight(ofType('AppendEntries', 'n1', 'n2')))
    expect(toN2.length).toBeGreaterThan(4)
    for (const append of toN2) expect(bytesOf(append.entries)).toBeLessThanOrEqual(appendBytesMax)
    expect(toN2.reduce((total, append) => total + append.entries.length, 0)).toBe(40)
    cluster.stabilize()
    expect(cluster.core('n3').status().commitIndex).toBe(41)
  })

  it('an entry larger than appendBytesMax still goes, alone in its request', () => {
    const appendBytesMax = 4 * 1024
    const cluster = new Cluster({ options: { appendBytesMax } })
    cluster.elect('n1')
    cluster.propose('n1', put('small', 'x'), put('big', value(10_000, 'big')), put('after', 'y'))
    const sizes = appendsOf(cluster.inFlight(ofType('AppendEntries', 'n1', 'n2'))).map((append) => append.entries.length)
    expect(sizes).toEqual([1, 1, 1])
    cluster.stabilize()
    expect(cluster.core('n2').status().commitIndex).toBe(4)
  })

  it('a follower back from a crash catches up through many requests, none above the budget', () => {
    const appendBytesMax = 16 * 1024
    const cluster = new Cluster({ options: { appendBytesMax, batchEntriesMax: 1024, inflightAppendsMax: 8 } })
    cluster.elect('n1')
    cluster.crash('n3')
    for (let round = 0; round < 20; round += 1) {
      cluster.propose('n1', ...Array.from({ length: 10 }, (_, index) => put(`k${index}`, value(2000, `${round}.${index}`))))
      cluster.stabilize()
    }
    cluster.restart('n3')
    cluster.tick('n1', defaultOptions.heartbeatTicks)
    cluster.stabilize()
    expect(cluster.core('n3').status().commitIndex).toBe(cluster.core('n1').status().commitIndex)
    expect(cluster.core('n3').status().commitIndex).toBe(201)
    const catchUp = appendsOf(cluster.sent.filter((envelope) => envelope.to === 'n3'))
    expect(catchUp.filter((append) => append.entries.length > 0).length).toBeGreaterThan(200 * 2000 / appendBytesMax)
    expectAppendsWithin(cluster, appendBytesMax)
  })

  it('a catch-up stops at inflightBytesMax of unacknowledged entries per follower, and resumes as they are acknowledged', () => {
    const appendBytesMax = 4 * 1024
    const inflightBytesMax = 12 * 1024
    const cluster = new Cluster({ options: { appendBytesMax, inflightBytesMax, batchEntriesMax: 1024, inflightAppendsMax: 64 } })
    cluster.elect('n1')
    cluster.propose('n1', ...Array.from({ length: 40 }, (_, index) => put(`k${index}`, value(1000, index))))
    const inFlight = appendsOf(cluster.inFlight(ofType('AppendEntries', 'n1', 'n2')))
    const inFlightBytes = inFlight.reduce((total, append) => total + bytesOf(append.entries), 0)
    // Full once the bytes reach the bound: the last request may cross it, no further one goes.
    expect(inFlightBytes).toBeGreaterThanOrEqual(inflightBytesMax)
    expect(inFlightBytes - bytesOf(inFlight[inFlight.length - 1]!.entries)).toBeLessThan(inflightBytesMax)
    expect(inFlight.reduce((total, append) => total + append.entries.length, 0)).toBeLessThan(40)
    cluster.stabilize()
    expect(cluster.core('n2').status().commitIndex).toBe(41)
  })

  it('a leader splits a large turn of proposals into persisted records of at most entriesRecordBytesMax', () => {
    const entriesRecordBytesMax = 8 * 1024
    const cluster = new Cluster({ options: { entriesRecordBytesMax } })
    cluster.elect('n1')
    const before = cluster.persisted.get('n1')!.length
    cluster.propose('n1', ...Array.from({ length: 30 }, (_, index) => put(`k${index}`, value(1000, index))))
    const records = cluster.persisted.get('n1')!.slice(before) as Extract<RaftPersist, { kind: 'entries' }>[]
    expect(records.length).toBeGreaterThan(3)
    let nextIndex = 2
    for (const record of records) {
      expect(record.fromIndex).toBe(nextIndex)
      nextIndex += record.entries.length
      expect(bytesOf(record.entries)).toBeLessThanOrEqual(entriesRecordBytesMax)
    }
    expect(nextIndex).toBe(32)
    cluster.restart('n1')
    expect(cluster.core('n1').status().lastIndex).toBe(31)
  })

  it('randomized: values of random sizes, crashes and restarts; every request fits its budget and the cluster converges', () => {
    const seeds = process.env.RAFT_BUDGET_SEED ? [Number(process.env.RAFT_BUDGET_SEED)] : Array.from({ length: 20 }, (_, index) => index + 1)
    for (const seed of seeds) {
      try {
        runBudgetSeed(seed)
      } catch (error) {
        throw new Error(`seed ${seed} failed: ${(error as Error).message}\nreplay: RAFT_BUDGET_SEED=${seed} npx vitest run test/protocols/raft/byte-budget.test.ts`, { cause: error })
      }
    }
  })
})

function runBudgetSeed(seed: number): void {
  const random = seededRandom(seed, 'budget')
  const appendBytesMax = 2048 + Math.floor(random() * 16_384)
  const cluster = new Cluster({ seed, failFast: true, options: { appendBytesMax, batchEntriesMax: 1024, inflightAppendsMax: 1 + Math.floor(random() * 8) } })
  cluster.elect('n1')
  let written = 0
  for (let round = 0; round < 30; round += 1) {
    const victim = cluster.ids[1 + Math.floor(random() * 2)]!
    if (random() < 0.2 && cluster.isUp(victim)) cluster.crash(victim)
    else if (!cluster.isUp(victim)) cluster.restart(victim)
    const proposals = Array.from({ length: 1 + Math.floor(random() * 20) }, () => put(`k${written++}`, value(Math.floor(random() * 6000), written)))
    cluster.propose('n1', ...proposals)
    cluster.tick('n1', defaultOptions.heartbeatTicks)
    cluster.stabilize()
  }
  for (const id of cluster.ids) if (!cluster.isUp(id)) cluster.restart(id)
  cluster.tick('n1', defaultOptions.heartbeatTicks)
  cluster.stabilize()
  expectAppendsWithin(cluster, appendBytesMax)
  for (const id of cluster.ids) expect(cluster.core(id).status().commitIndex, id).toBe(written + 1)
  expect(cluster.violations).toEqual([])
}

describe('the size estimate', () => {
  it('is never below the msgpack encoding of an entry, and close above it', () => {
    const random = seededRandom(7, 'entries')
    for (let trial = 0; trial < 500; trial += 1) {
      const text = Array.from({ length: Math.floor(random() * 300) }, () => String.fromCodePoint(Math.floor(random() * (random() < 0.5 ? 128 : 0x1ffff)))).join('')
      const entry: LogEntry = { term: Math.floor(random() * 1e9), command: { op: 'put', key: text.slice(0, 10), value: text }, tag: { clientId: `c${trial}`, seq: trial } }
      const actual = packr.pack(entry).length
      expect(entryBytes(entry)).toBeGreaterThanOrEqual(actual)
      expect(encodedBytesMax(entry)).toBeLessThanOrEqual(actual + 128)
    }
  })
})
