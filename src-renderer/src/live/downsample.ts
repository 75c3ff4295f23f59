/**
 * Downsampling for charts: a chart never draws more points than its canvas has pixels to show.
 * Pure functions; inputs are [x, y] pairs sorted by x.
 */
export type Point = [number, number]

/**
 * Largest-Triangle-Three-Buckets (Steinarsson 2013): keeps the first and last point and, per bucket,
 * the point that spans the largest triangle with its neighbours, so peaks survive.
 */
export function lttb(points: Point[], threshold: number): Point[] {
  if (threshold >= points.length || threshold < 3) return points.slice()
  const sampled: Point[] = [points[0]]
  const bucketSize = (points.length - 2) / (threshold - 2)
  let previous = 0
  for (let bucket = 0; bucket < threshold - 2; bucket += 1) {
    const nextStart = Math.floor((bucket + 1) * bucketSize) + 1
    const nextEnd = Math.min(Math.floor((bucket + 2) * bucketSize) + 1, points.length)
    let averageX = 0
    let averageY = 0
    for (let i = nextStart; i < nextEnd; i += 1) {
      averageX += points[i][0]
      averageY += points[i][1]
    }
    const nextCount = Math.max(nextEnd - nextStart, 1)
    averageX /= nextCount
    averageY /= nextCount
    const start = Math.floor(bucket * bucketSize) + 1
    const end = Math.floor((bucket + 1) * bucketSize) + 1
    const [ax, ay] = points[previous]
    let largest = -1
    let chosen = start
    for (let i = start; i < end; i += 1) {
      const area = Math.abs((ax - averageX) * (points[i][1] - ay) - (ax - points[i][0]) * (averageY - ay))
      if (area > largest) {
        largest = area
        chosen = i
      }
    }
    sampled.push(points[chosen])
    previous = chosen
  }
  sampled.push(points[points.length - 1])
  return sampled
}

/**
 * Min/max buckets: per x-bucket the lowest and the highest point, in x order. Keeps every spike
 * and dip (lag bursts, commit stalls) at 2 points per bucket; null y (gaps) are kept as gaps.
 */
export function minMaxBuckets(points: [number, number | null][], buckets: number): [number, number | null][] {
  if (points.length <= buckets * 2) return points.slice()
  const x0 = points[0][0]
  const width = (points[points.length - 1][0] - x0) / buckets || 1
  const out: [number, number | null][] = []
  let bucket = -1
  let low: [number, number] | undefined
  let high: [number, number] | undefined
  let gap: [number, null] | undefined
  const flush = () => {
    const kept = [low, high, gap].filter((p): p is [number, number] | [number, null] => p !== undefined)
    kept.sort((a, b) => a[0] - b[0])
    for (const p of kept) if (out[out.length - 1] !== p) out.push(p)
    low = high = gap = undefined
  }
  for (const point of points) {
    const index = Math.min(Math.floor((point[0] - x0) / width), buckets - 1)
    if (index !== bucket) {
      flush()
      bucket = index
    }
    const y = point[1]
    if (y === null) gap ??= point as [number, null]
    else {
      if (low === undefined || y < low[1]) low = point as [number, number]
      if (high === undefined || y > high[1]) high = point as [number, number]
    }
  }
  flush()
  return out
}

/** Mean per x-bucket: for rates (throughput), where the average is the honest summary. */
export function meanBuckets(points: Point[], buckets: number): Point[] {
  if (points.length <= buckets) return points.slice()
  const x0 = points[0][0]
  const width = (points[points.length - 1][0] - x0) / buckets || 1
  const sums = new Map<number, { x: number; y: number; n: number }>()
  for (const [x, y] of points) {
    const index = Math.min(Math.floor((x - x0) / width), buckets - 1)
    const sum = sums.get(index) ?? { x: 0, y: 0, n: 0 }
    sum.x += x
    sum.y += y
    sum.n += 1
    sums.set(index, sum)
  }
  return [...sums.values()].map((sum) => [sum.x / sum.n, sum.y / sum.n])
}

/**
 * Scatter thinning: per time bucket keep the fastest, the slowest and the first sample, so outliers
 * (the interesting latencies) are never thinned away. Samples need not be sorted by time.
 */
export function thinScatter<T extends { t: number; ms: number }>(samples: T[], pointsMax: number): T[] {
  if (samples.length <= pointsMax) return samples.slice()
  const buckets = Math.max(1, Math.floor(pointsMax / 3))
  let t0 = Number.POSITIVE_INFINITY
  let t1 = Number.NEGATIVE_INFINITY
  for (const sample of samples) {
    if (sample.t < t0) t0 = sample.t
    if (sample.t > t1) t1 = sample.t
  }
  const width = (t1 - t0) / buckets || 1
  const first: (T | undefined)[] = new Array(buckets)
  const fastest: (T | undefined)[] = new Array(buckets)
  const slowest: (T | undefined)[] = new Array(buckets)
  for (const sample of samples) {
    const index = Math.min(Math.floor((sample.t - t0) / width), buckets - 1)
    first[index] ??= sample
    if (fastest[index] === undefined || sample.ms < (fastest[index] as T).ms) fastest[index] = sample
    if (slowest[index] === undefined || sample.ms > (slowest[index] as T).ms) slowest[index] = sample
  }
  const out: T[] = []
  for (let i = 0; i < buckets; i += 1) {
    for (const sample of new Set([first[i], fastest[i], slowest[i]])) if (sample !== undefined) out.push(sample)
  }
  return out
}

/** The q-quantile (0..1) of values sorted ascending, nearest-rank. */
export function quantileSorted(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank]
}
