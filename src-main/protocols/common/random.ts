import type { Random } from '../types.js'

/**
 * sfc32: a small, fast generator with a 128-bit state; good enough for timeouts and fault draws,
 * and identical on every platform, which is what replays need.
 */
export function seededRandom(seed: number, stream = ''): Random {
  let a = 0x9e3779b9 ^ (seed >>> 0)
  let b = hashString(stream) ^ 0x243f6a88
  let c = Math.imul(seed >>> 0, 0x85ebca6b) ^ 0xb7e15162
  let d = 1
  const next = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
  for (let warmup = 0; warmup < 12; warmup += 1) next()
  return next
}

/** FNV-1a, for deriving per-node streams from one seed. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

/** Uniform integer in [low, high]. */
export function randomInt(random: Random, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1))
}
