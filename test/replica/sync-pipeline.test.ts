import { describe, expect, it } from 'vitest'
import { SyncPipeline, type SyncTarget } from '../../src-main/replica/sync-pipeline.js'

/** A log whose background syncs complete when the test says so. */
class ManualLog implements SyncTarget {
  readonly inFlight: ((error: Error | null) => void)[] = []
  syncsNow = 0
  syncInBackground(done: (error: Error | null) => void): void {
    this.inFlight.push(done)
  }
  syncNow(): void {
    this.syncsNow += 1
  }
  complete(error: Error | null = null): void {
    const done = this.inFlight.shift()
    if (!done) throw new Error('no sync in flight')
    done(error)
  }
}

function setUp() {
  const log = new ManualLog()
  const failures: Error[] = []
  const pipeline = new SyncPipeline(log, (error) => failures.push(error))
  const ran: string[] = []
  return { log, failures, pipeline, ran }
}

describe('SyncPipeline: group commit across turns', () => {
  it('runs a turn that needs no sync at once when nothing waits', () => {
    const { log, pipeline, ran } = setUp()
    pipeline.after(false, true, () => ran.push('a'))
    expect(ran).toEqual(['a'])
    expect(log.inFlight).toHaveLength(0)
  })

  it('holds a turn until the background sync of its records completes', () => {
    const { log, pipeline, ran } = setUp()
    pipeline.wrote()
    pipeline.after(true, true, () => ran.push('a'))
    expect(ran).toEqual([])
    expect(log.inFlight).toHaveLength(1)
    log.complete()
    expect(ran).toEqual(['a'])
  })

  it('keeps turns in order: one that needs no sync waits behind one that does', () => {
    const { log, pipeline, ran } = setUp()
    pipeline.wrote()
    pipeline.after(true, true, () => ran.push('durable'))
    pipeline.after(false, true, () => ran.push('apply-only'))
    expect(ran).toEqual([])
    log.complete()
    expect(ran).toEqual(['durable', 'apply-only'])
  })

  it('has one sync in flight; turns written meanwhile share the next one', () => {
    const { log, pipeline, ran } = setUp()
    pipeline.wrote()
    pipeline.after(true, true, () => ran.push('1'))
    pipeline.wrote()
    pipeline.after(true, true, () => ran.push('2'))
    pipeline.wrote()
    pipeline.after(true, true, () => ran.push('3'))
    expect(log.inFlight).toHaveLength(1)
    // The first sync was issued before turns 2 and 3 wrote: it covers turn 1 only.
    log.complete()
    expect(ran).toEqual(['1'])
    expect(log.inFlight).toHaveLength(1)
    log.complete()
    expect(ran).toEqual(['1', '2', '3'])
    expect(pipeline.syncsInBackground).toBe(2)
  })

  it('syncs on the thread when the sync may not run in the background, after the turns before it', () => {
    const { log, pipeline, ran } = setUp()
    pipeline.wrote()
    pipeline.after(true, true, () => ran.push('background'))
    pipeline.wrote()
    pipeline.after(true, false, () => ran.push('blocking'))
    expect(log.syncsNow).toBe(1)
    expect(ran).toEqual(['background', 'blocking'])
    // The background sync that completes later changes nothing.
    log.complete()
    expect(ran).toEqual(['background', 'blocking'])
  })

  it('lets waiting turns go once the caller made everything durable (a segment change)', () => {
    const { pipeline, ran } = setUp()
    pipeline.wrote()
    pipeline.after(true, true, () => ran.push('a'))
    pipeline.durableNow()
    expect(ran).toEqual(['a'])
  })

  it('reports a failed sync and runs nothing that waited for it', () => {
    const { log, failures, pipeline, ran } = setUp()
    pipeline.wrote()
    pipeline.after(true, true, () => ran.push('a'))
    log.complete(new Error('EIO'))
    expect(failures.map((error) => error.message)).toEqual(['EIO'])
    expect(ran).toEqual([])
  })

  it('runs nothing after close, even when the sync completes', () => {
    const { log, pipeline, ran } = setUp()
    pipeline.wrote()
    pipeline.after(true, true, () => ran.push('a'))
    pipeline.close()
    log.complete()
    expect(ran).toEqual([])
  })
})
