/**
 * Per-request phase timings at the node that orders a request, for `npm run bench -- profile`.
 * Off unless CONSENSUS_LAB_PROFILE_DIR names a directory: then every client proposal this node
 * answers leaves one record there (phases-<node>.ndjson), times in ms since the run's epoch, the
 * same clock as the workload's history, so the bench joins the two by (client, seq) and splits an
 * operation's latency into client hop, batching, persist, replicate, apply wait, apply, reply hop.
 */
import fs from 'node:fs'
import path from 'node:path'

/** Records kept in memory between two writes; beyond it they are counted as dropped. */
export const phaseRecordsBufferedMax = 50_000

export interface PhaseStamps {
  receivedMs: number
  proposedMs?: number
  persistedMs?: number
}

/** One request's life at the ordering node: [clientId, seq, received, proposed, persisted, committed, applyStart, replied]. */
export type PhaseRecord = [string, number, number, number, number, number, number, number]

export const phaseProfileDirVariable = 'CONSENSUS_LAB_PROFILE_DIR'

export class PhaseProfile {
  private records: PhaseRecord[] = []
  private dropped = 0
  /** Per group: commit indexes not yet applied here, with the time the core committed them. */
  private readonly commits = new Map<number, { index: number; ms: number }[]>()

  constructor(private readonly file: string) {}

  static fromEnvironment(node: string): PhaseProfile | undefined {
    const dir = process.env[phaseProfileDirVariable]
    if (!dir) return undefined
    fs.mkdirSync(dir, { recursive: true })
    return new PhaseProfile(path.join(dir, `phases-${node}.ndjson`))
  }

  committed(group: number, index: number, ms: number): void {
    let pending = this.commits.get(group)
    if (!pending) this.commits.set(group, (pending = []))
    pending.push({ index, ms })
  }

  /** When the entry at `index` of `group` was committed: the first commit event that covered it. */
  commitMsOf(group: number, index: number): number | undefined {
    const pending = this.commits.get(group)
    if (!pending) return undefined
    while (pending.length > 0 && pending[0]!.index < index) pending.shift()
    return pending[0]?.ms
  }

  record(record: PhaseRecord): void {
    if (this.records.length >= phaseRecordsBufferedMax) this.dropped += 1
    else this.records.push(record)
  }

  /** Appends what is buffered to the file (called with each status report and at shutdown). */
  write(): void {
    if (this.records.length === 0 && this.dropped === 0) return
    const lines = this.records.map((record) => JSON.stringify(record))
    if (this.dropped > 0) lines.push(JSON.stringify({ dropped: this.dropped }))
    this.records = []
    this.dropped = 0
    fs.appendFileSync(this.file, `${lines.join('\n')}\n`)
  }
}
