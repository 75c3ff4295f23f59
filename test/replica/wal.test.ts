import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { preallocationBytes, WalClosedError, WalCorruptError, WriteAheadLog, walRecordBytesMax, walRecordOffsets } from '../../src-main/replica/wal.js'

const directories: string[] = []
function tempDir(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-test-'))
  directories.push(directory)
  return directory
}
afterEach(() => {
  vi.restoreAllMocks()
  for (const directory of directories.splice(0)) fs.rmSync(directory, { recursive: true, force: true })
})

function walFile(directory: string): string {
  return path.join(directory, 'wal.log')
}

function writeLog<P>(directory: string, batches: P[][]): number[] {
  const { wal } = WriteAheadLog.open<P>(directory, 'none')
  const ends: number[] = []
  for (const batch of batches) {
    wal.append(batch)
    ends.push(wal.bytes)
  }
  wal.close()
  return ends
}

function patch(file: string, position: number, bytes: Buffer): void {
  const handle = fs.openSync(file, 'r+')
  fs.writeSync(handle, bytes, 0, bytes.length, position)
  fs.closeSync(handle)
}

function flipByte(file: string, position: number): void {
  const handle = fs.openSync(file, 'r+')
  const byte = Buffer.alloc(1)
  fs.readSync(handle, byte, 0, 1, position)
  byte[0] ^= 0xff
  fs.writeSync(handle, byte, 0, 1, position)
  fs.closeSync(handle)
}

/** The encoded bytes of `records` as this WAL writes them (header and payload), from a scratch log. */
function encoded<P>(records: P[]): Buffer {
  const scratch = tempDir()
  const { wal } = WriteAheadLog.open<P>(scratch, 'none')
  wal.append(records)
  const length = wal.bytes
  wal.close()
  return fs.readFileSync(walFile(scratch)).subarray(0, length)
}

function expectRefusal(directory: string, offsetBytes: number): WalCorruptError {
  const file = walFile(directory)
  let caught: unknown
  try {
    WriteAheadLog.open(directory, 'fsync')
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(WalCorruptError)
  const error = caught as WalCorruptError
  expect(error.file).toBe(file)
  expect(error.offsetBytes).toBe(offsetBytes)
  expect(error.message).toContain(file)
  expect(error.message).toContain(`byte ${offsetBytes}`)
  expect(error.message).not.toContain('\n')
  return error
}

describe('write-ahead log', () => {
  it('on a jittery disk, blocks each fsync the slow disk\'s extra ms plus 0..jitterMs drawn per fsync from its seeded stream', () => {
    const { wal } = WriteAheadLog.open<{ n: number }>(tempDir(), 'fsync')
    const draws = [0, 0.5, 0.25]
    wal.slowDown({ extraMs: 1, jitterMs: 4, random: () => draws.shift()! })
    for (const n of [1, 2, 3]) wal.append([{ n }])
    expect(wal.syncs).toBe(3)
    expect(draws).toEqual([])
    expect(wal.extraSyncMsTotal).toBe(3 * 1 + (0 + 2 + 1))
    wal.slowDown({ extraMs: 0, jitterMs: 0, random: () => 1 })
    wal.append([{ n: 4 }])
    expect(wal.extraSyncMsTotal).toBe(6)
    wal.close()
  })

  it('returns every appended record, in order, after reopening', () => {
    const directory = tempDir()
    const { wal } = WriteAheadLog.open<{ n: number }>(directory, 'fsync')
    wal.append([{ n: 1 }, { n: 2 }])
    wal.append([{ n: 3 }])
    wal.close()
    const { wal: reopened, recovery } = WriteAheadLog.open<{ n: number }>(directory, 'fsync')
    expect(recovery.records).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }])
    expect(recovery.truncatedBytes).toBe(0)
    reopened.append([{ n: 4 }])
    reopened.close()
    expect(WriteAheadLog.open<{ n: number }>(directory, 'none').recovery.records.map((record) => record.n)).toEqual([1, 2, 3, 4])
  })

  it('cuts a torn last record and keeps everything before it', () => {
    const directory = tempDir()
    const [intact] = writeLog(directory, [[{ n: 1 }, { n: 2 }]])
    const file = walFile(directory)
    const torn = Buffer.from([0, 0, 0, 40, 1, 2, 3, 4, 5])
    patch(file, intact!, torn)
    const { wal: reopened, recovery } = WriteAheadLog.open<{ n: number }>(directory, 'fsync')
    expect(recovery.records).toEqual([{ n: 1 }, { n: 2 }])
    expect(recovery.truncatedBytes).toBe(9)
    expect(fs.readFileSync(file).subarray(intact!, intact! + torn.length).every((byte) => byte === 0)).toBe(true)
    reopened.append([{ n: 3 }])
    reopened.close()
    expect(WriteAheadLog.open<{ n: number }>(directory, 'fsync').recovery.records).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }])
  })

  it('takes a last write cut short inside the preallocated space as a torn tail, wherever the cut falls', () => {
    const lastWrite = encoded([{ text: 'second batch, first record' }, { text: 'second batch, second record' }])
    const directory = tempDir()
    const [intact] = writeLog(directory, [[{ text: 'acknowledged' }]])
    const firstRecordBytes = lastWrite.readUInt32BE(0) + 8
    // Every cut of the last write: inside a header, inside a payload, between its two records.
    for (let cut = 1; cut < lastWrite.length; cut += 1) {
      patch(walFile(directory), intact!, Buffer.alloc(lastWrite.length))
      patch(walFile(directory), intact!, lastWrite.subarray(0, cut))
      const { wal, recovery } = WriteAheadLog.open<{ text: string }>(directory, 'none')
      wal.close()
      const expected = cut >= firstRecordBytes ? [{ text: 'acknowledged' }, { text: 'second batch, first record' }] : [{ text: 'acknowledged' }]
      expect(recovery.records, `cut after ${cut} bytes`).toEqual(expected)
    }
  })

  it('refuses a damaged record in the middle of the log, naming the file and the byte, and changes nothing on disk', () => {
    const directory = tempDir()
    const ends = writeLog(directory, [[{ text: 'kept' }], [{ text: 'damaged' }], [{ text: 'acknowledged after it' }], [{ text: 'and another' }]])
    const file = walFile(directory)
    flipByte(file, ends[0]! + 8 + 3)
    const before = fs.readFileSync(file)
    expectRefusal(directory, ends[0]!)
    expect(fs.readFileSync(file).equals(before)).toBe(true)
  })

  it('refuses a record whose length field was damaged, finding the valid records after it', () => {
    const directory = tempDir()
    const ends = writeLog(directory, [[{ text: 'kept' }], [{ text: 'length damaged' }], [{ text: 'valid' }]])
    const file = walFile(directory)
    // The length grows by 0xff0000 bytes: the record now claims bytes past the end of the file.
    flipByte(file, ends[0]! + 1)
    const before = fs.readFileSync(file)
    const error = expectRefusal(directory, ends[0]!)
    expect(error.message).toContain(`a valid record follows at byte ${ends[1]}`)
    expect(fs.readFileSync(file).equals(before)).toBe(true)
  })

  it('refuses a zeroed stretch in the middle of the log followed by valid records', () => {
    const directory = tempDir()
    const ends = writeLog(directory, [[{ text: 'kept' }], [{ text: 'zeroed by the disk' }], [{ text: 'valid' }]])
    patch(walFile(directory), ends[0]!, Buffer.alloc(ends[1]! - ends[0]!))
    expectRefusal(directory, ends[0]!)
  })

  it('refuses a complete last record whose checksum does not match: a flipped byte, not a torn write', () => {
    const directory = tempDir()
    const ends = writeLog(directory, [[{ text: 'first' }], [{ text: 'second' }]])
    flipByte(walFile(directory), ends[1]! - 2)
    expectRefusal(directory, ends[0]!)
  })

  it('refuses at write time a record larger than the reader accepts, and writes nothing', () => {
    const directory = tempDir()
    const { wal } = WriteAheadLog.open<{ blob: string }>(directory, 'none')
    wal.append([{ blob: 'small' }])
    const bytesBefore = wal.bytes
    const huge = { blob: 'x'.repeat(walRecordBytesMax) }
    expect(() => wal.append([{ blob: 'fits' }, huge])).toThrow(/exceeds walRecordBytesMax/)
    expect(wal.bytes).toBe(bytesBefore)
    wal.append([{ blob: 'after' }])
    wal.close()
    expect(WriteAheadLog.open<{ blob: string }>(directory, 'none').recovery.records).toEqual([{ blob: 'small' }, { blob: 'after' }])
  })

  it('reads the log as a stream in bounded chunks, records spanning chunk boundaries included', () => {
    const directory = tempDir()
    const records = Array.from({ length: 60 }, (_, index) => ({ n: index, text: 'y'.repeat((index * 37) % 300) }))
    const ends = writeLog(directory, [records.slice(0, 20), records.slice(20, 21), records.slice(21)])
    const recordsEnd = ends.at(-1)!
    const readFileSync = vi.spyOn(fs, 'readFileSync')
    const readSync = vi.spyOn(fs, 'readSync')
    for (const readChunkBytes of [5, 16, 64, 1000]) {
      readSync.mockClear()
      const { wal, recovery } = WriteAheadLog.open<{ n: number; text: string }>(directory, 'none', { readChunkBytes })
      wal.close()
      expect(recovery.records, `chunks of ${readChunkBytes} bytes`).toEqual(records)
      // Reading records asks for one chunk at a time, or for one whole record when it is larger;
      // the preallocated zeros after them are checked a mebibyte at a time.
      const reads = readSync.mock.calls.map((call) => call as unknown as [number, Buffer, number, number, number]).map((call) => ({ length: call[3], position: call[4] }))
      const recordReads = reads.filter((read) => read.position < recordsEnd)
      expect(recordReads.length).toBeGreaterThan(0)
      expect(Math.max(...recordReads.map((read) => read.length))).toBeLessThanOrEqual(Math.max(readChunkBytes, 8 + 400))
      expect(Math.max(...reads.map((read) => read.length))).toBeLessThanOrEqual(1024 * 1024)
    }
    expect(readFileSync.mock.calls.filter((call) => String(call[0]).endsWith('wal.log'))).toEqual([])
  })

  it('lists each record with its byte offset', () => {
    const directory = tempDir()
    const ends = writeLog(directory, [[{ n: 1 }], [{ n: 2 }, { n: 3 }]])
    const listed = walRecordOffsets<{ n: number }>(walFile(directory))
    expect(listed.map((item) => item.record.n)).toEqual([1, 2, 3])
    expect(listed[0]!.offsetBytes).toBe(0)
    expect(listed[1]!.offsetBytes).toBe(ends[0])
  })
})

describe('segments: a snapshot record starts the log over (Raft §7)', () => {
  // A segment change zero-fills the next one with asynchronous writes: wait for them before the
  // directory is removed (afterEach of this block runs before the file's).
  const tracked: WriteAheadLog<unknown>[] = []
  function openTracked<P>(directory: string, durability: 'fsync' | 'none'): ReturnType<typeof WriteAheadLog.open<P>> {
    const opened = WriteAheadLog.open<P>(directory, durability)
    tracked.push(opened.wal as WriteAheadLog<unknown>)
    return opened
  }
  afterEach(async () => {
    await Promise.all(tracked.splice(0).map((wal) => wal.spareDone()))
  })
  type Rec = { kind: string; index?: number; data?: Uint8Array; n?: number }
  const snapshot = (index: number, fill: number): Rec => ({ kind: 'snapshot', index, data: new Uint8Array(1000).fill(fill) })
  const entries = (from: number, count: number): Rec[] => Array.from({ length: count }, (_, at) => ({ kind: 'entries', n: from + at }))

  function reopen(directory: string): Rec[] {
    const { wal, recovery } = openTracked<Rec>(directory, 'fsync')
    wal.close()
    return recovery.records.map((record) => (record.data ? { ...record, data: new Uint8Array(record.data) } : record))
  }

  it('keeps the snapshot in a file of its own, drops the segment before it, and a restart reads the snapshot and the tail only', () => {
    const directory = tempDir()
    const { wal } = openTracked<Rec>(directory, 'fsync')
    wal.append(entries(1, 500))
    const before = wal.bytes
    wal.startOver([snapshot(400, 7), ...entries(401, 100)])
    expect(wal.bytes).toBeLessThan(before)
    wal.append(entries(501, 2))
    wal.close()
    expect(fs.readdirSync(directory).filter((name) => name !== 'wal.log.spare').sort()).toEqual(['snapshot-000000000400.bin', 'wal.log'])
    const records = reopen(directory)
    expect(records[0]).toEqual(snapshot(400, 7))
    expect(records.slice(1).map((record) => record.n)).toEqual([...Array.from({ length: 102 }, (_, at) => 401 + at)])
  })

  it('a second snapshot removes the first one’s file', () => {
    const directory = tempDir()
    const { wal } = openTracked<Rec>(directory, 'none')
    wal.startOver([snapshot(10, 1)])
    wal.startOver([snapshot(20, 2), ...entries(21, 1)])
    wal.close()
    expect(fs.readdirSync(directory).filter((name) => name !== 'wal.log.spare').sort()).toEqual(['snapshot-000000000020.bin', 'wal.log'])
    expect(reopen(directory)[0]).toEqual(snapshot(20, 2))
  })

  // A thrown error at a step stands for kill -9 there: what was written stays, nothing after runs.
  for (const step of ['snapshot-file-written', 'next-segment-written', 'segment-swapped'] as const) {
    it(`a crash at ${step} leaves a log that opens whole: the old segment or the new one, every record of it`, () => {
      const directory = tempDir()
      const { wal } = openTracked<Rec>(directory, 'fsync')
      wal.startOver([snapshot(10, 1), ...entries(11, 5)])
      wal.append(entries(16, 5))
      wal.onStartOverStep = (at) => {
        if (at === step) throw new Error(`killed at ${at}`)
      }
      expect(() => wal.startOver([snapshot(18, 2), ...entries(19, 2)])).toThrow(/killed/)
      const records = reopen(directory)
      if (step === 'segment-swapped') {
        expect(records[0]).toEqual(snapshot(18, 2))
        expect(records.slice(1).map((record) => record.n)).toEqual([19, 20])
      } else {
        expect(records[0]).toEqual(snapshot(10, 1))
        expect(records.slice(1).map((record) => record.n)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
      }
      // Whatever the interrupted attempt left is gone; only the live segment's snapshot stays.
      expect(fs.readdirSync(directory).filter((name) => name !== 'wal.log' && name !== 'wal.log.spare')).toEqual([step === 'segment-swapped' ? 'snapshot-000000000018.bin' : 'snapshot-000000000010.bin'])
    })
  }

  /** A snapshot's bytes in pieces, each asked for only after the one before it was written; `held` stops after the first until released. */
  async function* piecesOf(data: Uint8Array, pieceBytes: number, held?: Promise<void>): AsyncGenerator<Uint8Array> {
    for (let start = 0; start < data.length; start += pieceBytes) {
      yield data.subarray(start, start + pieceBytes)
      if (start === 0 && held !== undefined) await held
    }
  }

  it('a snapshot file written ahead (off the event loop) is the one its segment change names: the change writes only the segment', async () => {
    const directory = tempDir()
    const { wal } = openTracked<Rec>(directory, 'fsync')
    wal.append(entries(1, 30))
    const steps: string[] = []
    wal.onStartOverStep = (step) => steps.push(step)
    const record = snapshot(25, 9)
    const data = await wal.writeSnapshotFile(25, piecesOf(record.data!, 300))
    expect(Buffer.from(data).equals(Buffer.from(record.data!))).toBe(true)
    expect(steps).toEqual(['snapshot-file-written'])
    const fileBefore = fs.statSync(path.join(directory, 'snapshot-000000000025.bin'))
    wal.startOver([record, ...entries(26, 5)])
    expect(steps, 'the file is not written a second time').toEqual(['snapshot-file-written', 'next-segment-written', 'segment-swapped'])
    expect(fs.statSync(path.join(directory, 'snapshot-000000000025.bin')).ino).toBe(fileBefore.ino)
    wal.close()
    const records = reopen(directory)
    expect(records[0]).toEqual(record)
    expect(records.slice(1).map((at) => at.n)).toEqual([26, 27, 28, 29, 30])
  })

  it('a segment change does not remove a snapshot file still being written; a kill before its own change leaves the old log whole', async () => {
    const directory = tempDir()
    const { wal } = openTracked<Rec>(directory, 'fsync')
    let release!: () => void
    const writing = wal.writeSnapshotFile(50, piecesOf(new Uint8Array(1000).fill(5), 100, new Promise((resolve) => (release = resolve))))
    await vi.waitFor(() => expect(fs.readdirSync(directory)).toContain('snapshot-000000000050.bin.tmp'))
    wal.startOver([snapshot(40, 4), ...entries(41, 20)]) // say an installed snapshot, meanwhile
    expect(fs.readdirSync(directory)).toContain('snapshot-000000000050.bin.tmp')
    release()
    await writing
    expect(fs.readdirSync(directory)).toContain('snapshot-000000000050.bin')
    // Killed here (before the segment change naming it): the log is the segment from 40, and the unnamed file goes.
    const records = reopen(directory)
    expect(records[0]).toEqual(snapshot(40, 4))
    expect(fs.readdirSync(directory).filter((name) => name.startsWith('snapshot-'))).toEqual(['snapshot-000000000040.bin'])
  })

  it('a log closed while a snapshot file is being written abandons it: WalClosedError, and no file left', async () => {
    const directory = tempDir()
    const { wal } = openTracked<Rec>(directory, 'fsync')
    let release!: () => void
    const writing = wal.writeSnapshotFile(7, piecesOf(new Uint8Array(1000).fill(3), 100, new Promise((resolve) => (release = resolve))))
    await vi.waitFor(() => expect(fs.readdirSync(directory)).toContain('snapshot-000000000007.bin.tmp'))
    wal.close()
    release()
    await expect(writing).rejects.toBeInstanceOf(WalClosedError)
    expect(fs.readdirSync(directory).filter((name) => name.startsWith('snapshot-'))).toEqual([])
  })

  /** An own snapshot's segment change in the background, as the replica does it: the records after the snapshot record go to the live segment first. */
  async function startInBackground(wal: WriteAheadLog<Rec>, record: Rec, rest: Rec[]): Promise<{ done: Promise<number> }> {
    await wal.writeSnapshotFile(record.index!, piecesOf(record.data!, 250))
    wal.write(rest)
    let finished!: (bytes: number) => void
    const done = new Promise<number>((resolve) => (finished = resolve))
    expect(wal.startOverInBackground([record, ...rest], (bytes) => finished(bytes))).toBe(true)
    return { done }
  }

  it('a segment change in the background: the live segment takes appends meanwhile and stays whole; the new one gets them behind its records', async () => {
    const directory = tempDir()
    const { wal } = openTracked<Rec>(directory, 'fsync')
    wal.append(entries(1, 30))
    const { done } = await startInBackground(wal, snapshot(25, 6), entries(26, 5))
    wal.append(entries(31, 3))
    // Until the swap, the live file is the old segment, every record in it (a kill -9 now restarts from it).
    expect(walRecordOffsets<Rec>(walFile(directory)).map(({ record }) => record.n).filter((n) => n !== undefined).slice(-8)).toEqual([26, 27, 28, 29, 30, 31, 32, 33])
    await done
    wal.append(entries(34, 1))
    wal.close()
    const records = reopen(directory)
    expect(records[0]).toEqual(snapshot(25, 6))
    expect(records.slice(1).map((record) => record.n)).toEqual([26, 27, 28, 29, 30, 31, 32, 33, 34])
  })

  // A copy of the directory at a step is what a kill -9 there leaves (the kernel holds every write made).
  for (const step of ['next-segment-written', 'segment-swapped'] as const) {
    it(`a segment change in the background killed at ${step} leaves a log that opens whole, nothing appended meanwhile lost`, async () => {
      const directory = tempDir()
      const atKill = tempDir()
      const { wal } = openTracked<Rec>(directory, 'fsync')
      wal.append(entries(1, 12))
      wal.onStartOverStep = (at) => {
        if (at === step) fs.cpSync(directory, atKill, { recursive: true })
      }
      const { done } = await startInBackground(wal, snapshot(10, 2), entries(11, 2))
      wal.append(entries(13, 2))
      await done
      wal.close()
      const records = reopen(atKill)
      const tail = records.slice(1).map((record) => record.n)
      if (step === 'segment-swapped') {
        expect(records[0]).toEqual(snapshot(10, 2))
        expect(tail).toEqual([11, 12, 13, 14])
      } else {
        expect(records[0]!.kind).toBe('entries')
        expect(records.map((record) => record.n).slice(-4)).toEqual([11, 12, 13, 14])
      }
    })
  }

  it('a log closed during a segment change in the background keeps its old segment whole and drops the new one', async () => {
    const directory = tempDir()
    const { wal } = openTracked<Rec>(directory, 'fsync')
    wal.append(entries(1, 12))
    await startInBackground(wal, snapshot(10, 2), entries(11, 2))
    wal.append(entries(13, 1))
    wal.close()
    await vi.waitFor(() => expect(fs.readdirSync(directory)).not.toContain('wal.log.next'))
    const records = reopen(directory)
    // 1..12, then 11 and 12 again (the records after the snapshot record, rewritten into it), then 13.
    expect(records.map((record) => record.n)).toEqual([...Array.from({ length: 12 }, (_, at) => 1 + at), 11, 12, 13])
    expect(fs.readdirSync(directory).filter((name) => name.startsWith('snapshot-'))).toEqual([])
  })

  it('a segment change at once (an installed snapshot) while one runs in the background finishes that one first', async () => {
    const directory = tempDir()
    const { wal } = openTracked<Rec>(directory, 'fsync')
    wal.append(entries(1, 12))
    const steps: string[] = []
    wal.onStartOverStep = (at) => steps.push(at)
    const { done } = await startInBackground(wal, snapshot(10, 2), entries(11, 2))
    wal.startOver([snapshot(20, 3), ...entries(21, 1)])
    expect(steps).toEqual(['snapshot-file-written', 'next-segment-written', 'segment-swapped', 'snapshot-file-written', 'next-segment-written', 'segment-swapped'])
    wal.append(entries(22, 1))
    wal.close()
    const records = reopen(directory)
    expect(records[0]).toEqual(snapshot(20, 3))
    expect(records.slice(1).map((record) => record.n)).toEqual([21, 22])
    void done // finished synchronously: its callback never comes
  })

  it('refuses a segment change whose snapshot differs from the file written ahead for it', async () => {
    const directory = tempDir()
    const { wal } = openTracked<Rec>(directory, 'none')
    await wal.writeSnapshotFile(12, piecesOf(new Uint8Array(1000).fill(1), 1000))
    expect(() => wal.startOver([snapshot(12, 2)])).toThrow(/differs from the file written ahead/)
    wal.close()
  })

  it('refuses to start when the snapshot the log starts from is missing or damaged, naming the file', () => {
    const directory = tempDir()
    const { wal } = openTracked<Rec>(directory, 'none')
    wal.startOver([snapshot(10, 1)])
    wal.close()
    flipByte(path.join(directory, 'snapshot-000000000010.bin'), 3)
    expect(() => WriteAheadLog.open<Rec>(directory, 'none')).toThrow(/snapshot-000000000010\.bin is corrupt.*expects 1000 bytes/)
    fs.rmSync(path.join(directory, 'snapshot-000000000010.bin'))
    expect(() => WriteAheadLog.open<Rec>(directory, 'none')).toThrow(WalCorruptError)
  })

  it('the next segment goes into a spare zero-filled ahead of time, and a log opened from it reads its records and a clean end', async () => {
    const directory = tempDir()
    const { wal } = openTracked<Rec>(directory, 'fsync')
    wal.startOver([snapshot(10, 1), ...entries(11, 3)])
    await wal.spareDone()
    expect(fs.statSync(path.join(directory, 'wal.log.spare')).size).toBe(preallocationBytes)
    wal.startOver([snapshot(20, 2), ...entries(21, 3)])
    // The spare became the live segment: its size is the spare's (a new file would be the records' size plus the zero-fill rounding).
    expect(fs.statSync(walFile(directory)).size).toBe(preallocationBytes)
    wal.append(entries(24, 2))
    await wal.spareDone()
    wal.close()
    const records = reopen(directory)
    expect(records[0]).toEqual(snapshot(20, 2))
    expect(records.slice(1).map((record) => record.n)).toEqual([21, 22, 23, 24, 25])
  })

  it('closes trimmed to its records: neither the zero-filled space ahead nor the spare stays on disk, and the log reopens whole and takes appends', async () => {
    const directory = tempDir()
    const { wal } = openTracked<Rec>(directory, 'fsync')
    wal.startOver([snapshot(10, 1), ...entries(11, 3)])
    wal.append(entries(14, 2))
    await wal.spareDone()
    expect(fs.statSync(walFile(directory)).size).toBeGreaterThanOrEqual(preallocationBytes)
    const recordBytes = wal.bytes
    wal.close()
    expect(fs.statSync(walFile(directory)).size).toBe(recordBytes)
    expect(fs.existsSync(path.join(directory, 'wal.log.spare'))).toBe(false)

    const reopened = openTracked<Rec>(directory, 'fsync')
    expect(reopened.recovery.truncatedBytes).toBe(0)
    reopened.wal.append(entries(16, 1))
    reopened.wal.close()
    expect(reopen(directory).slice(1).map((record) => record.n)).toEqual([11, 12, 13, 14, 15, 16])
  })

  it('a spare still being zero-filled when the log closes is removed once filled', async () => {
    const directory = tempDir()
    const { wal } = openTracked<Rec>(directory, 'fsync')
    wal.startOver([snapshot(10, 1)])
    wal.close()
    await wal.spareDone()
    expect(fs.readdirSync(directory).filter((name) => name.startsWith('wal.log'))).toEqual(['wal.log'])
  })

  it('refuses to append a snapshot record: it only ever starts a segment', () => {
    const { wal } = openTracked<Rec>(tempDir(), 'none')
    expect(() => wal.append([snapshot(3, 1)])).toThrow(/starts a segment/)
    wal.close()
  })
})
