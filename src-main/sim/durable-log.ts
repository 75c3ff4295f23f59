import type { Command, RequestTag } from '../protocols/types.js'

/**
 * What the simulator knows of one node's disk: the log its persisted records describe, folded as
 * the records become durable. The checks read it rather than the core, because a crash keeps
 * exactly this and nothing else: "a committed entry stays on a quorum of disks" is about it.
 *
 * Each slot keeps the entry's term and identity key (see entryKey); index 0 is the term-0 sentinel.
 */
export class DurableLog {
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

/**
 * The identity of a log entry or an applied command: term, command and request tag. Two entries
 * with the same key at the same index are the same entry (Raft's log matching compares exactly this).
 */
export function entryKey(term: number, command: Command, tag: RequestTag | undefined): string {
  const tagText = tag === undefined ? '-' : `${tag.clientId}#${tag.seq}`
  return `${term}|${commandText(command)}|${tagText}`
}

/**
 * Every field of the command, in name order: an identity that stays complete when commands gain
 * fields or kinds (a switch over the ops here would silently ignore a new field).
 */
export function commandText(command: Command): string {
  const fields = command as unknown as Record<string, unknown>
  const names = Object.keys(fields).filter((name) => name !== 'op' && fields[name] !== undefined).sort()
  return [command.op, ...names.map((name) => `${name}=${JSON.stringify(fields[name])}`)].join(' ')
}
