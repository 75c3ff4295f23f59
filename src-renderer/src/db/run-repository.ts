/**
 * Reads and writes runs in the run store. A run is several rows (see schema.ts); every write of a
 * run is one transaction over all its tables, so a run is either wholly stored or not at all.
 */
import { decodeRunFile, RunFileError, type RunRecord } from '../../../src-main/api/run-file'
import { RunDatabase, joinRecord, splitRecord, type RunOrigin, type RunParts, type RunRow } from './schema'

/** What the person may change about a stored run. */
export type RunEdit = Partial<Pick<RunRow, 'name' | 'tags' | 'notes'>>

/** Bounds on what a person types, so a paste cannot bloat every list read. */
export const runEditBounds = { nameCharsMax: 200, tagCharsMax: 40, tagsMax: 20, notesCharsMax: 20_000 } as const

/** The import was refused; `problem` tells the UI which message to show. Nothing was stored. */
export class RunImportError extends Error {
  constructor(
    readonly problem: 'duplicate' | 'too-large',
    message: string,
    readonly existing?: RunRow,
  ) {
    super(message)
    this.name = 'RunImportError'
  }
}

/** A run file larger than this is refused before it is read (the format's own bound is larger). */
export const importFileBytesMax = 256 * 1024 * 1024

export class RunRepository {
  constructor(readonly db: RunDatabase = new RunDatabase()) {}

  /** Every run, newest first. */
  async list(): Promise<RunRow[]> {
    return (await this.db.runs.orderBy('startedAt').reverse().toArray())
  }

  async get(id: string): Promise<RunRow | undefined> {
    return this.db.runs.get(id)
  }

  async save(record: RunRecord, origin: RunOrigin, savedAt = new Date().toISOString()): Promise<RunRow> {
    const parts = splitRecord(record, { origin, savedAt })
    await this.write(parts)
    return parts.run
  }

  /** Saves unless a run with this id is stored already (keeps the person's name, tags and notes). */
  async saveIfAbsent(record: RunRecord, origin: RunOrigin): Promise<{ saved: boolean; run: RunRow }> {
    return this.db.transaction('rw', this.db.runs, this.db.series, this.db.histograms, this.db.events, async () => {
      const existing = await this.db.runs.get(record.summary.runId)
      if (existing) return { saved: false, run: existing }
      return { saved: true, run: await this.save(record, origin) }
    })
  }

  /** The whole record; without `events` the trace and history are left out (the charts do not need them). */
  async load(id: string, options: { events?: boolean } = {}): Promise<RunRecord | undefined> {
    return this.db.transaction('r', this.db.runs, this.db.series, this.db.histograms, this.db.events, async () => {
      const run = await this.db.runs.get(id)
      if (!run) return undefined
      const [series, histogram, events] = await Promise.all([
        this.db.series.get(id),
        this.db.histograms.get(id),
        options.events === false ? [] : this.db.events.where('runId').equals(id).toArray(),
      ])
      return joinRecord({ run, series, histogram, events })
    })
  }

  async update(id: string, edit: RunEdit): Promise<RunRow | undefined> {
    const changes: RunEdit = {}
    if (edit.name !== undefined) {
      const name = edit.name.trim().slice(0, runEditBounds.nameCharsMax)
      if (name !== '') changes.name = name
    }
    if (edit.tags !== undefined) changes.tags = normalizeTags(edit.tags)
    if (edit.notes !== undefined) changes.notes = edit.notes.slice(0, runEditBounds.notesCharsMax)
    await this.db.runs.update(id, changes)
    return this.db.runs.get(id)
  }

  /** Deletes the run and hands back its rows, which `restore` puts back (undo). */
  async remove(id: string): Promise<RunParts | undefined> {
    return this.db.transaction('rw', this.db.runs, this.db.series, this.db.histograms, this.db.events, async () => {
      const run = await this.db.runs.get(id)
      if (!run) return undefined
      const [series, histogram, events] = await Promise.all([this.db.series.get(id), this.db.histograms.get(id), this.db.events.where('runId').equals(id).toArray()])
      await Promise.all([this.db.runs.delete(id), this.db.series.delete(id), this.db.histograms.delete(id), this.db.events.where('runId').equals(id).delete()])
      return { run, series: series ?? { runId: id, points: [] }, histogram: histogram ?? { runId: id, latencyHistogramUs: '' }, events }
    })
  }

  async restore(parts: RunParts): Promise<void> {
    await this.write(parts)
  }

  /**
   * Reads a run file and stores it. A file that is not a run file, is corrupt or comes from a newer
   * lab throws RunFileError; a run already stored throws RunImportError. Either way nothing changes.
   */
  async importFile(bytes: Uint8Array): Promise<RunRow> {
    if (bytes.byteLength > importFileBytesMax) throw new RunImportError('too-large', `the file is larger than ${importFileBytesMax / 1024 / 1024} MiB`)
    const record = await decodeRunFile(bytes)
    return this.db.transaction('rw', this.db.runs, this.db.series, this.db.histograms, this.db.events, async () => {
      const existing = await this.db.runs.get(record.summary.runId)
      if (existing) throw new RunImportError('duplicate', `run ${record.summary.runId} is already stored as “${existing.name}”`, existing)
      return this.save(record, 'import')
    })
  }

  /** Approximate bytes stored per run, from the sizes kept with each row. */
  async totalBytes(): Promise<number> {
    let total = 0
    await this.db.runs.each((run) => (total += run.sizes.total))
    return total
  }

  private async write(parts: RunParts): Promise<void> {
    await this.db.transaction('rw', this.db.runs, this.db.series, this.db.histograms, this.db.events, async () => {
      const id = parts.run.id
      await this.db.events.where('runId').equals(id).delete()
      await Promise.all([
        this.db.runs.put(parts.run),
        this.db.series.put(parts.series),
        this.db.histograms.put(parts.histogram),
        parts.events.length > 0 ? this.db.events.bulkPut(parts.events) : Promise.resolve(),
      ])
    })
  }
}

export function normalizeTags(tags: readonly string[]): string[] {
  const cleaned = tags.map((tag) => tag.trim().replace(/\s+/g, ' ').slice(0, runEditBounds.tagCharsMax)).filter((tag) => tag !== '')
  return [...new Set(cleaned)].slice(0, runEditBounds.tagsMax)
}

export { RunFileError }
