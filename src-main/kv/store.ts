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
import { Packr } from 'msgpackr'

/** Keys and bytes one range read may return; a larger result is refused (see range below). */
export { rangeBytesMax, rangeEntriesMax }
/** Changes kept for watches; a watch from an older revision gets a "compacted" error. */
export const watchHistoryMax = 100_000
/** Dropped changes of the watch history are removed from memory in batches of at least this many (see KeyValueStore.changes). */
const changesDropBatchMin = 1024
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

/**
 * Watch history a snapshot carries, by bytes: the newest changes that fit. Changes carry their
 * values, so 100,000 of them can be gigabytes with big values; a restored store answers a watch
 * from an older revision with "compacted", as etcd does after a compaction.
 */
export const snapshotHistoryBytesMax = 1024 * 1024

/** The layout of a serialized store; bumped when it changes, and a snapshot of another version is refused. */
const snapshotVersion = 1
const snapshotPackr = new Packr({ useRecords: false, mapsAsObjects: true })

/** What a snapshot holds: everything apply() depends on and everything a watch or the checker reads. */
interface StoreSnapshot {
  v: number
  appliedIndex: number
  appliedTerm: number
  revision: number
  hash: [number, number]
  /** [key, value, lease or null], in key order so equal stores serialize to equal bytes. */
  data: [string, string, string | null][]
  /** [lease, ttlMs], in lease order; the keys attached to each are the data rows naming it. */
  leases: [string, number][]
  changes: ChangeEvent[]
}

/** A store's state at one applied index (KeyValueStore.captureSnapshot), not yet encoded. */
export interface StoreSnapshotCapture {
  v: number
  appliedIndex: number
  appliedTerm: number
  revision: number
  hash: [number, number]
  /** Unsorted: sorting is encoding work, done off the capture. */
  rows: [string, { value: string; lease?: string }][]
  leases: [string, number][]
  changes: ChangeEvent[]
}

/**
 * Rows (data rows or watch changes) one slice of an encoding holds: a slice is a short piece of
 * work on the replica's event loop (a millisecond or two for small values), never the whole store.
 */
export const snapshotRowsPerSlice = 1000

/**
 * The bytes of a captured store, in pieces: one msgpack map laid out as StoreSnapshot (the same
 * value `snapshotPackr.unpack` reads back), its two long arrays encoded `snapshotRowsPerSlice` rows
 * per piece. Each `next()` is one slice of work, so a caller can write a piece and let the event
 * loop run before asking for the next. The pieces depend on the capture alone (not on how the
 * caller paces them): equal stores give equal bytes.
 */
export function* encodeStoreSnapshot(capture: StoreSnapshotCapture): Generator<Uint8Array, void, void> {
  const fieldCount = 8
  yield Uint8Array.of(0xde, 0, fieldCount) // map16, as msgpackr writes an object
  yield concatBytes(['v', capture.v, 'appliedIndex', capture.appliedIndex, 'appliedTerm', capture.appliedTerm, 'revision', capture.revision, 'hash', capture.hash].map(packCopy))
  const rows = [...capture.rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  yield concatBytes([packCopy('data'), arrayHeader(rows.length)])
  for (let start = 0; start < rows.length; start += snapshotRowsPerSlice) {
    yield packArrayItems(rows.slice(start, start + snapshotRowsPerSlice).map(([key, { value, lease }]) => [key, value, lease ?? null]))
  }
  const leases = [...capture.leases].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  yield concatBytes([packCopy('leases'), packCopy(leases), packCopy('changes'), arrayHeader(capture.changes.length)])
  for (let start = 0; start < capture.changes.length; start += snapshotRowsPerSlice) {
    yield packArrayItems(capture.changes.slice(start, start + snapshotRowsPerSlice))
  }
}

/** A copy: msgpackr may reuse the buffer a packed value lives in for the next one. */
function packCopy(value: unknown): Uint8Array {
  return snapshotPackr.pack(value).slice()
}

/** msgpack's array header for `length` items (fixarray, array16 or array32). */
function arrayHeader(length: number): Uint8Array {
  if (length < 16) return Uint8Array.of(0x90 | length)
  if (length < 0x10000) return Uint8Array.of(0xdc, length >>> 8, length & 0xff)
  return Uint8Array.of(0xdd, length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff)
}

/** The items of an array, encoded one after the other without the array's header (the caller wrote one for all of them). */
function packArrayItems(items: unknown[]): Uint8Array {
  const packed = snapshotPackr.pack(items)
  const headerBytes = packed[0]! >= 0x90 && packed[0]! <= 0x9f ? 1 : packed[0] === 0xdc ? 3 : packed[0] === 0xdd ? 5 : -1
  if (headerBytes < 0) throw new Error(`snapshot encoding: an array of ${items.length} items packed with header byte ${packed[0]}`)
  return packed.slice(headerBytes)
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((total, part) => total + part.length, 0))
  let offset = 0
  for (const part of parts) {
    bytes.set(part, offset)
    offset += part.length
  }
  return bytes
}

export class KeyValueStore {
  /** Changes kept for watches (watchHistoryMax unless a test asks for fewer). */
  constructor(private readonly historyMax = watchHistoryMax) {}

  private readonly data = new Map<string, { value: string; lease?: string }>()
  readonly leases = new Map<string, Lease>()
  /**
   * Newest last; the history is changes[changesFrom..], at most historyMax of them. The changes
   * before changesFrom are dropped in batches (dropping the oldest one from a full array at every
   * apply moved the whole array each time: ~0.3 ms an apply at 100,000 changes on a loaded machine).
   */
  private changes: ChangeEvent[] = []
  /**
   * encodedBytesMax of each change, in step with `changes`: a snapshot finds the newest changes that
   * fit its budget by summing these, not by measuring thousands of changes while the replica waits.
   */
  private changeBytes: number[] = []
  private changesFrom = 0
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

  /**
   * The whole state as bytes (Raft §7 snapshots): contents, leases and the keys attached to them,
   * the watch history and revision, the applied index and term, and the applied-sequence hash.
   * Deterministic: two stores that applied the same sequence give the same bytes.
   */
  serialize(): Uint8Array {
    return concatBytes([...encodeStoreSnapshot(this.captureSnapshot())])
  }

  /**
   * The state as it stands now, for encodeStoreSnapshot to turn into the bytes of `serialize` later,
   * slice by slice, while this store goes on applying (a replica snapshots without stalling). Cheap:
   * it copies references, not values (a key's value object is replaced by every put, never changed,
   * and a change event is never changed once recorded).
   */
  captureSnapshot(): StoreSnapshotCapture {
    return {
      v: snapshotVersion,
      appliedIndex: this.appliedIndex,
      appliedTerm: this.appliedTerm,
      revision: this.revision,
      hash: [this.hashHigh, this.hashLow],
      rows: [...this.data],
      leases: [...this.leases].map(([lease, { ttlMs }]): [string, number] => [lease, ttlMs]),
      changes: newestWithin(this.changes, this.changeBytes, this.changesFrom, snapshotHistoryBytesMax),
    }
  }

  /** A store as `serialize` left it; a damaged or foreign snapshot is a clear error, never a half-restored store. */
  static restore(bytes: Uint8Array, historyMax = watchHistoryMax): KeyValueStore {
    let snapshot: StoreSnapshot
    try {
      snapshot = snapshotPackr.unpack(bytes) as StoreSnapshot
    } catch (error) {
      throw new Error(`state machine snapshot of ${bytes.length} bytes cannot be decoded: ${(error as Error).message}`)
    }
    const problem = snapshotProblem(snapshot)
    if (problem !== undefined) throw new Error(`state machine snapshot of ${bytes.length} bytes: ${problem}`)
    const store = new KeyValueStore(historyMax)
    store.appliedIndex = snapshot.appliedIndex
    store.appliedTerm = snapshot.appliedTerm
    store.revision = snapshot.revision
    ;[store.hashHigh, store.hashLow] = snapshot.hash
    for (const [lease, ttlMs] of snapshot.leases) store.leases.set(lease, { ttlMs, keys: new Set() })
    for (const [key, value, lease] of snapshot.data) {
      if (lease === null) {
        store.data.set(key, { value })
        continue
      }
      const attached = store.leases.get(lease)
      if (attached === undefined) throw new Error(`state machine snapshot: key ${JSON.stringify(key)} names lease ${lease}, which it does not hold`)
      store.data.set(key, { value, lease })
      attached.keys.add(key)
    }
    for (const change of snapshot.changes.slice(-historyMax)) store.keepChange(change)
    return store
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
    const since: ChangeEvent[] = []
    for (let at = this.changesFrom; at < this.changes.length; at += 1) if (this.changes[at]!.revision >= fromRevision) since.push(this.changes[at]!)
    return since
  }

  /** Revisions at or below this one are no longer available to watches. */
  compactedRevision(): number {
    const oldest = this.changes[this.changesFrom]?.revision
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
    this.keepChange(change)
    this.lastChanges.push(change)
  }

  private keepChange(change: ChangeEvent): void {
    this.changes.push(change)
    this.changeBytes.push(encodedBytesMax(change))
    this.changesFrom = Math.max(this.changesFrom, this.changes.length - this.historyMax)
    if (this.changesFrom < Math.max(changesDropBatchMin, this.historyMax / 4)) return
    this.changes = this.changes.slice(this.changesFrom)
    this.changeBytes = this.changeBytes.slice(this.changesFrom)
    this.changesFrom = 0
  }

  private mixHash(term: number, command: Command): void {
    const [high, low] = hash64(`${this.hashHigh}:${this.hashLow}:${term}:${commandKey(command)}`)
    this.hashHigh = high
    this.hashLow = low
  }
}

function newestWithin(changes: readonly ChangeEvent[], changeBytes: readonly number[], from: number, bytesMax: number): ChangeEvent[] {
  let bytes = 0
  let start = changes.length
  while (start > from) {
    bytes += changeBytes[start - 1]!
    if (bytes > bytesMax) break
    start -= 1
  }
  return changes.slice(start)
}

function snapshotProblem(snapshot: StoreSnapshot): string | undefined {
  if (typeof snapshot !== 'object' || snapshot === null) return 'not an object'
  if (snapshot.v !== snapshotVersion) return `version ${String(snapshot.v)}, this build reads version ${snapshotVersion}`
  const counts = [snapshot.appliedIndex, snapshot.appliedTerm, snapshot.revision]
  if (!counts.every((count) => Number.isSafeInteger(count) && count >= 0)) return 'appliedIndex, appliedTerm and revision must be non-negative integers'
  if (!Array.isArray(snapshot.hash) || snapshot.hash.length !== 2 || !snapshot.hash.every(Number.isInteger)) return 'hash must be two integers'
  if (!Array.isArray(snapshot.data) || !snapshot.data.every((row) => Array.isArray(row) && typeof row[0] === 'string' && typeof row[1] === 'string' && (row[2] === null || typeof row[2] === 'string'))) {
    return 'data must be [key, value, lease|null] rows'
  }
  if (!Array.isArray(snapshot.leases) || !snapshot.leases.every((row) => Array.isArray(row) && typeof row[0] === 'string' && typeof row[1] === 'number')) {
    return 'leases must be [lease, ttlMs] rows'
  }
  if (!Array.isArray(snapshot.changes)) return 'changes must be an array'
  return undefined
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
