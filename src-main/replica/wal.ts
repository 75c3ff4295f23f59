/**
 * Write-ahead log: an append-only file of checksummed records, one live file per replica.
 * Record layout: [u32 payload length][u32 crc32 of payload][msgpack payload].
 * `append` returns only after the bytes are written and, with durability fsync, fdatasync'd:
 * the replica calls it before anything it persisted leaves the process.
 *
 * The file is kept zero-filled ahead of the write position (in preallocationBytes steps): an
 * fdatasync that does not change the file's size or extents needs no journal commit, which halves
 * its cost when three replicas share one disk (measured: 0.49 vs 0.99 ms p50).
 *
 * Recovery reads the file as a stream of records (bounded memory: one chunk, or one record when it
 * is larger) until the first record it cannot read. What follows that point decides (etcd's rule:
 * only the tail may be torn):
 * - zeros only: the clean end of the log;
 * - the beginning of a record cut short, then zeros (the last write did not finish): a torn tail,
 *   zeroed again so a stale record can never reappear behind a shorter new one;
 * - anything else (a valid record further on, a complete record with a bad checksum, a length no
 *   write could have had): corruption. The log is left untouched and open refuses, naming the file
 *   and the byte, rather than silently dropping acknowledged records (a vote among them).
 *
 * Segments and snapshots (Raft §7). A record that carries a snapshot (`kind: 'snapshot'` with
 * `data` bytes) starts a new segment (`startOver`): its bytes go to a snapshot file of their own
 * (written to a temporary name, fsync'd, renamed, directory fsync'd); the new segment, holding the
 * record without its bytes (it names the file, their length and checksum) and the records that
 * follow it, is written to wal.log.next and fsync'd, then renamed over wal.log (and the directory
 * fsync'd): that rename is what removes the segment before it. The core guarantees that those
 * records alone rebuild its state (RaftPersist). A kill -9 at any point leaves either the old
 * segment whole or the new one whole; open() then removes what the other attempt left behind
 * (wal.log.next, snapshot files the live segment does not name, temporary files, a spare).
 * After a segment change the next segment's file (wal.log.spare) is zero-filled with asynchronous
 * writes, so the next change only writes its records into it and renames it.
 *
 * A replica's own snapshot writes its file ahead of the segment change, off the event loop
 * (`writeSnapshotFile`: asynchronous writes and fsyncs, the bytes produced slice by slice between
 * them), and hands the snapshot to its core only once that file is durable; the segment change
 * then finds the file written and only writes the segment. The order on disk is the same (file
 * durable, then the segment naming it), so the same kill -9 analysis holds; a file still being
 * written is never taken for a leftover.
 *
 * MultiRaft (several groups, one log): its records are `{g, r}` around a group's Raft record, and
 * a segment change starts at one group's snapshot record and holds every group's durable state
 * (multiraft/core.ts), so a segment may hold one snapshot record per group, each with its file
 * (`snapshot-g<group>-<index>.bin`). A group whose snapshot did not change names the file the live
 * segment already names: it is kept, not written again, and removed only once a segment that no
 * longer names it is swapped in. The kill -9 analysis is the same: every file a segment names is
 * durable before that segment is.
 */
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { Packr } from 'msgpackr'

const headerBytes = 8
/** Largest payload of one record; a write above it is refused, so every record written can be read back. */
export const walRecordBytesMax = 64 * 1024 * 1024
/** Zero-filled space kept ahead of the write position. */
export const preallocationBytes = 8 * 1024 * 1024
/** Bytes read from the file at a time during recovery (a larger record is read whole). */
export const walReadChunkBytes = 1024 * 1024
/**
 * Payload bytes checksummed while looking for a valid record behind a damaged one. Beyond it the
 * damage is not taken for a torn tail: when in doubt, refuse to start.
 */
export const damageScanChecksumBytesMax = 256 * 1024 * 1024
const zeroChunk = Buffer.alloc(1024 * 1024)

const packr = new Packr({ useRecords: false, mapsAsObjects: true })

const liveName = 'wal.log'
const nextName = 'wal.log.next'
/** A segment file zero-filled ahead of time, off the event loop, for the next segment change. */
const spareName = 'wal.log.spare'
const snapshotFilePattern = /^snapshot-(g\d+-)?\d+\.bin(\.tmp)?$/

/** Where startOver stands, for tests that stop the process there (a kill -9 between two of its steps). */
export type StartOverStep = 'snapshot-file-written' | 'next-segment-written' | 'segment-swapped'

/** The snapshot file of the snapshot through `index` (of a MultiRaft group: each has its own indexes). */
function snapshotFileName(index: number, group?: number): string {
  const indexText = String(index).padStart(12, '0')
  return group === undefined ? `snapshot-${indexText}.bin` : `snapshot-g${group}-${indexText}.bin`
}

/** A segment change: the next segment's open file, its records, and the appends to copy behind them. */
interface SegmentChange {
  fd: number
  nextFile: string
  /** The snapshot files the new segment names, with their lengths and checksums. */
  dataFiles: Map<string, SnapshotFileFacts>
  head: Buffer
  tail: Buffer[]
  tailBytes: number
  /** Zero-filled and durable bytes of the file (the spare's): writes within them change no size. */
  allocatedBytes: number
  state: 'writing' | 'finishing' | 'done' | 'abandoned'
}

/** The log was closed while a snapshot file was being written: the file was abandoned (and removed). */
export class WalClosedError extends Error {
  constructor(what: string) {
    super(`wal: closed while ${what}`)
    this.name = 'WalClosedError'
  }
}

interface SnapshotFileFacts {
  dataBytes: number
  dataCrc: number
}

/** A record carrying a snapshot's bytes: they are kept in a file of their own, outside the log. */
interface SnapshotRecord {
  kind: 'snapshot'
  index: number
  data: Uint8Array
}

/** The same record as the log holds it: the file its bytes are in, their length and checksum. */
interface SnapshotMarker {
  kind: 'snapshot'
  index: number
  dataFile: string
  dataBytes: number
  dataCrc: number
}

function isPlainSnapshotRecord(record: unknown): record is SnapshotRecord {
  const fields = record as Partial<SnapshotRecord> | null
  return typeof fields === 'object' && fields !== null && fields.kind === 'snapshot' && fields.data instanceof Uint8Array && Number.isSafeInteger(fields.index)
}

function isPlainSnapshotMarker(record: unknown): record is SnapshotMarker {
  const fields = record as Partial<SnapshotMarker> | null
  return typeof fields === 'object' && fields !== null && fields.kind === 'snapshot' && typeof fields.dataFile === 'string'
}

/** MultiRaft's record: a group's record inside `{g, r}`. */
function groupOf(record: unknown): number | undefined {
  const fields = record as { g?: unknown; r?: unknown } | null
  return typeof fields === 'object' && fields !== null && Number.isSafeInteger(fields.g) && typeof fields.r === 'object' && fields.r !== null ? (fields.g as number) : undefined
}

/** The snapshot a record carries (a plain Raft record, or a MultiRaft group's), with its group. */
export function snapshotOf(record: unknown): { snapshot: SnapshotRecord; group?: number } | undefined {
  if (isPlainSnapshotRecord(record)) return { snapshot: record }
  const group = groupOf(record)
  const inner = group === undefined ? undefined : (record as { r: unknown }).r
  return isPlainSnapshotRecord(inner) ? { snapshot: inner, group } : undefined
}

export function isSnapshotRecord(record: unknown): boolean {
  return snapshotOf(record) !== undefined
}

function snapshotMarkerOf(record: unknown): { marker: SnapshotMarker; group?: number } | undefined {
  if (isPlainSnapshotMarker(record)) return { marker: record }
  const group = groupOf(record)
  const inner = group === undefined ? undefined : (record as { r: unknown }).r
  return isPlainSnapshotMarker(inner) ? { marker: inner, group } : undefined
}

/** `record` with its snapshot (plain or a group's) replaced by `inner`. */
function withSnapshot(record: unknown, group: number | undefined, inner: object): unknown {
  return group === undefined ? inner : { ...(record as object), r: inner }
}

export type Durability = 'fsync' | 'none'

export interface WalRecovery<P> {
  records: P[]
  /** Bytes of a torn tail found after the last good record (zeroed on open). */
  truncatedBytes: number
}

export interface WalOpenOptions {
  readChunkBytes?: number
}

/** The log is damaged somewhere other than its tail: the replica must not start from it. */
export class WalCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly offsetBytes: number,
    readonly detail: string,
  ) {
    super(`${file} is corrupt at byte ${offsetBytes}: ${detail}; refusing to start from it (only a torn tail is cut)`)
    this.name = 'WalCorruptError'
  }
}

/** A slow (extraMs) or jittery (jitterMs, drawn per fsync from random, in [0, 1)) disk. */
export interface SlowDisk {
  extraMs: number
  jitterMs: number
  random: () => number
}

export class WriteAheadLog<P> {
  /**
   * The slow-disk fault: added to every fsync, plus 0..jitterMs drawn per fsync; the thread blocks,
   * as in a real slow fdatasync. `extraSyncMsTotal` sums what was added (what the fault cost).
   */
  private slowness: SlowDisk = { extraMs: 0, jitterMs: 0, random: () => 0 }
  extraSyncMsTotal = 0
  /** Writes and fdatasyncs done (the first are one per batch of records, the second one per durable batch). */
  writes = 0
  syncs = 0
  private readonly sleepCell = new Int32Array(new SharedArrayBuffer(4))

  /** Called after each step of startOver (tests throw there to stand for a kill -9 at that point). */
  onStartOverStep: ((step: StartOverStep) => void) | undefined
  /** Segments started (snapshots taken or installed) since the log was opened. */
  segmentsStarted = 0
  /**
   * The spare segment: zero-filling and fsyncing a new file's space ahead took ~100 ms of a
   * snapshot's stall on a loaded disk (long enough for followers to start an election), so after
   * each segment change the next one is prepared with asynchronous writes, and used if ready.
   */
  private spare: 'none' | 'preparing' | 'ready' = 'none'
  private spareSettled: Promise<void> = Promise.resolve()
  private closed = false
  /** Snapshot files being written by writeSnapshotFile: a segment change must not remove them. */
  private readonly snapshotFilesWriting = new Set<string>()
  /** Snapshot files written by writeSnapshotFile and durable, by name, until a segment change names one (or removes them). */
  private readonly snapshotFilesReady = new Map<string, SnapshotFileFacts>()
  /** The snapshot files the live segment names (MultiRaft: one per group at most); a segment change keeps those it names again. */
  private liveSnapshotFiles = new Map<string, SnapshotFileFacts>()
  /** A segment change being written in the background (startOverInBackground), until it is swapped in. */
  private segmentChange: SegmentChange | undefined

  private constructor(
    private readonly dataDir: string,
    private fd: number,
    private readonly durability: Durability,
    private sizeBytes: number,
    private allocatedBytes: number,
  ) {}

  /** Opens (or creates) `dataDir/wal.log`; throws WalCorruptError, having written nothing, on corruption. */
  static open<P>(dataDir: string, durability: Durability, options: WalOpenOptions = {}): { wal: WriteAheadLog<P>; recovery: WalRecovery<P> } {
    fs.mkdirSync(dataDir, { recursive: true })
    const file = path.join(dataDir, liveName)
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT)
    try {
      const fileBytes = fs.fstatSync(fd).size
      const reader = new ChunkedReader(fd, fileBytes, options.readChunkBytes ?? walReadChunkBytes)
      const records: P[] = []
      const validBytes = readRecords(reader, (record) => records.push(record as P))
      // Snapshot records open a segment (one, or MultiRaft's one per group); their bytes come back from their files.
      const named = new Map<string, SnapshotFileFacts>()
      records.forEach((record, position) => {
        const found = snapshotMarkerOf(record)
        if (found === undefined) return
        named.set(found.marker.dataFile, { dataBytes: found.marker.dataBytes, dataCrc: found.marker.dataCrc })
        records[position] = withSnapshot(record, found.group, readSnapshotFile(dataDir, found.marker)) as P
      })
      removeLeftovers(dataDir, [...named.keys()])
      fs.rmSync(path.join(dataDir, spareName), { force: true }) // perhaps half zero-filled when the process died
      const damageEnd = reader.nonZeroEnd(validBytes)
      if (damageEnd > validBytes) {
        const corruption = corruptionAt(reader, validBytes, damageEnd)
        if (corruption !== undefined) throw new WalCorruptError(file, validBytes, corruption)
        zeroRange(fd, validBytes, damageEnd)
        fs.fsyncSync(fd)
      }
      const wal = new WriteAheadLog<P>(dataDir, fd, durability, validBytes, fileBytes)
      wal.liveSnapshotFiles = named
      // Zero-fill (and fsync) the space ahead now, at start, rather than in the first write: that
      // write is a replica's first vote, and a cold 8 MiB fill took 100-300 ms on a busy disk.
      wal.ensureAllocated(validBytes + 1)
      return { wal, recovery: { records, truncatedBytes: Math.max(0, damageEnd - validBytes) } }
    } catch (error) {
      fs.closeSync(fd)
      throw error
    }
  }

  /** Writes all records and fdatasyncs them (group commit): `write` then `sync`. */
  append(records: readonly P[]): number {
    const bytes = this.write(records)
    if (bytes > 0) this.sync()
    return bytes
  }

  /**
   * Writes all records in one write, without waiting for the disk: from here a killed process
   * finds them on restart (the kernel has them), but a power cut could still lose them.
   * A record the reader would refuse (over walRecordBytesMax) is a broken invariant of the caller:
   * it throws before anything is written.
   */
  write(records: readonly P[]): number {
    if (records.length === 0) return 0
    if (records.some((record) => isSnapshotRecord(record))) throw new Error('wal: a snapshot record starts a segment (startOver), it is never appended')
    const buffer = encodeRecords(records)
    this.ensureAllocated(this.sizeBytes + buffer.length)
    let written = 0
    while (written < buffer.length) {
      written += fs.writeSync(this.fd, buffer, written, buffer.length - written, this.sizeBytes + written)
    }
    this.sizeBytes += buffer.length
    this.writes += 1
    // A segment change under way: the new segment needs these records too, behind its own.
    if (this.segmentChange !== undefined) {
      this.segmentChange.tail.push(buffer)
      this.segmentChange.tailBytes += buffer.length
    }
    return buffer.length
  }

  /**
   * A new segment: `records` start with a snapshot record, and with it they stand for everything
   * the log held (see the file comment for the steps and why a kill -9 anywhere is safe). Durable
   * when it returns, whatever the durability (with none: written, not fsync'd). A segment change
   * still under way (startOverInBackground) is finished first.
   */
  startOver(records: readonly P[]): number {
    if (this.segmentChange !== undefined) this.finishSegmentChange(this.segmentChange, 'now')
    const change = this.openNextSegment(records)
    try {
      for (let written = 0; written < change.head.length; ) written += fs.writeSync(change.fd, change.head, written, change.head.length - written, written)
    } catch (error) {
      fs.closeSync(change.fd)
      throw error
    }
    return this.completeSegmentChange(change)
  }

  /**
   * startOver off the event loop, for a snapshot whose file writeSnapshotFile wrote ahead: the new
   * segment's records are written and fsync'd asynchronously while the live segment goes on taking
   * appends (it stays whole and current throughout); once they are durable, the appends made
   * meanwhile are copied behind them (they are records the new segment needs too), fsync'd, and
   * the segment swapped, all in one short step. The caller has written `records` after the
   * snapshot record to the live segment already (they rewrite what it holds). Returns false (and
   * does nothing) when the snapshot's file was not written ahead: then startOver it is. `onDone` gets the new segment's
   * bytes and the time its last step took on the event loop.
   */
  startOverInBackground(records: readonly P[], onDone: (bytes: number, onLoopMs: number) => void): boolean {
    const first = snapshotOf(records[0])
    if (first === undefined || !this.canStartOverInBackground(first.snapshot.index, first.group)) return false
    if (this.segmentChange !== undefined) this.finishSegmentChange(this.segmentChange, 'now')
    const change = this.openNextSegment(records)
    this.segmentChange = change
    const written = async (): Promise<void> => {
      for (let at = 0; at < change.head.length && change.state === 'writing'; ) {
        at += await new Promise<number>((resolve, reject) => fs.write(change.fd, change.head, at, change.head.length - at, at, (error, bytes) => (error ? reject(error) : resolve(bytes))))
      }
      if (this.durability === 'fsync' && change.state === 'writing') await new Promise<void>((resolve, reject) => fs.fdatasync(change.fd, (error) => (error ? reject(error) : resolve())))
    }
    const abandoned = (): boolean => {
      if (change.state !== 'abandoned') return false
      fs.closeSync(change.fd)
      fs.rmSync(change.nextFile, { force: true })
      return true
    }
    written().then(
      () => {
        if (abandoned() || change.state !== 'writing') return // abandoned at close, or finished synchronously meanwhile
        const startMs = performance.now()
        const bytes = this.finishSegmentChange(change, 'head-durable')
        onDone(bytes, performance.now() - startMs)
      },
      (error: unknown) => {
        if (abandoned() || change.state !== 'writing') return
        // A disk that fails the new segment is a disk the replica cannot trust: stop loudly, as a failed sync write would.
        process.nextTick(() => {
          throw error
        })
      },
    )
    return true
  }

  /** Whether the snapshot through `index` (of `group`, MultiRaft) can change segment in the background: its file was written ahead. */
  canStartOverInBackground(index: number, group?: number): boolean {
    return this.snapshotFilesReady.has(snapshotFileName(index, group))
  }

  /**
   * The new segment's file, open, with its records encoded (`head`): the spare when it is ready
   * (zero-filled and durable: writing into it changes no size), else a new file.
   */
  private openNextSegment(records: readonly P[]): SegmentChange {
    const dataFiles = new Map<string, SnapshotFileFacts>()
    const groups = new Set<number | undefined>()
    const withMarkers = records.map((record, position) => {
      const found = snapshotOf(record)
      if (found === undefined) {
        if (position === 0) throw new Error('wal: a new segment starts with a snapshot record')
        return record
      }
      // One snapshot per segment, or (MultiRaft) one per group.
      if (groups.has(found.group) || (found.group === undefined && position > 0)) throw new Error('wal: a new segment holds one snapshot record (MultiRaft: one per group)')
      groups.add(found.group)
      const { data, ...fields } = found.snapshot
      const facts = { dataBytes: data.length, dataCrc: zlib.crc32(data) }
      const dataFile = snapshotFileName(found.snapshot.index, found.group)
      this.ensureSnapshotFile(dataFile, data, facts)
      dataFiles.set(dataFile, facts)
      return withSnapshot(record, found.group, { ...fields, dataFile, ...facts }) as P
    })
    const head = encodeRecords(withMarkers)
    const nextFile = path.join(this.dataDir, nextName)
    const useSpare = this.spare === 'ready' && head.length <= preallocationBytes
    if (useSpare) {
      fs.renameSync(path.join(this.dataDir, spareName), nextFile)
      this.spare = 'none'
    }
    const fd = fs.openSync(nextFile, useSpare ? fs.constants.O_RDWR : fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_TRUNC)
    return { fd, nextFile, dataFiles, head, tail: [], tailBytes: 0, allocatedBytes: useSpare ? preallocationBytes : 0, state: 'writing' }
  }

  /**
   * The snapshot file a new segment names, durable before the segment is: written ahead
   * (writeSnapshotFile), named by the live segment already (a MultiRaft group whose snapshot did
   * not change), or written now.
   */
  private ensureSnapshotFile(dataFile: string, data: Uint8Array, facts: SnapshotFileFacts): void {
    const known = this.snapshotFilesReady.get(dataFile) ?? this.liveSnapshotFiles.get(dataFile)
    if (known === undefined) {
      writeFileAtomically(this.dataDir, dataFile, data, this.durability)
      this.onStartOverStep?.('snapshot-file-written')
    } else if (known.dataBytes !== facts.dataBytes || known.dataCrc !== facts.dataCrc) {
      const how = this.snapshotFilesReady.has(dataFile) ? 'written ahead for it' : 'the live segment names'
      throw new Error(`wal: the snapshot for ${dataFile} differs from the file ${how} (${facts.dataBytes} bytes, crc ${facts.dataCrc}; the file: ${known.dataBytes} bytes, crc ${known.dataCrc})`)
    }
  }

  /**
   * Makes a segment change whole now, from wherever it stands: 'now' writes its records
   * synchronously (an asynchronous write of the same bytes may still be under way: they land on the
   * same bytes, identical), 'head-durable' only what was appended meanwhile.
   */
  private finishSegmentChange(change: SegmentChange, from: 'now' | 'head-durable'): number {
    change.state = 'finishing'
    try {
      const parts = from === 'now' ? [change.head, ...change.tail] : change.tail
      let position = from === 'now' ? 0 : change.head.length
      for (const part of parts) {
        for (let written = 0; written < part.length; ) written += fs.writeSync(change.fd, part, written, part.length - written, position + written)
        position += part.length
      }
    } catch (error) {
      fs.closeSync(change.fd)
      throw error
    }
    return this.completeSegmentChange(change)
  }

  /** The new segment's records are written: fsync them, swap the segment in, drop what it replaces. */
  private completeSegmentChange(change: SegmentChange): number {
    const sizeBytes = change.head.length + change.tailBytes
    try {
      if (this.durability === 'fsync') {
        // Within the spare's zero-filled space an fdatasync is enough; beyond it the size changed.
        if (sizeBytes <= change.allocatedBytes) fs.fdatasyncSync(change.fd)
        else fs.fsyncSync(change.fd)
      }
      this.onStartOverStep?.('next-segment-written')
      fs.renameSync(change.nextFile, path.join(this.dataDir, liveName))
      if (this.durability === 'fsync') syncDirectory(this.dataDir)
    } catch (error) {
      fs.closeSync(change.fd)
      throw error
    } finally {
      change.state = 'done'
      this.segmentChange = undefined
    }
    fs.closeSync(this.fd)
    this.fd = change.fd
    this.sizeBytes = sizeBytes
    this.allocatedBytes = Math.max(change.allocatedBytes, sizeBytes)
    this.segmentsStarted += 1
    this.onStartOverStep?.('segment-swapped')
    this.snapshotFilesReady.clear() // the segment names one of them; removeLeftovers removes the others
    this.liveSnapshotFiles = change.dataFiles
    removeLeftovers(this.dataDir, [...change.dataFiles.keys(), ...[...this.snapshotFilesWriting].flatMap((name) => [name, `${name}.tmp`])])
    this.ensureAllocated(this.sizeBytes + 1)
    this.prepareSpare()
    return sizeBytes
  }

  /**
   * Raft §7 without stalling the replica: writes the bytes of the snapshot through `index`, as
   * `pieces` produces them, to the file a later startOver of that snapshot names (temporary name,
   * fsync, rename, directory fsync, all asynchronous), and resolves with them once that file is
   * durable (the bytes as the file holds them). Each piece is asked for only once the one before it
   * was handed to the disk, so the event loop runs between pieces: a piece is the unit of work the
   * caller chooses (a slice of an encoding). Rejects with WalClosedError when the log is closed
   * meanwhile (the file is removed).
   */
  async writeSnapshotFile(index: number, pieces: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, group?: number): Promise<Uint8Array> {
    const dataFile = snapshotFileName(index, group)
    if (this.closed) throw new WalClosedError(`writing ${dataFile}`)
    if (this.snapshotFilesWriting.has(dataFile)) throw new Error(`wal: ${dataFile} is already being written`)
    const temporary = path.join(this.dataDir, `${dataFile}.tmp`)
    this.snapshotFilesWriting.add(dataFile)
    try {
      const written = await writePieces(temporary, pieces, this.durability, () => this.closed)
      if (this.closed) throw new WalClosedError(`writing ${dataFile}`)
      await fs.promises.rename(temporary, path.join(this.dataDir, dataFile))
      if (this.durability === 'fsync') await syncDirectoryAsync(this.dataDir)
      this.snapshotFilesReady.set(dataFile, { dataBytes: written.data.length, dataCrc: written.crc })
      this.onStartOverStep?.('snapshot-file-written')
      return written.data
    } catch (error) {
      await fs.promises.rm(temporary, { force: true })
      throw error
    } finally {
      this.snapshotFilesWriting.delete(dataFile)
    }
  }

  /** Resolves once the spare segment being prepared is ready (or given up on); for tests. */
  spareDone(): Promise<void> {
    return this.spareSettled
  }

  /** Zero-fills (and fsyncs) the spare segment with asynchronous writes, so no turn of the event loop waits for it. */
  private prepareSpare(): void {
    if (this.spare !== 'none') return
    this.spare = 'preparing'
    const file = path.join(this.dataDir, spareName)
    const prepare = async (): Promise<void> => {
      const handle = await fs.promises.open(file, 'w')
      try {
        for (let position = 0; position < preallocationBytes; position += zeroChunk.length) {
          await handle.write(zeroChunk, 0, Math.min(zeroChunk.length, preallocationBytes - position), position)
        }
        if (this.durability === 'fsync') await handle.sync()
      } finally {
        await handle.close()
      }
    }
    this.spareSettled = prepare().then(
      () => {
        if (!this.closed) this.spare = 'ready'
        else fs.rmSync(file, { force: true })
      },
      // No spare: the next segment change makes its file the slow way. Never worse than without one.
      () => {
        this.spare = 'none'
      },
    )
  }

  /** From now on every fsync takes `extraMs` longer, and 0..jitterMs more drawn from `random`. */
  slowDown(slowness: SlowDisk): void {
    this.slowness = slowness
  }

  /** Makes everything written so far durable (with durability fsync; a no-op with none). */
  sync(): void {
    if (this.durability !== 'fsync') return
    fs.fdatasyncSync(this.fd)
    this.syncs += 1
    const { extraMs, jitterMs, random } = this.slowness
    const addedMs = extraMs + (jitterMs > 0 ? random() * jitterMs : 0)
    if (addedMs <= 0) return
    this.extraSyncMsTotal += addedMs
    Atomics.wait(this.sleepCell, 0, 0, addedMs)
  }

  /** Bytes of records (not counting the zero-filled space ahead). */
  get bytes(): number {
    return this.sizeBytes
  }

  /**
   * Closes the log, trimmed to its records: the zero-filled space ahead and the spare are there for
   * fast fsyncs while the replica runs, and a finished run's directory kept them (16 MiB or more per
   * node, 48 MiB for a 3-node run that wrote a few kilobytes). The next open allocates again.
   */
  close(): void {
    if (this.closed) return
    this.closed = true
    const change = this.segmentChange
    if (change !== undefined) {
      // Abandoned: the live segment is whole; the half-written next one goes once its writes are
      // over (closing its descriptor under them could let them land in a file opened later).
      change.state = 'abandoned'
      this.segmentChange = undefined
    }
    try {
      fs.ftruncateSync(this.fd, this.sizeBytes)
    } finally {
      fs.closeSync(this.fd)
    }
    fs.rmSync(path.join(this.dataDir, spareName), { force: true }) // one still being filled is removed once filled
  }

  private ensureAllocated(endBytes: number): void {
    if (endBytes <= this.allocatedBytes) return
    const target = Math.ceil((endBytes + preallocationBytes) / preallocationBytes) * preallocationBytes
    zeroRange(this.fd, this.allocatedBytes, target)
    // The new size must be durable before records in it are; a full fsync covers the metadata.
    if (this.durability === 'fsync') fs.fsyncSync(this.fd)
    this.allocatedBytes = target
  }
}

/** Every record of a log file with the byte it starts at, up to the first one that cannot be read (for tools and tests). */
export function walRecordOffsets<P>(file: string, options: WalOpenOptions = {}): { offsetBytes: number; record: P }[] {
  const fd = fs.openSync(file, 'r')
  try {
    const reader = new ChunkedReader(fd, fs.fstatSync(fd).size, options.readChunkBytes ?? walReadChunkBytes)
    const listed: { offsetBytes: number; record: P }[] = []
    readRecords(reader, (record, offsetBytes) => listed.push({ offsetBytes, record: record as P }))
    return listed
  } finally {
    fs.closeSync(fd)
  }
}

function encodeRecords(records: readonly unknown[]): Buffer {
  const parts: Buffer[] = []
  let total = 0
  for (const record of records) {
    const payload = packr.pack(record)
    assertReadable(payload, record)
    const header = Buffer.allocUnsafe(headerBytes)
    header.writeUInt32BE(payload.length, 0)
    header.writeUInt32BE(zlib.crc32(payload), 4)
    parts.push(header, payload)
    total += headerBytes + payload.length
  }
  return Buffer.concat(parts, total)
}

/** Temporary name, write, fsync, rename, fsync the directory: the file is whole or absent. */
function writeFileAtomically(dataDir: string, name: string, data: Uint8Array, durability: Durability): void {
  const temporary = path.join(dataDir, `${name}.tmp`)
  const fd = fs.openSync(temporary, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC)
  try {
    for (let written = 0; written < data.length; ) written += fs.writeSync(fd, data, written, data.length - written)
    if (durability === 'fsync') fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(temporary, path.join(dataDir, name))
  if (durability === 'fsync') syncDirectory(dataDir)
}

/** The pieces written in order to a new file, fsync'd: their bytes and their crc32. */
async function writePieces(file: string, pieces: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, durability: Durability, closed: () => boolean): Promise<{ data: Buffer; crc: number }> {
  const handle = await fs.promises.open(file, 'w')
  const parts: Uint8Array[] = []
  let crc = 0
  try {
    for await (const piece of pieces) {
      crc = zlib.crc32(piece, crc)
      parts.push(piece)
      for (let written = 0; written < piece.length; ) written += (await handle.write(piece, written, piece.length - written)).bytesWritten
      if (closed()) throw new WalClosedError(`writing ${path.basename(file)}`)
    }
    if (durability === 'fsync') await handle.sync()
  } finally {
    await handle.close()
  }
  return { data: Buffer.concat(parts), crc }
}

async function syncDirectoryAsync(dataDir: string): Promise<void> {
  const handle = await fs.promises.open(dataDir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

function syncDirectory(dataDir: string): void {
  const fd = fs.openSync(dataDir, 'r')
  try {
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

/** The snapshot bytes a segment's first record names; missing or damaged bytes refuse the start. */
function readSnapshotFile(dataDir: string, marker: SnapshotMarker): SnapshotRecord {
  const file = path.join(dataDir, marker.dataFile)
  if (path.basename(marker.dataFile) !== marker.dataFile || !snapshotFilePattern.test(marker.dataFile)) {
    throw new WalCorruptError(path.join(dataDir, liveName), 0, `its snapshot record names ${JSON.stringify(marker.dataFile)}, not a snapshot file`)
  }
  let data: Buffer
  try {
    data = fs.readFileSync(file)
  } catch (error) {
    throw new WalCorruptError(file, 0, `the snapshot the log starts from cannot be read (${(error as Error).message})`)
  }
  if (data.length !== marker.dataBytes || zlib.crc32(data) !== marker.dataCrc) {
    throw new WalCorruptError(file, 0, `the snapshot holds ${data.length} bytes of checksum ${zlib.crc32(data)}, the log expects ${marker.dataBytes} bytes of checksum ${marker.dataCrc}`)
  }
  const { dataFile: _file, dataBytes: _bytes, dataCrc: _crc, ...fields } = marker
  return { ...fields, data }
}

/** What an interrupted or finished startOver leaves: the next segment unrenamed, snapshot files the live segment does not name. */
function removeLeftovers(dataDir: string, keep: readonly string[]): void {
  for (const name of fs.readdirSync(dataDir)) {
    if (name === nextName || (snapshotFilePattern.test(name) && !keep.includes(name))) fs.rmSync(path.join(dataDir, name), { force: true })
  }
}

function assertReadable(payload: Buffer, record: unknown): void {
  if (payload.length > walRecordBytesMax) {
    const kind = describeRecord(record)
    throw new Error(`WAL record${kind} of ${payload.length} bytes exceeds walRecordBytesMax (${walRecordBytesMax} bytes): it could not be read back, so it is not written`)
  }
  // The damage scan looks for records by their first byte: every record is an object (a msgpack map).
  if (!isMapMarker(payload[0]!)) throw new Error(`WAL record${describeRecord(record)} is not an object: every record must encode as a map`)
}

function describeRecord(record: unknown): string {
  const fields = typeof record === 'object' && record !== null ? (record as Record<string, unknown>) : {}
  const name = fields.kind ?? fields.type
  return typeof name === 'string' ? ` (${name})` : ''
}

function isMapMarker(byte: number): boolean {
  return (byte >= 0x80 && byte <= 0x8f) || byte === 0xde || byte === 0xdf
}

function zeroRange(fd: number, fromBytes: number, toBytes: number): void {
  for (let position = fromBytes; position < toBytes; ) {
    const length = Math.min(zeroChunk.length, toBytes - position)
    position += fs.writeSync(fd, zeroChunk, 0, length, position)
  }
}

/** Reads records from the start of the file; returns the offset after the last good one. */
function readRecords(reader: ChunkedReader, onRecord: (record: unknown, offsetBytes: number) => void): number {
  let offset = 0
  for (;;) {
    const read = recordAt(reader, offset)
    if (read.kind === 'bad') return offset
    onRecord(read.record, offset)
    offset = read.endBytes
  }
}

type RecordRead = { kind: 'record'; record: unknown; endBytes: number } | { kind: 'bad'; lengthBytes: number; problem: string }

/** The record starting at `offset`, or why there is none (with the length its header claims, missing bytes read as zero). */
function recordAt(reader: ChunkedReader, offset: number): RecordRead {
  const header = reader.bytes(offset, headerBytes)
  const padded = header.length === headerBytes ? header : Buffer.concat([header, Buffer.alloc(headerBytes - header.length)])
  const lengthBytes = padded.readUInt32BE(0)
  const bad = (problem: string): RecordRead => ({ kind: 'bad', lengthBytes, problem })
  if (header.length < headerBytes) return bad('a header cut off by the end of the file')
  if (lengthBytes === 0) return bad(padded.readUInt32BE(4) === 0 ? 'a zero header' : 'a header of length 0')
  if (lengthBytes > walRecordBytesMax) return bad(`a header claiming ${lengthBytes} bytes, more than any write (walRecordBytesMax ${walRecordBytesMax})`)
  if (offset + headerBytes + lengthBytes > reader.fileBytes) return bad(`a record of ${lengthBytes} bytes that runs past the end of the file`)
  const payload = reader.bytes(offset + headerBytes, lengthBytes)
  if (zlib.crc32(payload) !== padded.readUInt32BE(4)) return bad(`a record of ${lengthBytes} bytes whose checksum does not match`)
  try {
    return { kind: 'record', record: packr.unpack(payload), endBytes: offset + headerBytes + lengthBytes }
  } catch (error) {
    return bad(`a record of ${lengthBytes} bytes that does not decode (${(error as Error).message})`)
  }
}

/**
 * Why the damage in [badOffset, damageEnd) is corruption, or undefined when it is a torn tail: the
 * start of one record whose remaining bytes were never written (zeros from the cut to its end, no
 * record after it). A cut can only shorten what was written, so a length above any write's, a record
 * complete up to its last byte, or any valid record further on all mean damage, not a tear.
 */
function corruptionAt(reader: ChunkedReader, badOffset: number, damageEnd: number): string | undefined {
  const bad = recordAt(reader, badOffset)
  if (bad.kind !== 'bad') throw new Error(`wal: record at byte ${badOffset} is valid after the scan stopped there`)
  const found = validRecordAfter(reader, badOffset, bad.lengthBytes, damageEnd)
  if (found === 'budget') return `${bad.problem}, and the ${damageEnd - badOffset} bytes after it could not be searched for valid records within ${damageScanChecksumBytesMax} bytes of checksums`
  if (found !== undefined) return `${bad.problem}, and a valid record follows at byte ${found}`
  if (bad.lengthBytes > walRecordBytesMax) return bad.problem
  const recordEnd = badOffset + headerBytes + Math.max(1, bad.lengthBytes)
  if (damageEnd >= recordEnd) return `${bad.problem}, with all of its bytes present (not a write cut short)`
  return undefined
}

/** The first offset after `badOffset` where a valid record starts, 'budget' when the search gave up, else undefined. */
function validRecordAfter(reader: ChunkedReader, badOffset: number, claimedBytes: number, damageEnd: number): number | 'budget' | undefined {
  // A flipped byte in a payload or checksum leaves the length intact: the next record is where it says.
  const claimedEnd = badOffset + headerBytes + claimedBytes
  if (claimedBytes > 0 && claimedEnd < damageEnd && recordAt(reader, claimedEnd).kind === 'record') return claimedEnd
  let checksumBudget = damageScanChecksumBytesMax
  let window: Buffer = Buffer.alloc(0)
  let windowStart = badOffset + 1
  // A record's header holds a non-zero byte, so one that starts at or after damageEnd does not exist.
  for (let offset = badOffset + 1; offset < damageEnd; offset += 1) {
    if (offset + headerBytes + 1 > windowStart + window.length) {
      if (offset + headerBytes + 1 > reader.fileBytes) return undefined
      window = reader.bytes(offset, Math.max(reader.chunkBytes, headerBytes + 1))
      windowStart = offset
    }
    const at = offset - windowStart
    const lengthBytes = window.readUInt32BE(at)
    if (lengthBytes === 0 || lengthBytes > walRecordBytesMax || offset + headerBytes + lengthBytes > reader.fileBytes) continue
    if (!isMapMarker(window[at + headerBytes]!)) continue
    checksumBudget -= lengthBytes
    if (checksumBudget < 0) return 'budget'
    if (recordAt(reader, offset).kind === 'record') return offset
  }
  return undefined
}

/**
 * Positioned reads of one file through a window of at least chunkBytes (a request larger than a
 * chunk gets a window of its own size). Each window is a fresh buffer, so what a caller holds stays valid.
 */
class ChunkedReader {
  private window: Buffer = Buffer.alloc(0)
  private windowStart = 0

  constructor(
    private readonly fd: number,
    readonly fileBytes: number,
    readonly chunkBytes: number,
  ) {
    if (!(chunkBytes >= 1)) throw new Error(`wal: read chunk of ${chunkBytes} bytes`)
  }

  /** Bytes [position, position + length), fewer at the end of the file. */
  bytes(position: number, length: number): Buffer {
    const end = Math.min(position + length, this.fileBytes)
    if (end <= position) return Buffer.alloc(0)
    if (position < this.windowStart || end > this.windowStart + this.window.length) {
      const windowEnd = Math.min(this.fileBytes, position + Math.max(this.chunkBytes, end - position))
      this.window = Buffer.allocUnsafe(windowEnd - position)
      this.windowStart = position
      for (let filled = 0; filled < this.window.length; ) {
        const read = fs.readSync(this.fd, this.window, filled, this.window.length - filled, position + filled)
        if (read === 0) throw new Error(`wal: file shrank while reading it (at byte ${position + filled})`)
        filled += read
      }
    }
    return this.window.subarray(position - this.windowStart, end - this.windowStart)
  }

  /**
   * The offset just after the last non-zero byte at or after `from` (`from` when there is none),
   * read backwards in steps of zeroChunk's size: most of it is the preallocated space.
   */
  nonZeroEnd(from: number): number {
    const stepBytes = zeroChunk.length
    for (let end = this.fileBytes; end > from; ) {
      const start = Math.max(from, end - stepBytes)
      const chunk = this.bytes(start, end - start)
      if (!chunk.equals(zeroChunk.subarray(0, chunk.length))) {
        for (let index = chunk.length - 1; index >= 0; index -= 1) if (chunk[index] !== 0) return start + index + 1
      }
      end = start
    }
    return from
  }
}
