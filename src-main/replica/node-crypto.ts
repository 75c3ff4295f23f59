/**
 * The real authenticators, with node:crypto: SHA-256 digests and HMAC-SHA256 MACs with one key per
 * unordered pair of replicas. Keys are derived from a shared lab secret so every replica process
 * can compute its own; a deployment would exchange pairwise session keys instead (TOCS §3.2). It
 * lives with the replica, which injects it into the core, so the pure PBFT folder never imports node.
 */
import * as crypto from 'node:crypto'
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { NodeId } from '../protocols/types.js'
import type { PbftCrypto } from '../protocols/pbft/types.js'

/**
 * Node's one-shot hash (20.12 and later; an Electron with an older Node lacks it): for inputs of a
 * few hundred bytes, as a PBFT digest's are, about a quarter of createHash's CPU, which builds a
 * Hash object per call.
 */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: Uint8Array, outputEncoding: 'base64') => string }).hash

/** PBFT's digest on real processes: SHA-256, base64. Clients use it too, to match digest replies (TOCS §5.1.1). */
export const sha256Digest: (bytes: Uint8Array) => string = oneShotHash
  ? (bytes) => oneShotHash('sha256', bytes, 'base64')
  : (bytes) => createHash('sha256').update(bytes).digest('base64')

export function nodeCrypto(secret: string, members: readonly NodeId[]): PbftCrypto {
  const keys = new Map<string, Buffer>()
  const pairKey = (a: NodeId, b: NodeId): Buffer => {
    const [low, high] = a < b ? [a, b] : [b, a]
    const name = `${low}\u0000${high}`
    let key = keys.get(name)
    if (!key) {
      if (!members.includes(a) || !members.includes(b)) throw new Error(`no PBFT key for ${a} -> ${b}: not both members`)
      key = createHmac('sha256', secret).update(`pbft-pair\u0000${name}`).digest()
      keys.set(name, key)
    }
    return key
  }
  // Per directed pair, once: its key and the direction that opens every MAC input. Building the
  // pair's name and the prefix for every MAC cost as much as a tenth of the MAC itself.
  const directed = new Map<NodeId, Map<NodeId, { key: Buffer; direction: Buffer }>>()
  const link = (from: NodeId, to: NodeId): { key: Buffer; direction: Buffer } => {
    let fromLinks = directed.get(from)
    if (!fromLinks) directed.set(from, (fromLinks = new Map()))
    let found = fromLinks.get(to)
    if (!found) fromLinks.set(to, (found = { key: pairKey(from, to), direction: Buffer.from(`${from}>${to}\u0000`) }))
    return found
  }
  // The direction is part of the MAC input, so A's MAC to B is not also a valid MAC from B to A.
  const macBytes = (from: NodeId, to: NodeId, bytes: Uint8Array): Buffer => {
    const { key, direction } = link(from, to)
    return createHmac('sha256', key).update(direction).update(bytes).digest()
  }
  return {
    digest: sha256Digest,
    mac: (from, to, bytes) => macBytes(from, to, bytes).toString('base64'),
    verify: (from, to, bytes, received) => {
      if (!members.includes(from) || !members.includes(to)) return false
      const expected = macBytes(from, to, bytes)
      const actual = Buffer.from(received, 'base64')
      return actual.length === expected.length && timingSafeEqual(actual, expected)
    },
  }
}
