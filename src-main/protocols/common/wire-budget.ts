/**
 * The lab's byte budgets. Every message a core emits and every reply a replica sends must fit in one
 * frame, so each variable-size message (a batch of entries, of requests, of events) is capped by
 * bytes, not by count (etcd's MaxSizePerMsg), and every budget is derived from frameBytesMax here so
 * the bounds cannot drift apart. A batch always carries at least one item, so progress never stops;
 * that is safe because a single item is bounded too (commandBytesMax), far below a frame.
 *
 * Pure: sizes are upper bounds computed from the values themselves (`encodedBytesMax`), so a core
 * decides the same way in the simulator and in a replica process.
 */
import type { Command } from '../types.js'

const KiB = 1024
const MiB = 1024 * KiB

/** The largest frame body any link (peer or client) carries; a larger one is refused unread. */
export const frameBytesMax = 16 * MiB
/** Kept free in each frame for what wraps a message: the peer envelope and its msgpack headers. */
export const envelopeBytesMax = 64 * KiB
/** The largest message a core may emit, or reply a replica may send: whatever fits in a frame. */
export const messageBytesMax = frameBytesMax - envelopeBytesMax

/** The largest client command (its encoded size): key, value or values (cas has two), lease. */
export const commandBytesMax = 1 * MiB
/** The largest value a client may write; a cas carries two of them plus a key in one command. */
export const valueBytesMax = 256 * KiB
/** The largest key (or range prefix) a client may name. */
export const keyBytesMax = 1 * KiB
/** The longest client id a request may carry (it travels in every entry's tag). */
export const clientIdBytesMax = 64

/**
 * Raft: entries per AppendEntries, by bytes (etcd's MaxSizePerMsg). A request always carries at
 * least one entry, so its size is at most max(appendBytesMax, one entry) plus its fixed fields.
 */
export const appendBytesMax = 1 * MiB
/**
 * Raft: unacknowledged entry bytes per follower (etcd's MaxInflightBytes), on top of the count of
 * in-flight requests: a catch-up streams at most this much before it waits for acknowledgements.
 */
export const inflightBytesMax = 32 * MiB
/** Entries in one persisted record (a WAL record): a turn's proposals are split into records of this size. */
export const entriesRecordBytesMax = 4 * MiB
/** MultiRaft: one coalesced Batch to a peer; the groups' messages of one turn are split into frames of this size. */
export const batchBytesMax = messageBytesMax
/** Primary-backup: commands shipped in one Replicate message. */
export const replicateBytesMax = 1 * MiB
/** Entries and bytes one range read may return; a larger result is refused with a clear error. */
export const rangeEntriesMax = 10_000
export const rangeBytesMax = 4 * MiB
/** Watch events pushed in one frame. */
export const watchEventsBytesMax = 1 * MiB

// Fixed-size worst cases of msgpack: a 64-bit number or a float64 takes 9 bytes, a string, array or
// map header at most 5 (a str32/array32/map32 marker and a 32-bit length).
const numberBytesMax = 9
const headerBytesMax = 5
// msgpackr encodes undefined (a fixext of 1 byte) in 3.
const undefinedBytes = 3

const nonAscii = /[^\x00-\x7f]/

/** UTF-8 length of a string, exact for well-formed text (a lone surrogate counts its replacement's 3). */
export function utf8Bytes(text: string): number {
  if (!nonAscii.test(text)) return text.length
  let bytes = 0
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index)
    if (code < 0x80) bytes += 1
    else if (code < 0x800) bytes += 2
    else if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4
        index += 1
      } else bytes += 3
    } else bytes += 3
  }
  return bytes
}

/**
 * An upper bound on the msgpack encoding of plain data (what crosses the wire and the WAL): never
 * below the real size, within a few bytes per field of it. Linear in the size of the value.
 */
export function encodedBytesMax(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return headerBytesMax + utf8Bytes(value)
    case 'number':
    case 'bigint':
      return numberBytesMax
    case 'boolean':
      return 1
    case 'undefined':
      return undefinedBytes
    case 'object': {
      if (value === null) return 1
      if (ArrayBuffer.isView(value)) return headerBytesMax + value.byteLength
      if (Array.isArray(value)) {
        let bytes = headerBytesMax
        for (const item of value) bytes += encodedBytesMax(item)
        return bytes
      }
      let bytes = headerBytesMax
      for (const key in value) {
        bytes += headerBytesMax + utf8Bytes(key) + encodedBytesMax((value as Record<string, unknown>)[key])
      }
      return bytes
    }
    default:
      throw new Error(`encodedBytesMax: ${typeof value} is not plain data`)
  }
}

/**
 * The longest prefix of `items` whose sizes sum to at most `budgetBytes`, but never empty when
 * `items` is not: one item over the budget still goes alone (a batch must make progress).
 */
export function takeWithinBudget<T>(items: readonly T[], budgetBytes: number, sizeOf: (item: T) => number, from = 0): number {
  let bytes = 0
  let end = from
  while (end < items.length) {
    const size = sizeOf(items[end]!)
    if (end > from && bytes + size > budgetBytes) break
    bytes += size
    end += 1
  }
  return end
}

/** Splits `items` into consecutive chunks of at most `budgetBytes` each (a lone oversized item alone). */
export function chunkByBytes<T>(items: readonly T[], budgetBytes: number, sizeOf: (item: T) => number): T[][] {
  if (items.length === 0) return []
  const chunks: T[][] = []
  let start = 0
  while (start < items.length) {
    const end = takeWithinBudget(items, budgetBytes, sizeOf, start)
    chunks.push(items.slice(start, end))
    start = end
  }
  return chunks
}

/**
 * Why a client command is larger than the lab accepts (a key over keyBytesMax, a value over
 * valueBytesMax, the whole over `limitBytes`), or null. Checked where a command enters a replica,
 * so no core ever holds an entry that could not travel.
 */
export function checkCommandBytes(command: Command, limitBytes = commandBytesMax): string | null {
  const key = command.op === 'range' ? command.prefix : 'key' in command ? command.key : undefined
  if (key !== undefined && utf8Bytes(key) > keyBytesMax) return `a key of ${utf8Bytes(key)} bytes is longer than the ${keyBytesMax} a key may have`
  for (const value of valuesOf(command)) {
    if (utf8Bytes(value) > valueBytesMax) return `a value of ${utf8Bytes(value)} bytes is larger than the ${valueBytesMax} a value may have`
  }
  const bytes = encodedBytesMax(command)
  if (bytes > limitBytes) return `a command of ${bytes} bytes is larger than the ${limitBytes} a command may have here`
  return null
}

/** checkCommandBytes, and the client id a request carries into every entry's tag. */
export function checkRequestBytes(request: { clientId: string; cmd: Command }, limitBytes = commandBytesMax): string | null {
  const idBytes = utf8Bytes(request.clientId)
  if (idBytes > clientIdBytesMax) return `a clientId of ${idBytes} bytes is longer than the ${clientIdBytesMax} a client id may have`
  return checkCommandBytes(request.cmd, limitBytes)
}

function valuesOf(command: Command): string[] {
  switch (command.op) {
    case 'put':
      return [command.value]
    case 'cas':
      return command.expected === null ? [command.value] : [command.expected, command.value]
    default:
      return []
  }
}
