import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { WriteAheadLog } from '../../src-main/replica/wal.js'

const directories: string[] = []
function tempDir(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-test-'))
  directories.push(directory)
  return directory
}
afterEach(() => {
  for (const directory of directories.splice(0)) fs.rmSync(directory, { recursive: true, force: true })
})

describe('write-ahead log', () => {
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
    const { wal } = WriteAheadLog.open<{ n: number }>(directory, 'fsync')
    wal.append([{ n: 1 }, { n: 2 }])
    wal.close()
    const file = path.join(directory, 'wal.log')
    const intact = wal.bytes
    const torn = Buffer.from([0, 0, 0, 40, 1, 2, 3, 4, 5])
    const handle = fs.openSync(file, 'r+')
    fs.writeSync(handle, torn, 0, torn.length, intact)
    fs.closeSync(handle)
    const { wal: reopened, recovery } = WriteAheadLog.open<{ n: number }>(directory, 'fsync')
    expect(recovery.records).toEqual([{ n: 1 }, { n: 2 }])
    expect(recovery.truncatedBytes).toBe(9)
    expect(fs.readFileSync(file).subarray(intact, intact + torn.length).every((byte) => byte === 0)).toBe(true)
    reopened.append([{ n: 3 }])
    reopened.close()
    expect(WriteAheadLog.open<{ n: number }>(directory, 'fsync').recovery.records).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }])
  })

  it('never resurrects a stale record that lay behind a torn one', () => {
    const directory = tempDir()
    const { wal } = WriteAheadLog.open<{ text: string }>(directory, 'fsync')
    wal.append([{ text: 'kept' }])
    const keptBytes = wal.bytes
    wal.append([{ text: 'torn record that was long' }])
    wal.append([{ text: 'stale but intact' }])
    wal.close()
    const file = path.join(directory, 'wal.log')
    const bytes = fs.readFileSync(file)
    bytes[keptBytes + 10] ^= 0xff
    fs.writeFileSync(file, bytes)
    const { wal: reopened, recovery } = WriteAheadLog.open<{ text: string }>(directory, 'fsync')
    expect(recovery.records).toEqual([{ text: 'kept' }])
    reopened.append([{ text: 'new' }])
    reopened.close()
    expect(WriteAheadLog.open<{ text: string }>(directory, 'fsync').recovery.records).toEqual([{ text: 'kept' }, { text: 'new' }])
  })

  it('stops at a record whose checksum does not match', () => {
    const directory = tempDir()
    const { wal } = WriteAheadLog.open<{ text: string }>(directory, 'none')
    wal.append([{ text: 'first' }])
    wal.append([{ text: 'second' }])
    wal.close()
    const file = path.join(directory, 'wal.log')
    const bytes = fs.readFileSync(file)
    bytes[wal.bytes - 2] ^= 0xff
    fs.writeFileSync(file, bytes)
    expect(WriteAheadLog.open<{ text: string }>(directory, 'none').recovery.records).toEqual([{ text: 'first' }])
  })
})
