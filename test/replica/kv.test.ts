import { describe, expect, it } from 'vitest'
import { KeyValueStore } from '../../src-main/replica/kv.js'
import type { Command } from '../../src-main/protocols/types.js'

function applyAll(commands: Command[]): KeyValueStore {
  const store = new KeyValueStore()
  commands.forEach((command, index) => store.apply(index + 1, 1, command))
  return store
}

describe('key-value state machine', () => {
  it('puts, gets, deletes and compares-and-sets', () => {
    const store = new KeyValueStore()
    expect(store.apply(1, 1, { op: 'put', key: 'x', value: '1' })).toEqual({ ok: true })
    expect(store.read({ op: 'get', key: 'x' })).toEqual({ ok: true, value: '1' })
    expect(store.apply(2, 1, { op: 'cas', key: 'x', expected: '2', value: '3' })).toEqual({ ok: false, error: 'cas-mismatch', value: '1' })
    expect(store.apply(3, 1, { op: 'cas', key: 'x', expected: '1', value: '3' })).toEqual({ ok: true })
    expect(store.apply(4, 1, { op: 'cas', key: 'y', expected: null, value: 'new' })).toEqual({ ok: true })
    expect(store.apply(5, 1, { op: 'delete', key: 'x' })).toEqual({ ok: true })
    expect(store.read({ op: 'get', key: 'x' })).toEqual({ ok: true, value: null })
  })

  it('reads a range by prefix in key order', () => {
    const store = applyAll([
      { op: 'put', key: 'user:456', value: 'b' },
      { op: 'put', key: 'order:789', value: 'c' },
      { op: 'put', key: 'user:123', value: 'a' },
    ])
    expect(store.read({ op: 'range', prefix: 'user:' })).toEqual({ ok: true, entries: [['user:123', 'a'], ['user:456', 'b']] })
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

  it('refuses to apply out of order: that would be a broken invariant, not an input error', () => {
    const store = new KeyValueStore()
    expect(() => store.apply(2, 1, { op: 'noop' })).toThrow(/out of order/)
  })
})
