/**
 * Authenticators: one MAC per member, each with the pairwise key of (sender, receiver).
 * A receiver checks only its own entry; because every entry is present, a message stays
 * checkable after it is relayed inside a certificate.
 */
import type { NodeId } from '../types.js'
import { canonicalBytes } from './canonical.js'
import type { PbftCrypto, PbftMessage, Unsigned } from './types.js'

/**
 * Canonical bytes per message object. Messages are never mutated after they are built (a rewrite
 * makes a new object), so the memo is safe; it saves re-encoding a broadcast once per receiver
 * when the receivers share the object (the simulator does).
 */
const bytesMemo = new WeakMap<object, Uint8Array>()

function bytesOf(message: PbftMessage): Uint8Array {
  let bytes = bytesMemo.get(message)
  if (!bytes) {
    bytes = canonicalBytes(message)
    bytesMemo.set(message, bytes)
  }
  return bytes
}

export function sign<M extends PbftMessage>(crypto: PbftCrypto, members: readonly NodeId[], message: Unsigned<M>): M {
  const bytes = canonicalBytes(message)
  const auth = members.map((to) => crypto.mac(message.replica, to, bytes))
  const signed = { ...message, auth } as unknown as M
  bytesMemo.set(signed, bytes)
  return signed
}

/** True when the entry for `me` is a valid MAC from `message.replica`. */
export function verifyFor(
  crypto: PbftCrypto,
  members: readonly NodeId[],
  me: NodeId,
  myIndex: number,
  message: PbftMessage,
): boolean {
  if (!members.includes(message.replica)) return false
  const mac = message.auth[myIndex]
  if (typeof mac !== 'string' || mac.length === 0) return false
  return crypto.verify(message.replica, me, bytesOf(message), mac)
}
