/**
 * The trace announces an entry as appended once: a snapshot's new WAL segment writes the log after
 * the snapshot again, and those records are not new entries.
 */
import { describe, expect, it } from 'vitest'
import { AnnouncedLog } from '../../src-main/replica/announced-log.js'

describe('AnnouncedLog', () => {
  it('holds what was announced, by index and term, per group', () => {
    const log = new AnnouncedLog()
    log.announce(undefined, 1, [1, 1, 2, 2, 2])
    log.announce(3, 1, [5])
    expect([1, 2].map((index) => log.holds(undefined, index, 1))).toEqual([true, true])
    expect([3, 4, 5].map((index) => log.holds(undefined, index, 2))).toEqual([true, true, true])
    expect(log.holds(undefined, 3, 1), 'index 3 has term 2').toBe(false)
    expect(log.holds(undefined, 6, 2), 'nothing past the end').toBe(false)
    expect(log.holds(3, 1, 5)).toBe(true)
    expect(log.holds(0, 1, 1), 'another group').toBe(false)
  })

  it('a conflicting append replaces everything from its first index on', () => {
    const log = new AnnouncedLog()
    log.announce(undefined, 1, [1, 1, 1, 1])
    log.announce(undefined, 3, [2])
    expect(log.holds(undefined, 2, 1)).toBe(true)
    expect(log.holds(undefined, 3, 1), 'truncated').toBe(false)
    expect(log.holds(undefined, 3, 2)).toBe(true)
    expect(log.holds(undefined, 4, 1), 'truncated with it').toBe(false)
  })

  it('after a gap (an installed snapshot) knows nothing before it', () => {
    const log = new AnnouncedLog()
    log.announce(undefined, 1, [1, 1])
    log.announce(undefined, 10, [3, 3])
    expect(log.holds(undefined, 1, 1)).toBe(false)
    expect(log.holds(undefined, 5, 1), 'a compacted index is not held under the old term').toBe(false)
    expect(log.holds(undefined, 11, 3)).toBe(true)
  })
})
