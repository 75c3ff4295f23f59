import type { MessageAuth } from '../protocols/descriptor.js'
import type { NodeId } from '../protocols/types.js'

/**
 * Authenticators for the simulator (every core is given them; PBFT uses them): a keyed 64-bit hash
 * instead of HMAC-SHA256. The simulator checks the protocol, not the cryptography: a Byzantine
 * replica here never computes another replica's MAC (forge-auth sends garbage), so a fast,
 * deterministic stand-in is enough.
 */
/** A keyed 64-bit hash (two FNV-style lanes), as 16 hex digits: fast and deterministic, not cryptographic. */
export function keyedHash(key: string, bytes: Uint8Array): string {
  let low = 0x811c9dc5
  let high = 0x9e3779b9
  for (let index = 0; index < key.length; index += 1) {
    low = Math.imul(low ^ key.charCodeAt(index), 0x01000193)
    high = Math.imul(high ^ key.charCodeAt(index), 0x5bd1e995)
  }
  for (let index = 0; index < bytes.length; index += 1) {
    low = Math.imul(low ^ bytes[index], 0x01000193)
    high = Math.imul(high ^ bytes[index], 0x5bd1e995) ^ (high >>> 15)
  }
  return (low >>> 0).toString(16).padStart(8, '0') + (high >>> 0).toString(16).padStart(8, '0')
}

export function simCrypto(members: readonly NodeId[]): MessageAuth {
  const mac = (from: NodeId, to: NodeId, bytes: Uint8Array): string => keyedHash(`mac:${from}>${to}`, bytes)
  return {
    digest: (bytes) => keyedHash('digest', bytes),
    mac,
    verify: (from, to, bytes, received) => members.includes(from) && members.includes(to) && mac(from, to, bytes) === received,
  }
}
