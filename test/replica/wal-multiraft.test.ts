/**
 * MultiRaft's one WAL for every group (wal.ts): a segment starts at one group's snapshot record and
 * holds every group's snapshot record, each with its own file; a group whose snapshot did not change
 * keeps its file (not written again); a kill -9 at any step leaves one whole segment whose files are
 * all there.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { WriteAheadLog, type StartOverStep } from '../../src-main/replica/wal.js'

type Inner = { kind: 'snapshot'; index: number; data: Uint8Array } | { kind: 'hardState'; term: number } | { kind: 'entries'; fromIndex: number }
interface Rec {
  g: number
  r: Inner
}

const directories: string[] = []
const opened: WriteAheadLog<Rec>[] = []
afterEach(() => {
  for (const wal of opened.splice(0)) wal.close()
  for (const directory of directories.splice(0)) fs.rmSync(directory, { recursive: true, force: true })
})

function tempDir(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-multiraft-'))
  directories.push(directory)
  return directory
}

function open(directory: string): { wal: WriteAheadLog<Rec>; records: Rec[] } {
  const { wal, recovery } = WriteAheadLog.open<Rec>(directory, 'fsync')
  opened.push(wal)
  return { wal, records: recovery.records }
}

function reopen(directory: string): Rec[] {
  const { wal, recovery } = WriteAheadLog.open<Rec>(directory, 'none')
  wal.close()
  // Buffers back as plain bytes, for toEqual against Uint8Arrays.
  return recovery.records.map((record) => (record.r.kind === 'snapshot' ? { g: record.g, r: { ...record.r, data: new Uint8Array(record.r.data) } } : record))
}

const snapshot = (g: number, index: number, fill: number): Rec => ({ g, r: { kind: 'snapshot', index, data: new Uint8Array(500).fill(fill) } })
const hardState = (g: number, term: number): Rec => ({ g, r: { kind: 'hardState', term } })
const entries = (g: number, fromIndex: number): Rec => ({ g, r: { kind: 'entries', fromIndex } })

function snapshotFiles(directory: string): string[] {
  return fs.readdirSync(directory).filter((name) => name.startsWith('snapshot-')).sort()
}

/** Group 0 and group 1 snapshotted, group 2 never did: the first MultiRaft segment. */
const firstSegment = [snapshot(0, 10, 1), hardState(0, 1), entries(0, 11), snapshot(1, 5, 2), hardState(1, 1), hardState(2, 1), entries(2, 1)]
/** Group 1 snapshots again: its new snapshot first, group 0's unchanged one after. */
const secondSegment = [snapshot(1, 8, 3), hardState(1, 2), snapshot(0, 10, 1), hardState(0, 1), entries(0, 11), hardState(2, 1), entries(2, 1)]

describe('one WAL for every MultiRaft group: a segment holds each group\'s snapshot', () => {
  it('writes a file per group, reads every group\'s snapshot back on open, and keeps an unchanged group\'s file rather than writing it again', () => {
    const directory = tempDir()
    const { wal } = open(directory)
    wal.append([hardState(0, 1), hardState(1, 1)])
    const written: StartOverStep[] = []
    wal.onStartOverStep = (step) => written.push(step)
    wal.startOver(firstSegment)
    expect(snapshotFiles(directory)).toEqual(['snapshot-g0-000000000010.bin', 'snapshot-g1-000000000005.bin'])
    expect(written.filter((step) => step === 'snapshot-file-written')).toHaveLength(2)
    const groupZeroFile = path.join(directory, 'snapshot-g0-000000000010.bin')
    const groupZeroInode = fs.statSync(groupZeroFile).ino
    written.length = 0
    wal.append([entries(2, 2)])
    wal.startOver(secondSegment)
    // Only group 1's new file was written; group 0's is the same file; group 1's old one is gone.
    expect(written.filter((step) => step === 'snapshot-file-written')).toHaveLength(1)
    expect(fs.statSync(groupZeroFile).ino).toBe(groupZeroInode)
    expect(snapshotFiles(directory)).toEqual(['snapshot-g0-000000000010.bin', 'snapshot-g1-000000000008.bin'])
    wal.close()
    opened.splice(0)
    expect(reopen(directory)).toEqual(secondSegment)
  })

  it('a snapshot file written ahead is found by its group: the segment change can run in the background', async () => {
    const directory = tempDir()
    const { wal } = open(directory)
    wal.startOver(firstSegment)
    await wal.writeSnapshotFile(8, [new Uint8Array(500).fill(3)], 1)
    expect(wal.canStartOverInBackground(8, 1)).toBe(true)
    expect(wal.canStartOverInBackground(8)).toBe(false) // plain Raft's file of that index is another file
    expect(wal.canStartOverInBackground(8, 0)).toBe(false)
    // The live segment takes the records after the snapshot record meanwhile (the host's rule), snapshot records left out.
    wal.write(secondSegment.slice(1).filter((record) => record.r.kind !== 'snapshot'))
    await new Promise<void>((resolve) => expect(wal.startOverInBackground(secondSegment, () => resolve())).toBe(true))
    wal.close()
    opened.splice(0)
    expect(reopen(directory)).toEqual(secondSegment)
    expect(snapshotFiles(directory)).toEqual(['snapshot-g0-000000000010.bin', 'snapshot-g1-000000000008.bin'])
  })

  // A thrown error at a step stands for kill -9 there: what was written stays, nothing after runs.
  for (const step of ['snapshot-file-written', 'next-segment-written', 'segment-swapped'] as const) {
    it(`a crash at ${step} leaves one whole segment with every group's snapshot file`, () => {
      const directory = tempDir()
      const { wal } = open(directory)
      wal.startOver(firstSegment)
      wal.append([entries(2, 2)])
      wal.onStartOverStep = (at) => {
        if (at === step) throw new Error(`killed at ${at}`)
      }
      expect(() => wal.startOver(secondSegment)).toThrow(/killed/)
      const records = reopen(directory)
      if (step === 'segment-swapped') {
        expect(records).toEqual(secondSegment)
        expect(snapshotFiles(directory)).toEqual(['snapshot-g0-000000000010.bin', 'snapshot-g1-000000000008.bin'])
      } else {
        expect(records).toEqual([...firstSegment, entries(2, 2)])
        expect(snapshotFiles(directory)).toEqual(['snapshot-g0-000000000010.bin', 'snapshot-g1-000000000005.bin'])
      }
    })
  }

  it('refuses a segment with two snapshot records of one group', () => {
    const directory = tempDir()
    const { wal } = open(directory)
    expect(() => wal.startOver([snapshot(0, 10, 1), snapshot(0, 12, 2)])).toThrow(/one snapshot record/)
    expect(() => wal.write([snapshot(1, 3, 1)])).toThrow(/never appended/)
  })
})
