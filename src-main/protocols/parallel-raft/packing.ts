/**
 * Look-behind buffers packed for the wire and the WAL. An entry's buffer names what the N entries
 * before it touch, so sent in full every entry costs N key lists: with N = 64 that was five times
 * Raft's bytes per operation and most of the leader's encoding time (README, "Benchmarks").
 *
 * Within a run of consecutive entries the buffers repeat each other: the buffer of entry i is what
 * entry i - 1 touches followed by entry i - 1's own buffer, cut to length. So an entry that directly
 * follows its predecessor in the same list, and whose buffer is exactly that, carries `chained` (its
 * buffer's length) instead of `behind`; every other entry carries its buffer in full. Packing checks
 * the identity entry by entry (merged entries keep the buffers their first leader wrote, which need
 * not chain), so unpacking gives back exactly what was packed.
 */
import { keysOf, type TouchedKeys } from './keys.js'
import type { Entry, Slot } from './messages.js'

/** An entry on the wire or in the WAL: `behind` in full, or `chained` to the entry before it in its list. */
export type Packed<E extends Entry> = Omit<E, 'behind'> & ({ behind: TouchedKeys[]; chained?: undefined } | { behind?: undefined; chained: number })

export function packEntries<E extends Entry | Slot>(entries: readonly E[]): Packed<E>[] {
  return entries.map((entry, position): Packed<E> => {
    const previous = entries[position - 1]
    if (previous === undefined || previous.index !== entry.index - 1 || entry.behind.length === 0 || !chainsTo(entry.behind, previous)) return entry
    return withBehind(entry, { chained: entry.behind.length }) as Packed<E>
  })
}

/** The entries as packed; a chained entry without its predecessor right before it is an error (checkChains says which). */
export function unpackEntries<E extends Entry | Slot>(packed: readonly Packed<E>[]): E[] {
  const entries: E[] = []
  for (const [position, item] of packed.entries()) {
    if (item.chained === undefined) {
      entries.push(item as unknown as E)
      continue
    }
    const previous = entries[position - 1]
    if (previous === undefined || previous.index !== item.index - 1) throw new Error(`parallel-raft: entry ${item.index} is chained to an entry its list does not hold`)
    entries.push(withBehind(item, { behind: chainedBehind(previous, item.chained) }) as E)
  }
  return entries
}

/** Why a packed list cannot be unpacked, or null: each chained entry must follow the entry just below it. */
export function checkChains(packed: readonly { index: number; chained?: number }[]): string | null {
  for (let position = 0; position < packed.length; position += 1) {
    const item = packed[position]!
    if (item.chained === undefined) continue
    if (position === 0 || packed[position - 1]!.index !== item.index - 1) return `entry ${item.index} is chained to an entry the list does not hold just before it`
  }
  return null
}

/**
 * The entry's fields with `buffer` in place of its behind/chained: written out field by field,
 * because object rest (`{ behind, ...rest }`) was most of what packing cost the leader in a profile.
 */
function withBehind(entry: Omit<Entry, 'behind'> & { ballot?: number }, buffer: { behind: TouchedKeys[] } | { chained: number }): Packed<Entry | Slot> | Entry | Slot {
  return {
    index: entry.index,
    term: entry.term,
    command: entry.command,
    ...(entry.tag === undefined ? {} : { tag: entry.tag }),
    ...(entry.ballot === undefined ? {} : { ballot: entry.ballot }),
    ...buffer,
  } as Packed<Entry | Slot> | Entry | Slot
}

function chainedBehind(previous: Entry, length: number): TouchedKeys[] {
  const behind: TouchedKeys[] = [keysOf(previous.command)]
  for (let back = 0; behind.length < length && back < previous.behind.length; back += 1) behind.push(previous.behind[back]!)
  return behind
}

function chainsTo(behind: readonly TouchedKeys[], previous: Entry): boolean {
  if (behind.length > previous.behind.length + 1) return false
  if (!sameKeys(behind[0]!, keysOf(previous.command))) return false
  for (let back = 1; back < behind.length; back += 1) if (!sameKeys(behind[back]!, previous.behind[back - 1]!)) return false
  return true
}

function sameKeys(first: TouchedKeys, second: TouchedKeys): boolean {
  if (first === second) return true
  if (first === 'all' || second === 'all') return false
  return first.length === second.length && first.every((key, position) => key === second[position])
}
