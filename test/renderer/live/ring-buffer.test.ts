import { describe, expect, it } from 'vitest'
import { RingBuffer } from '../../../src-renderer/src/live/ring-buffer'

describe('RingBuffer', () => {
  it('never holds more than its capacity and drops the oldest first', () => {
    const ring = new RingBuffer<number>(3)
    for (let i = 1; i <= 5; i += 1) ring.push(i)
    expect(ring.size).toBe(3)
    expect(ring.toArray()).toEqual([3, 4, 5])
    expect(ring.dropped).toBe(2)
    expect(ring.at(0)).toBe(3)
    expect(ring.at(-1)).toBe(5)
    expect(ring.at(3)).toBeUndefined()
  })

  it('finds a key range by binary search in insertion order', () => {
    const ring = new RingBuffer<{ t: number }>(10)
    for (let t = 0; t < 15; t += 1) ring.push({ t })
    expect(ring.range((item) => item.t, 7, 9).map((item) => item.t)).toEqual([7, 8, 9])
    expect(ring.range((item) => item.t, 0, 5).map((item) => item.t)).toEqual([5])
    expect(ring.range((item) => item.t, 20, 30)).toEqual([])
  })

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow(/positive integer/)
  })
})
