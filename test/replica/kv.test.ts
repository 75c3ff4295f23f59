import { describe, expect, it } from 'vitest'
import { encodeStoreSnapshot, KeyValueStore, snapshotHistoryBytesMax, snapshotRowsPerSlice, watchHistoryMax } from '../../src-main/kv/store.js'
import { Packr } from 'msgpackr'
import { encodedBytesMax, messageBytesMax, rangeBytesMax, rangeEntriesMax, valueBytesMax } from '../../src-main/protocols/common/wire-budget.js'
import type { Command } from '../../src-main/protocols/types.js'

function applyAll(commands: Command[]): KeyValueStore {
  const store = new KeyValueStore()
  commands.forEach((command, index) => store.apply(index + 1, 1, command))
  return store
}

describe('key-value state machine', () => {
  it('puts, gets, deletes and compares-and-sets', () => {
    const store = new KeyValueStore()
    expect(store.apply(1, 1, { op: 'put', key: 'x', value: '1' })).toEqual({ ok: true, revision: 1 })
    expect(store.read({ op: 'get', key: 'x' })).toEqual({ ok: true, value: '1', revision: 1 })
    expect(store.apply(2, 1, { op: 'cas', key: 'x', expected: '2', value: '3' })).toEqual({ ok: false, error: 'cas-mismatch', value: '1' })
    expect(store.apply(3, 1, { op: 'cas', key: 'x', expected: '1', value: '3' })).toEqual({ ok: true, revision: 2 })
    expect(store.apply(4, 1, { op: 'cas', key: 'y', expected: null, value: 'new' })).toEqual({ ok: true, revision: 3 })
    expect(store.apply(5, 1, { op: 'delete', key: 'x' })).toEqual({ ok: true, revision: 4 })
    expect(store.read({ op: 'get', key: 'x' })).toEqual({ ok: true, value: null, revision: 4 })
  })

  it('reads a range by prefix in key order', () => {
    const store = applyAll([
      { op: 'put', key: 'user:456', value: 'b' },
      { op: 'put', key: 'order:789', value: 'c' },
      { op: 'put', key: 'user:123', value: 'a' },
    ])
    expect(store.read({ op: 'range', prefix: 'user:' })).toMatchObject({ ok: true, entries: [['user:123', 'a'], ['user:456', 'b']] })
  })

  it('refuses a range whose reply would hold more than rangeBytesMax, with a message saying so, on every replica alike', () => {
    const bigValues = Math.ceil(rangeBytesMax / valueBytesMax) + 1
    const store = applyAll([
      ...Array.from({ length: bigValues }, (_, index): Command => ({ op: 'put', key: `big:${index}`, value: 'v'.repeat(valueBytesMax) })),
      { op: 'put', key: 'small:1', value: 'x' },
    ])
    const refused = store.read({ op: 'range', prefix: 'big:' })
    expect(refused).toMatchObject({ ok: false, error: 'invalid' })
    expect(refused.ok === false && refused.error === 'invalid' && refused.message).toMatch(/range over prefix "big:" .*more than \d+ bytes.*narrow the prefix/)
    // Through the log the refusal is the entry's result: the state and its hash move on as for any read.
    expect(store.apply(bigValues + 2, 1, { op: 'range', prefix: 'big:' })).toEqual(refused)
    expect(store.read({ op: 'range', prefix: 'small:' })).toMatchObject({ ok: true, entries: [['small:1', 'x']] })
  })

  it('refuses a range over more than rangeEntriesMax keys instead of cutting it short', () => {
    const store = applyAll(Array.from({ length: rangeEntriesMax + 1 }, (_, index): Command => ({ op: 'put', key: `k:${rangeEntriesMax - index}`, value: '1' })))
    const refused = store.read({ op: 'range', prefix: 'k:' })
    expect(refused).toMatchObject({ ok: false, error: 'invalid' })
    expect(refused.ok === false && refused.error === 'invalid' && refused.message).toMatch(new RegExp(`more than ${rangeEntriesMax} keys`))
  })

  it('a range it answers fits in a reply frame', () => {
    const store = applyAll(Array.from({ length: Math.floor(rangeBytesMax / valueBytesMax) - 1 }, (_, index): Command => ({ op: 'put', key: `p:${index}`, value: 'v'.repeat(valueBytesMax) })))
    const answer = store.read({ op: 'range', prefix: 'p:' })
    expect(answer.ok).toBe(true)
    expect(encodedBytesMax({ id: 1, node: 'A', ...answer })).toBeLessThanOrEqual(messageBytesMax)
  })

  it('gives equal hashes for equal applied sequences and different ones otherwise', () => {
    const commands: Command[] = [
      { op: 'put', key: 'x', value: '1' },
      { op: 'put', key: 'y', value: '2' },
    ]
    expect(applyAll(commands).applyHash).toBe(applyAll(commands).applyHash)
    expect(applyAll(commands).applyHash).not.toBe(applyAll(commands.slice().reverse()).applyHash)
  })

  it('digests the contents regardless of the order that produced them', () => {
    const a = applyAll([{ op: 'put', key: 'x', value: '1' }, { op: 'put', key: 'y', value: '2' }])
    const b = applyAll([{ op: 'put', key: 'y', value: '2' }, { op: 'put', key: 'x', value: '1' }])
    expect(a.digest()).toBe(b.digest())
  })

  it('a key attached to a lease lives as long as the lease, and every change has its revision', () => {
    const store = applyAll([
      { op: 'lease-grant', lease: 'l1', ttlMs: 3000 },
      { op: 'put', key: '/services/api/1', value: 'a', lease: 'l1' },
      { op: 'put', key: '/services/api/2', value: 'b', lease: 'l1' },
      { op: 'put', key: '/other', value: 'c' },
      { op: 'lease-keepalive', lease: 'l1' },
      { op: 'lease-revoke', lease: 'l1', expired: true },
    ])
    expect(store.read({ op: 'range', prefix: '/services/' })).toMatchObject({ entries: [] })
    expect(store.read({ op: 'get', key: '/other' })).toMatchObject({ value: 'c' })
    expect(store.changesSince(1)!.map((change) => [change.revision, change.type, change.key, change.lease])).toEqual([
      [1, 'put', '/services/api/1', undefined],
      [2, 'put', '/services/api/2', undefined],
      [3, 'put', '/other', undefined],
      [4, 'delete', '/services/api/1', 'l1'],
      [5, 'delete', '/services/api/2', 'l1'],
    ])
  })

  it('refuses leases that do not exist, changing nothing', () => {
    const store = new KeyValueStore()
    expect(store.apply(1, 1, { op: 'put', key: 'k', value: 'v', lease: 'nope' })).toMatchObject({ ok: false, error: 'invalid', message: /no lease nope/ })
    expect(store.apply(2, 1, { op: 'lease-keepalive', lease: 'nope' })).toMatchObject({ ok: false, error: 'invalid' })
    expect(store.revision).toBe(0)
  })

  it('answers a watch from a revision it no longer keeps with undefined (compacted)', () => {
    const store = new KeyValueStore()
    for (let index = 1; index <= watchHistoryMax + 10; index += 1) store.apply(index, 1, { op: 'put', key: 'k', value: String(index) })
    expect(store.changesSince(5)).toBeUndefined()
    expect(store.compactedRevision()).toBe(10)
    expect(store.changesSince(11)).toHaveLength(watchHistoryMax)
  })

  it('keeps exactly the newest historyMax changes, before and after the dropped ones leave memory, and a snapshot carries no more', () => {
    const historyMax = 10
    const store = new KeyValueStore(historyMax)
    for (const applied of [500, 1030, 2600]) {
      for (let index = store.appliedIndex + 1; index <= applied; index += 1) store.apply(index, 1, { op: 'put', key: `k${index % 7}`, value: String(index) })
      expect(store.compactedRevision()).toBe(applied - historyMax)
      expect(store.changesSince(applied - historyMax)).toBeUndefined()
      expect(store.changesSince(applied - historyMax + 1)!.map((change) => change.revision)).toEqual(Array.from({ length: historyMax }, (_, at) => applied - historyMax + 1 + at))
      const restored = KeyValueStore.restore(store.serialize(), historyMax)
      expect(restored.compactedRevision()).toBe(applied - historyMax)
      expect(restored.changesSince(applied - historyMax + 1)).toEqual(store.changesSince(applied - historyMax + 1))
    }
  })

  it('refuses to apply out of order: that would be a broken invariant, not an input error', () => {
    const store = new KeyValueStore()
    expect(() => store.apply(2, 1, { op: 'noop' })).toThrow(/out of order/)
  })
})

describe('snapshots of the state machine (Raft §7)', () => {
  const commands: Command[] = [
    { op: 'lease-grant', lease: 'L1', ttlMs: 5000 },
    { op: 'put', key: 'svc/a', value: '1', lease: 'L1' },
    { op: 'put', key: 'plain', value: 'p' },
    { op: 'put', key: 'svc/b', value: '2', lease: 'L1' },
    { op: 'delete', key: 'plain' },
  ]

  it('a restored store holds the same contents, leases, revision, watch history, applied index and hash, and goes on identically', () => {
    const original = applyAll(commands)
    const restored = KeyValueStore.restore(original.serialize())
    expect([restored.appliedIndex, restored.appliedTerm, restored.revision, restored.applyHash, restored.digest()])
      .toEqual([original.appliedIndex, original.appliedTerm, original.revision, original.applyHash, original.digest()])
    expect(restored.changesSince(1)).toEqual(original.changesSince(1))
    expect([...restored.leases.get('L1')!.keys].sort()).toEqual(['svc/a', 'svc/b'])
    // The same next command gives the same result, revision and hash on both.
    const next: Command = { op: 'lease-revoke', lease: 'L1' }
    expect(restored.apply(6, 1, next)).toEqual(original.apply(6, 1, next))
    expect([restored.applyHash, restored.digest(), restored.size]).toEqual([original.applyHash, original.digest(), original.size])
  })

  it('carries only the newest watch history that fits snapshotHistoryBytesMax: an older revision is compacted after a restore', () => {
    const store = new KeyValueStore()
    const value = 'v'.repeat(64 * 1024)
    const puts = Math.ceil((2 * snapshotHistoryBytesMax) / value.length)
    for (let index = 1; index <= puts; index += 1) store.apply(index, 1, { op: 'put', key: `k${index % 10}`, value })
    const bytes = store.serialize()
    expect(bytes.length).toBeLessThan(snapshotHistoryBytesMax + 10 * value.length + 64 * 1024)
    const restored = KeyValueStore.restore(bytes)
    expect(store.changesSince(1)).toBeDefined()
    expect(restored.changesSince(1)).toBeUndefined()
    expect(restored.changesSince(puts)).toEqual(store.changesSince(puts))
    expect([restored.digest(), restored.applyHash, restored.revision]).toEqual([store.digest(), store.applyHash, store.revision])
  })

  it('two stores that applied the same sequence serialize to the same bytes', () => {
    expect(Buffer.from(applyAll(commands).serialize()).equals(Buffer.from(applyAll(commands).serialize()))).toBe(true)
  })

  it('a capture is the state at its index: encoded later, after the store applied more, it restores to that state', () => {
    const store = new KeyValueStore()
    const rows = 3 * snapshotRowsPerSlice + 7
    for (let index = 1; index <= rows; index += 1) store.apply(index, 1, { op: 'put', key: `k${(index * 7919) % rows}`, value: `v${index}` })
    const expected = KeyValueStore.restore(store.serialize())
    const pieces = encodeStoreSnapshot(store.captureSnapshot())
    const first = pieces.next()
    // The store moves on while the capture waits to be encoded: overwrites, deletes, new keys.
    for (let index = rows + 1; index <= rows + 500; index += 1) {
      store.apply(index, 2, index % 2 === 0 ? { op: 'put', key: `k${index % rows}`, value: 'later' } : { op: 'delete', key: `k${index % rows}` })
    }
    const parts = [first.value as Uint8Array, ...pieces]
    expect(parts.length, 'encoded in slices, not in one piece').toBeGreaterThan(3)
    const restored = KeyValueStore.restore(Buffer.concat(parts))
    expect([restored.appliedIndex, restored.revision, restored.applyHash, restored.digest(), restored.size])
      .toEqual([expected.appliedIndex, expected.revision, expected.applyHash, expected.digest(), expected.size])
    expect(restored.changesSince(rows - 10)).toEqual(expected.changesSince(rows - 10))
  })

  it('the sliced encoding is one plain msgpack map, byte for byte what msgpackr makes of the same snapshot object', () => {
    const store = applyAll(commands)
    for (let index = commands.length + 1; index <= 2 * snapshotRowsPerSlice + 3; index += 1) store.apply(index, 1, { op: 'put', key: `x${index}`, value: String(index) })
    const bytes = store.serialize()
    const packr = new Packr({ useRecords: false, mapsAsObjects: true })
    expect(Buffer.from(packr.pack(packr.unpack(bytes))).equals(Buffer.from(bytes))).toBe(true)
  })

  it('a damaged or foreign snapshot is refused with a clear error', () => {
    expect(() => KeyValueStore.restore(new Uint8Array([0xc1, 0x00]))).toThrow(/state machine snapshot of 2 bytes/)
    const bytes = applyAll(commands).serialize()
    expect(() => KeyValueStore.restore(bytes.subarray(0, bytes.length - 10))).toThrow(/cannot be decoded|state machine snapshot/)
  })
})
