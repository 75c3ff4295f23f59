/**
 * A replica's WAL keeps Raft's configuration (thesis §4.1): configuration entries are log entries,
 * and a snapshot record carries the configuration at its index; both come back on a restart.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { seededRandom } from '../../src-main/protocols/common/random.js'
import { RaftCore } from '../../src-main/protocols/raft/index.js'
import type { RaftPersist } from '../../src-main/protocols/raft/index.js'
import { WriteAheadLog } from '../../src-main/replica/wal.js'

const directories: string[] = []
afterEach(() => {
  for (const directory of directories.splice(0)) fs.rmSync(directory, { recursive: true, force: true })
})

function coreFrom(records: RaftPersist[]): RaftCore {
  return new RaftCore({
    id: 'n2', members: ['n1', 'n2', 'n3'], electionTimeoutTicks: [10, 20], heartbeatTicks: 2, random: seededRandom(1, 'n2'),
    preVote: false, checkQuorum: false, batchEntriesMax: 64, inflightAppendsMax: 4, persisted: records,
  })
}

describe('the WAL keeps the Raft configuration across a restart', () => {
  it('a configuration entry in the log, and the configuration of a snapshot that compacted it', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'raft-config-wal-'))
    directories.push(directory)
    const noop = { op: 'noop' as const }
    const { wal } = WriteAheadLog.open<RaftPersist>(directory, 'none')
    wal.append([
      { kind: 'hardState', term: 1, votedFor: 'n1' },
      { kind: 'entries', fromIndex: 1, entries: [{ term: 1, command: noop }, { term: 1, command: noop, config: { voters: ['n1', 'n2', 'n3'], learners: ['n4'] } }] },
    ])
    wal.close()
    const first = WriteAheadLog.open<RaftPersist>(directory, 'none')
    expect(coreFrom(first.recovery.records).configuration()).toMatchObject({ voters: ['n1', 'n2', 'n3'], learners: ['n4'], index: 2 })

    first.wal.startOver([
      { kind: 'snapshot', index: 3, term: 1, members: ['n1', 'n2', 'n3', 'n4'], learners: ['n5'], data: new Uint8Array([1, 2, 3]) },
      { kind: 'hardState', term: 1, votedFor: 'n1' },
    ])
    first.wal.close()
    const second = WriteAheadLog.open<RaftPersist>(directory, 'none')
    const core = coreFrom(second.recovery.records)
    expect(core.configuration()).toMatchObject({ voters: ['n1', 'n2', 'n3', 'n4'], learners: ['n5'], index: 3 })
    expect(core.latestSnapshot()).toMatchObject({ index: 3, members: ['n1', 'n2', 'n3', 'n4'], learners: ['n5'] })
    second.wal.close()
  })
})
