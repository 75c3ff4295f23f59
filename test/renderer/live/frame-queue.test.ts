/**
 * The frame queue spreads the views' rebuilds of one tick over animation frames: one a frame, in
 * the order they asked, each once however often it asked.
 */
import { describe, expect, it } from 'vitest'
import { createFrameQueue, jobsPerFrameMax } from '../../../src-renderer/src/live/frame-queue'

function framesByHand() {
  const waiting: (() => void)[] = []
  return {
    nextFrame: (callback: () => void) => void waiting.push(callback),
    /** Runs the frame that is due; false when none was asked for. */
    frame(): boolean {
      const callback = waiting.shift()
      callback?.()
      return callback !== undefined
    },
    get asked() {
      return waiting.length
    },
  }
}

describe('frame queue', () => {
  it('serves seven views that asked on one tick one a frame, in the order they asked', () => {
    expect(jobsPerFrameMax).toBe(1)
    const frames = framesByHand()
    const queue = createFrameQueue(frames.nextFrame)
    const ran: number[] = []
    for (let view = 0; view < 7; view += 1) queue.request({}, () => ran.push(view))
    expect(ran).toEqual([])
    expect(frames.asked).toBe(1)
    for (let frame = 1; frame <= 7; frame += 1) {
      expect(frames.frame()).toBe(true)
      expect(ran).toHaveLength(frame)
    }
    expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6])
    expect(frames.frame()).toBe(false)
    expect(queue.pending).toBe(0)
  })

  it('a view that asks again before its turn runs once, with its latest job, in its first place', () => {
    const frames = framesByHand()
    const queue = createFrameQueue(frames.nextFrame)
    const first = {}
    const ran: string[] = []
    queue.request(first, () => ran.push('first, old'))
    queue.request({}, () => ran.push('second'))
    queue.request(first, () => ran.push('first, new'))
    while (frames.frame());
    expect(ran).toEqual(['first, new', 'second'])
  })

  it('a cancelled view never runs, and a failing one does not keep the next from its frame', () => {
    const frames = framesByHand()
    const queue = createFrameQueue(frames.nextFrame)
    const gone = {}
    const ran: string[] = []
    const errors = console.error
    console.error = () => {}
    try {
      queue.request({}, () => {
        throw new Error('broken view')
      })
      queue.request(gone, () => ran.push('gone'))
      queue.request({}, () => ran.push('last'))
      queue.cancel(gone)
      while (frames.frame());
    } finally {
      console.error = errors
    }
    expect(ran).toEqual(['last'])
  })
})
