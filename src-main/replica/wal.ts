/**
 * Write-ahead log: an append-only file of checksummed records, one file per replica.
 * Record layout: [u32 payload length][u32 crc32 of payload][msgpack payload].
 * `append` returns only after the bytes are written and, with durability fsync, fdatasync'd:
 * the replica calls it before anything it persisted leaves the process.
 *
 * The file is kept zero-filled ahead of the write position (in preallocationBytes steps): an
 * fdatasync that does not change the file's size or extents needs no journal commit, which halves
 * its cost when three replicas share one disk (measured: 0.49 vs 0.99 ms p50).
 * On open, records are read back until the first torn, corrupt or zero header; everything after it
 * is zeroed again, so a stale record can never reappear behind a shorter new one.
 */
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { Packr } from 'msgpackr'

const headerBytes = 8
/** A record larger than this is taken as corruption when reading back. */
export const walRecordBytesMax = 64 * 1024 * 1024
/** Zero-filled space kept ahead of the write position. */
export const preallocationBytes = 8 * 1024 * 1024
const zeroChunk = Buffer.alloc(1024 * 1024)

const packr = new Packr({ useRecords: false, mapsAsObjects: true })

export type Durability = 'fsync' | 'none'

export interface WalRecovery<P> {
  records: P[]
  /** Bytes of a torn or corrupt tail found after the last good record (zeroed on open). */
  truncatedBytes: number
}

export class WriteAheadLog<P> {
  /** Added to every fsync (the slow-disk fault); the thread blocks, as in a real slow fdatasync. */
  extraSyncMs = 0
  private readonly sleepCell = new Int32Array(new SharedArrayBuffer(4))

  private constructor(
    private readonly fd: number,
    private readonly durability: Durability,
    private sizeBytes: number,
    private allocatedBytes: number,
  ) {}

  static open<P>(dataDir: string, durability: Durability): { wal: WriteAheadLog<P>; recovery: WalRecovery<P> } {
    fs.mkdirSync(dataDir, { recursive: true })
    const file = path.join(dataDir, 'wal.log')
    const contents = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0)
    const { records, validBytes } = readRecords<P>(contents)
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT)
    const garbageBytes = nonZeroTail(contents, validBytes)
    if (garbageBytes > 0) {
      zeroRange(fd, validBytes, validBytes + garbageBytes)
      fs.fsyncSync(fd)
    }
    const wal = new WriteAheadLog<P>(fd, durability, validBytes, contents.length)
    return { wal, recovery: { records, truncatedBytes: garbageBytes } }
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
   */
  write(records: readonly P[]): number {
    if (records.length === 0) return 0
    const parts: Buffer[] = []
    let total = 0
    for (const record of records) {
      const payload = packr.pack(record)
      const header = Buffer.allocUnsafe(headerBytes)
      header.writeUInt32BE(payload.length, 0)
      header.writeUInt32BE(zlib.crc32(payload), 4)
      parts.push(header, payload)
      total += headerBytes + payload.length
    }
    const buffer = Buffer.concat(parts, total)
    this.ensureAllocated(this.sizeBytes + buffer.length)
    let written = 0
    while (written < buffer.length) {
      written += fs.writeSync(this.fd, buffer, written, buffer.length - written, this.sizeBytes + written)
    }
    this.sizeBytes += buffer.length
    return buffer.length
  }

  /** Makes everything written so far durable (with durability fsync; a no-op with none). */
  sync(): void {
    if (this.durability !== 'fsync') return
    fs.fdatasyncSync(this.fd)
    if (this.extraSyncMs > 0) Atomics.wait(this.sleepCell, 0, 0, this.extraSyncMs)
  }

  /** Bytes of records (not counting the zero-filled space ahead). */
  get bytes(): number {
    return this.sizeBytes
  }

  close(): void {
    fs.closeSync(this.fd)
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

function zeroRange(fd: number, fromBytes: number, toBytes: number): void {
  for (let position = fromBytes; position < toBytes; ) {
    const length = Math.min(zeroChunk.length, toBytes - position)
    position += fs.writeSync(fd, zeroChunk, 0, length, position)
  }
}

/** Length of the region after `from` up to the last non-zero byte. */
function nonZeroTail(contents: Buffer, from: number): number {
  let last = contents.length - 1
  while (last >= from && contents[last] === 0) last -= 1
  return last >= from ? last + 1 - from : 0
}

function readRecords<P>(contents: Buffer): { records: P[]; validBytes: number } {
  const records: P[] = []
  let offset = 0
  while (contents.length - offset >= headerBytes) {
    const length = contents.readUInt32BE(offset)
    const checksum = contents.readUInt32BE(offset + 4)
    if (length === 0 || length > walRecordBytesMax || contents.length - offset - headerBytes < length) break
    const payload = contents.subarray(offset + headerBytes, offset + headerBytes + length)
    if (zlib.crc32(payload) !== checksum) break
    try {
      records.push(packr.unpack(payload) as P)
    } catch {
      break
    }
    offset += headerBytes + length
  }
  return { records, validBytes: offset }
}
