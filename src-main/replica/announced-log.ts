/**
 * What this node's trace has already announced as appended, per group: the terms of its entries as
 * runs. A snapshot starts a new WAL segment by writing the node's whole durable state again (its
 * log after the snapshot included, every group's in MultiRaft), and those records are no new
 * appends: announcing them put a second "append 1..N" with a fresh persist time in the event log
 * at every snapshot. Only an entry whose (index, term) the node has not announced since is new.
 * A few numbers per term change, so it stays small however long the run.
 */

interface GroupLog {
  /** [first index, term], ascending: the term of every index up to lastIndex. */
  runs: [number, number][]
  lastIndex: number
}

export class AnnouncedLog {
  private readonly groups = new Map<number, GroupLog>()

  /** Whether the entry at `index` with `term` was announced (and not truncated since). */
  holds(group: number | undefined, index: number, term: number): boolean {
    const log = this.groups.get(group ?? -1)
    if (log === undefined || index > log.lastIndex) return false
    for (let position = log.runs.length - 1; position >= 0; position -= 1) {
      const [first, runTerm] = log.runs[position]!
      if (first <= index) return runTerm === term
    }
    return false
  }

  /**
   * Entries fromIndex, fromIndex+1, ... with these terms are what the node now holds there: what it
   * held from fromIndex on is gone (a conflicting append truncates it first). After a gap (a
   * snapshot was installed past the log), nothing before fromIndex is known any more.
   */
  announce(group: number | undefined, fromIndex: number, terms: readonly number[]): void {
    if (terms.length === 0) return
    const key = group ?? -1
    let log = this.groups.get(key)
    if (log === undefined || fromIndex > log.lastIndex + 1) {
      log = { runs: [], lastIndex: fromIndex - 1 }
      this.groups.set(key, log)
    }
    while (log.runs.length > 0 && log.runs[log.runs.length - 1]![0] >= fromIndex) log.runs.pop()
    log.lastIndex = fromIndex - 1
    terms.forEach((term, position) => {
      if (log.runs.length === 0 || log.runs[log.runs.length - 1]![1] !== term) log.runs.push([fromIndex + position, term])
      log.lastIndex = fromIndex + position
    })
  }
}
