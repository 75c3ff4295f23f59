import type { DurableLogWriter } from '../protocols/descriptor.js'

export { entryKey, commandText } from '../protocols/common/entry-key.js'

/**
 * What the simulator knows of one node's disk: the log its persisted records describe, folded as
 * the records become durable. The checks read it rather than the core, because a crash keeps
 * exactly this and nothing else: "a committed entry stays on a quorum of disks" is about it.
 *
 * Each slot keeps the entry's term and identity key (see entryKey); index 0 is the term-0 sentinel.
 */
/** The committed entry at an index, as the monitor recorded it (for a snapshot that replaces a log). */
export type CommittedEntryAt = (index: number) => { term: number; key: string } | undefined

export class DurableLog implements DurableLogWriter {
  /** `committedAt`: where a snapshot's entries come from (see installSnapshot). */
  constructor(private readonly committedAt?: CommittedEntryAt) {}

  private readonly terms: number[] = [0]
  private readonly keys: string[] = ['']
  /** Lowest index dropped since the monitor last looked (undefined: nothing dropped). */
  private truncatedSince: number | undefined
  /** Lowest index written since the monitor last looked (undefined: nothing written). */
  private appendedSince: number | undefined

  get lastIndex(): number {
    return this.terms.length - 1
  }

  termAt(index: number): number | undefined {
    return index >= 0 && index <= this.lastIndex ? this.terms[index] : undefined
  }

  keyAt(index: number): string | undefined {
    return index >= 1 && index <= this.lastIndex ? this.keys[index] : undefined
  }

  append(term: number, key: string): void {
    this.terms.push(term)
    this.keys.push(key)
    this.appendedSince ??= this.lastIndex
  }

  /** Drops every entry at index >= fromIndex. */
  truncateFrom(fromIndex: number): void {
    if (fromIndex < 1) throw new Error(`durable log: cannot truncate from index ${fromIndex}`)
    if (fromIndex > this.lastIndex) return
    this.terms.length = fromIndex
    this.keys.length = fromIndex
    this.truncatedSince = Math.min(this.truncatedSince ?? fromIndex, fromIndex)
    if (this.appendedSince !== undefined && this.appendedSince >= fromIndex) this.appendedSince = undefined
  }

  /**
   * Writes the entry at `index` (ParallelRaft): holes (term -1, no key) fill any gap below it, and
   * replacing a different entry counts as dropping it, so the monitor re-checks that index.
   */
  place(index: number, term: number, key: string): void {
    if (index < 1) throw new Error(`durable log: cannot place an entry at index ${index}`)
    while (this.lastIndex < index - 1) {
      this.terms.push(-1)
      this.keys.push('')
    }
    if (index > this.lastIndex) {
      this.terms.push(term)
      this.keys.push(key)
    } else {
      if (this.keys[index] !== '' && this.keys[index] !== key) this.truncatedSince = Math.min(this.truncatedSince ?? index, index)
      this.terms[index] = term
      this.keys[index] = key
    }
    this.appendedSince = Math.min(this.appendedSince ?? index, index)
  }

  /**
   * Raft §7. A log that holds (index, term) only compacts, and this view keeps its entries. Any
   * other log is replaced by the snapshot, which stands for the committed entries through `index`:
   * they are taken from the monitor's record (the simulation checks the snapshot's state against
   * the committed prefix when it is installed), so the quorum and log-matching checks go on seeing
   * what the disk now holds. An index nobody applied gets a key no entry has.
   */
  installSnapshot(index: number, term: number): void {
    if (this.termAt(index) === term) return
    if (this.committedAt === undefined) throw new Error('durable log: a snapshot record, but no committed entries to stand for it')
    this.truncateFrom(1)
    for (let at = 1; at <= index; at += 1) {
      const entry = this.committedAt(at)
      if (at === index) this.append(term, entry?.term === term ? entry.key : `snapshot-only@${index}`)
      else this.append(entry?.term ?? -1, entry?.key ?? `snapshot-only@${at}`)
    }
  }

  /** Returns and clears the lowest index written since the last call (entries from it on are new). */
  takeAppended(): number | undefined {
    const from = this.appendedSince
    this.appendedSince = undefined
    return from
  }

  /** Returns and clears the lowest index dropped since the last call. */
  takeTruncation(): number | undefined {
    const from = this.truncatedSince
    this.truncatedSince = undefined
    return from
  }
}
