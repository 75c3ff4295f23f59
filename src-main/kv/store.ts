/**
 * The replicated key-value state machine, etcd-flavoured: a revision counter bumped by every change,
 * leases that keys can be attached to, and a bounded history of changes that watches replay from.
 *
 * Deterministic: the same command sequence gives the same state, results and revisions on every
 * replica. Nothing here reads a clock: a lease ends only when a revoke (its `expired` flag set by
 * the leader, which alone decides expiry) comes through the log. A chained hash of the applied
 * sequence lets the checker compare replicas cheaply (equal hash at index i ⇔ equal applied prefix).
 */
import type { Command, CommandResult } from '../protocols/types.js'
import { assertNever } from '../protocols/types.js'
import { encodedBytesMax, rangeBytesMax, rangeEntriesMax } from '../protocols/common/wire-budget.js'

/** Keys and bytes one range read may return; a larger result is refused (see range below). */
export { rangeBytesMax, rangeEntriesMax }
/** Changes kept for watches; a watch from an older revision gets a "compacted" error. */
export const watchHistoryMax = 100_000
/** Leases alive at once. */
export const leasesMax = 100_000

export interface ChangeEvent {
  revision: number
  type: 'put' | 'delete'
  key: string
  value?: string
  /** The lease that ended, when a revoke or an expiry deleted the key. */
  lease?: string
}

export interface Lease {
  ttlMs: number
  keys: Set<string>
}

export class KeyValueStore {
  /** Changes kept for watches (watchHistoryMax unless a test asks for fewer). */
  constructor(private readonly historyMax = watchHistoryMax) {}

  private readonly data = new Map<string, { value: string; lease?: string }>()
  readonly leases = new Map<string, Lease>()
  /** Newest last; bounded by watchHistoryMax. */
  private readonly changes: ChangeEvent[] = []
  private hashHigh = 0
  private hashLow = 0
  appliedIndex = 0
  appliedTerm = 0
  /** Incremented by every change to a key, as etcd's revision. */
  revision = 0
  /** Changes made by the latest apply, for the watches. */
  lastChanges: ChangeEvent[] = []

  apply(index: number, term: number, command: Command): CommandResult {
    if (index !== this.appliedIndex + 1) {
      throw new Error(`state machine applied out of order: got index ${index} after ${this.appliedIndex}`)
    }
    this.appliedIndex = index
    this.appliedTerm = term
    this.mixHash(term, command)
    this.lastChanges = []
    return this.execute(command)
  }

  /** A read served outside the log (ReadIndex, lease or follower read): no index, no hash change. */
  read(command: Command): CommandResult {
    if (command.op !== 'get' && command.op !== 'range') throw new Error(`read path given a ${command.op}`)
    return this.execute(command)
  }

  /**
   * The changes with revision >= fromRevision, or undefined when some of them were compacted away.
   */
  changesSince(fromRevision: number): ChangeEvent[] | undefined {
    if (fromRevision <= this.compactedRevision()) return undefined
    return this.changes.filter((change) => change.revision >= fromRevision)
  }

  /** Revisions at or below this one are no longer available to watches. */
  compactedRevision(): number {
    const oldest = this.changes[0]?.revision
    return oldest === undefined ? this.revision : oldest - 1
  }

  get applyHash(): string {
    return (this.hashHigh >>> 0).toString(16).padStart(8, '0') + (this.hashLow >>> 0).toString(16).padStart(8, '0')
  }

  get size(): number {
    return this.data.size
  }

  /** The first `max` keys in key order, with their values. */
  sample(max: number): [string, string][] {
    return [...this.data.keys()].sort().slice(0, max).map((key) => [key, this.data.get(key)!.value])
  }

  /** Order-independent digest of the current contents, for comparing final states. */
  digest(): string {
    let high = 0
    let low = 0
    for (const [key, { value }] of this.data) {
      const [h, l] = hash64(`${key}\u0000${value}`)
      high = (high + h) | 0
      low = (low ^ l) | 0
    }
    return (high >>> 0).toString(16).padStart(8, '0') + (low >>> 0).toString(16).padStart(8, '0')
  }

  private execute(command: Command): CommandResult {
    switch (command.op) {
      case 'put':
        return this.put(command.key, command.value, command.lease)
      case 'delete':
        if (this.data.has(command.key)) this.remove(command.key)
        return { ok: true, revision: this.revision }
      case 'cas': {
        const current = this.data.get(command.key)?.value ?? null
        if (current !== command.expected) return { ok: false, error: 'cas-mismatch', value: current }
        return this.put(command.key, command.value, this.data.get(command.key)?.lease)
      }
      case 'get':
        return { ok: true, value: this.data.get(command.key)?.value ?? null, revision: this.revision }
      case 'range':
        return this.range(command.prefix)
      case 'lease-grant':
        if (this.leases.has(command.lease)) return { ok: false, error: 'invalid', message: `lease ${command.lease} already exists` }
        if (this.leases.size >= leasesMax) return { ok: false, error: 'invalid', message: `too many leases (at most ${leasesMax})` }
        this.leases.set(command.lease, { ttlMs: command.ttlMs, keys: new Set() })
        return { ok: true, revision: this.revision }
      case 'lease-keepalive':
        return this.leases.has(command.lease) ? { ok: true, revision: this.revision } : unknownLease(command.lease)
      case 'lease-revoke':
        return this.revoke(command.lease)
      case 'noop':
        return { ok: true }
      default:
        return assertNever(command, 'command')
    }
  }

  private put(key: string, value: string, lease: string | undefined): CommandResult {
    if (lease !== undefined && !this.leases.has(lease)) return unknownLease(lease)
    const previous = this.data.get(key)
    if (previous?.lease !== undefined) this.leases.get(previous.lease)?.keys.delete(key)
    this.data.set(key, lease === undefined ? { value } : { value, lease })
    if (lease !== undefined) this.leases.get(lease)!.keys.add(key)
    this.record({ revision: ++this.revision, type: 'put', key, value })
    return { ok: true, revision: this.revision }
  }

  private remove(key: string, endedLease?: string): void {
    const previous = this.data.get(key)
    if (previous?.lease !== undefined) this.leases.get(previous.lease)?.keys.delete(key)
    this.data.delete(key)
    const change: ChangeEvent = { revision: ++this.revision, type: 'delete', key }
    if (endedLease !== undefined) change.lease = endedLease
    this.record(change)
  }

  private revoke(leaseId: string): CommandResult {
    const lease = this.leases.get(leaseId)
    if (!lease) return unknownLease(leaseId)
    for (const key of [...lease.keys].sort()) this.remove(key, leaseId)
    this.leases.delete(leaseId)
    return { ok: true, revision: this.revision }
  }

  /**
   * Every key under the prefix, in key order, or a refusal when they would not fit in one reply
   * (more than rangeEntriesMax keys or rangeBytesMax bytes). Refused, not cut short: a partial
   * answer would read as the whole range. The refusal depends on the state alone, so every replica
   * gives the same one, through the log or not.
   */
  private range(prefix: string): CommandResult {
    const entries: [string, string][] = []
    let bytes = 0
    for (const [key, { value }] of this.data) {
      if (!key.startsWith(prefix)) continue
      entries.push([key, value])
      bytes += encodedBytesMax(key) + encodedBytesMax(value)
      if (entries.length > rangeEntriesMax || bytes > rangeBytesMax) {
        const message = `range over prefix ${JSON.stringify(prefix)} matches more than ${rangeEntriesMax} keys or more than ${rangeBytesMax} bytes, more than one reply carries: narrow the prefix`
        return { ok: false, error: 'invalid', message }
      }
    }
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    return { ok: true, entries, revision: this.revision }
  }

  private record(change: ChangeEvent): void {
    this.changes.push(change)
    this.lastChanges.push(change)
    if (this.changes.length > this.historyMax) this.changes.splice(0, this.changes.length - this.historyMax)
  }

  private mixHash(term: number, command: Command): void {
    const [high, low] = hash64(`${this.hashHigh}:${this.hashLow}:${term}:${commandKey(command)}`)
    this.hashHigh = high
    this.hashLow = low
  }
}

function unknownLease(lease: string): CommandResult {
  return { ok: false, error: 'invalid', message: `no lease ${lease} (it expired, was revoked, or never existed)` }
}

function commandKey(command: Command): string {
  switch (command.op) {
    case 'put':
      return `p\u0000${command.key}\u0000${command.value}\u0000${command.lease ?? ''}`
    case 'delete':
      return `d\u0000${command.key}`
    case 'cas':
      return `c\u0000${command.key}\u0000${command.expected ?? '\u0001'}\u0000${command.value}`
    case 'get':
      return `g\u0000${command.key}`
    case 'range':
      return `r\u0000${command.prefix}`
    case 'lease-grant':
      return `lg\u0000${command.lease}\u0000${command.ttlMs}`
    case 'lease-keepalive':
      return `lk\u0000${command.lease}`
    case 'lease-revoke':
      return `lr\u0000${command.lease}\u0000${command.expired ? 1 : 0}`
    case 'noop':
      return 'n'
    default:
      return assertNever(command, 'command')
  }
}

/** cyrb53-style 64-bit string hash as two 32-bit halves; fast and well mixed, not cryptographic. */
export function hash64(text: string): [number, number] {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index)
    h1 = Math.imul(h1 ^ code, 2654435761)
    h2 = Math.imul(h2 ^ code, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return [h1 >>> 0, h2 >>> 0]
}
