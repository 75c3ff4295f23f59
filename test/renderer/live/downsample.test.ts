import { describe, expect, it } from 'vitest'
import { lttb, meanBuckets, minMaxBuckets, quantileSorted, thinScatter, type Point } from '../../../src-renderer/src/live/downsample'

const wave = (n: number): Point[] => Array.from({ length: n }, (_, i) => [i, Math.sin(i / 50) * 100 + (i === 5000 ? 1000 : 0)])

describe('downsampling keeps what a chart must show', () => {
  it('LTTB returns exactly the threshold, keeps both ends and the spike', () => {
    const points = wave(10_000)
    const sampled = lttb(points, 500)
    expect(sampled).toHaveLength(500)
    expect(sampled[0]).toEqual(points[0])
    expect(sampled[499]).toEqual(points[9999])
    expect(Math.max(...sampled.map((p) => p[1]))).toBe(Math.max(...points.map((p) => p[1])))
  })

  it('min/max buckets keep every extreme and stay in x order, gaps included', () => {
    const points: [number, number | null][] = wave(10_000)
    points[7000] = [7000, null]
    const sampled = minMaxBuckets(points, 200)
    expect(sampled.length).toBeLessThanOrEqual(600)
    expect(sampled.some((p) => p[1] === null)).toBe(true)
    expect(Math.max(...sampled.map((p) => p[1] ?? -Infinity))).toBe(1000 + Math.sin(100) * 100)
    for (let i = 1; i < sampled.length; i += 1) expect(sampled[i][0]).toBeGreaterThanOrEqual(sampled[i - 1][0])
  })

  it('mean buckets average rates', () => {
    const sampled = meanBuckets(Array.from({ length: 100 }, (_, i) => [i, i % 2 === 0 ? 0 : 10] as Point), 10)
    expect(sampled).toHaveLength(10)
    for (const [, y] of sampled) expect(y).toBeCloseTo(5, 5)
  })

  it('scatter thinning never drops the slowest request', () => {
    const samples = Array.from({ length: 20_000 }, (_, i) => ({ t: i, ms: i === 12_345 ? 999 : 1 }))
    const thinned = thinScatter(samples, 600)
    expect(thinned.length).toBeLessThanOrEqual(600)
    expect(thinned.some((s) => s.ms === 999)).toBe(true)
  })

  it('nearest-rank quantiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(quantileSorted(sorted, 0.5)).toBe(50)
    expect(quantileSorted(sorted, 0.99)).toBe(99)
    expect(quantileSorted([], 0.5)).toBeNaN()
  })
})
