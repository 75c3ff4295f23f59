/**
 * Canonical bytes: what digests and MACs are computed over. JSON with sorted keys, so the bytes
 * do not depend on field order after a msgpack round trip. Undefined fields are skipped (as
 * JSON.stringify does) while null is kept: `cas` with `expected: null` must not collide with a
 * command that lacks the field.
 */
import type { ClientRequest, PbftCrypto, PbftMessage, Unsigned } from './types.js'
import type { CommandResult } from '../types.js'

const encoder = new TextEncoder()

export function stableJson(value: unknown): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
      // Validation rejects non-integers before anything is verified; this only keeps the function total.
      return Number.isFinite(value) ? String(value) : 'null'
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object':
      return Array.isArray(value) ? stableArray(value) : stableObject(value as Record<string, unknown>)
    default:
      return 'null'
  }
}

function stableArray(items: unknown[]): string {
  let text = '['
  for (let index = 0; index < items.length; index += 1) {
    if (index > 0) text += ','
    text += items[index] === undefined ? 'null' : stableJson(items[index])
  }
  return text + ']'
}

/** `omitted`: keys left out as if undefined (a message's authenticator), so no copy of the object is made without them. */
function stableObject(object: Record<string, unknown>, omitted?: ReadonlySet<string>): string {
  const keys = Object.keys(object).sort()
  let text = '{'
  let first = true
  for (const key of keys) {
    const item = object[key]
    if (item === undefined || omitted?.has(key)) continue
    text += (first ? '' : ',') + JSON.stringify(key) + ':' + stableJson(item)
    first = false
  }
  return text + '}'
}

/**
 * The bytes a message's authenticator covers: everything but the authenticator itself, and for a
 * pre-prepare everything but the batch (the digest covers it, as in the paper, so the MAC stays
 * cheap; receivers recompute the digest).
 */
export function canonicalBytes(message: Unsigned | PbftMessage): Uint8Array {
  const omitted = message.type === 'PrePrepare' ? prePrepareUnsigned : unsigned
  return encoder.encode(stableObject(message as unknown as Record<string, unknown>, omitted))
}

const unsigned: ReadonlySet<string> = new Set(['auth'])
const prePrepareUnsigned: ReadonlySet<string> = new Set(['auth', 'batch'])

/** A result's digest as a digest reply carries it (TOCS §5.1.1); `digest` is PbftCrypto's. */
export function resultDigestOf(digest: (bytes: Uint8Array) => string, result: CommandResult): string {
  return digest(encoder.encode(stableJson(result)))
}

export function batchDigest(crypto: PbftCrypto, batch: ClientRequest[]): string {
  return crypto.digest(encoder.encode(stableJson(batch)))
}

/** What a view-change acknowledgement names: the message without its authenticator. */
export function messageDigest(crypto: PbftCrypto, message: PbftMessage): string {
  return crypto.digest(canonicalBytes(message))
}

/** The checkpoint state digest before anything executed. */
export function genesisChain(crypto: PbftCrypto): string {
  return crypto.digest(encoder.encode('pbft-genesis'))
}

/** The hash chain over executed batches: chain(n) = H(chain(n-1) | n | digest(batch n)). */
export function chainNext(crypto: PbftCrypto, previous: string, seq: number, digest: string): string {
  return crypto.digest(encoder.encode(`${previous}|${seq}|${digest}`))
}

/** A digest no honest replica would produce for this input; used by the Byzantine behaviours. */
export function tamperedDigest(crypto: PbftCrypto, label: string, digest: string): string {
  return crypto.digest(encoder.encode(`${label}|${digest}`))
}
