import { afterEach, describe, expect, it, vi } from 'vitest'
import { encodeFrame, FrameDecoder, frameBytesMax } from '../../src-main/replica/framing.js'

describe('length-prefixed frames', () => {
  it('decodes frames split at any byte boundary', () => {
    const bodies = [{ type: 'a', n: 1 }, { type: 'b', list: [1, 2, 3] }, { type: 'c', text: 'x'.repeat(1000) }]
    const stream = Buffer.concat(bodies.map((body) => encodeFrame(body)))
    for (const chunkSize of [1, 3, 7, 64, stream.length]) {
      const decoder = new FrameDecoder()
      const decoded: unknown[] = []
      for (let offset = 0; offset < stream.length; offset += chunkSize) {
        const result = decoder.push(stream.subarray(offset, offset + chunkSize))
        expect(result.error).toBeUndefined()
        decoded.push(...result.bodies)
      }
      expect(decoded).toEqual(bodies)
    }
  })

  it('refuses a frame that announces more than the maximum size, without buffering it', () => {
    const header = Buffer.alloc(4)
    header.writeUInt32BE(frameBytesMax + 1, 0)
    const result = new FrameDecoder().push(header)
    expect(result.error?.reason).toBe('oversized')
  })

  it('reports an undecodable body and refuses further input', () => {
    const garbage = Buffer.from([0, 0, 0, 2, 0xc1, 0xc1])
    const decoder = new FrameDecoder()
    expect(decoder.push(garbage).error?.reason).toBe('malformed')
    expect(decoder.push(encodeFrame({ ok: true })).error).toBeDefined()
  })

  it('keeps the frames that came before a bad one', () => {
    const good = encodeFrame({ type: 'ok' })
    const result = new FrameDecoder().push(Buffer.concat([good, Buffer.from([0, 0, 0, 0])]))
    expect(result.bodies).toEqual([{ type: 'ok' }])
    expect(result.error?.reason).toBe('malformed')
  })
})

describe('decoding a large frame that arrives in many chunks', () => {
  const restores: (() => void)[] = []
  afterEach(() => {
    vi.restoreAllMocks()
    for (const restore of restores.splice(0)) restore()
  })

  /**
   * Bytes the decoder copies, counted at Buffer's copying entry points (concat, from, copy): a
   * deterministic proxy for decoding time. Re-concatenating the pending bytes with every chunk
   * copies O(n^2 / chunk) bytes; keeping the chunks and assembling once the length is known, O(n).
   */
  function countCopiedBytes(): () => number {
    let copied = 0
    const concat = Buffer.concat.bind(Buffer)
    vi.spyOn(Buffer, 'concat').mockImplementation((list: readonly Uint8Array[], totalLength?: number) => {
      const result = concat(list, totalLength)
      copied += result.length
      return result
    })
    const from = Buffer.from.bind(Buffer) as (...args: unknown[]) => Buffer
    vi.spyOn(Buffer, 'from').mockImplementation(((...args: unknown[]) => {
      const result = from(...args)
      if (ArrayBuffer.isView(args[0])) copied += result.length
      return result
    }) as typeof Buffer.from)
    const copy = Buffer.prototype.copy
    Buffer.prototype.copy = function (this: Buffer, ...args: Parameters<Buffer['copy']>) {
      const count = copy.apply(this, args)
      copied += count
      return count
    }
    restores.push(() => (Buffer.prototype.copy = copy))
    return () => copied
  }

  it('copies each byte of a 16 MiB frame pushed in 64 KiB chunks a bounded number of times', () => {
    const body = { type: 'big', text: 'x'.repeat(frameBytesMax - 64) }
    const frame = encodeFrame(body)
    const chunkBytes = 64 * 1024
    const copied = countCopiedBytes()
    const decoder = new FrameDecoder()
    const decoded: unknown[] = []
    for (let offset = 0; offset < frame.length; offset += chunkBytes) {
      const result = decoder.push(frame.subarray(offset, offset + chunkBytes))
      expect(result.error).toBeUndefined()
      decoded.push(...result.bodies)
    }
    expect(decoded).toHaveLength(1)
    expect((decoded[0] as { text: string }).text.length).toBe(body.text.length)
    // Linear: at most a couple of copies of the frame (the assembly, a remainder), never one per chunk.
    expect(copied()).toBeLessThanOrEqual(2 * frame.length)
  })

  it('copies linearly when many small frames straddle chunk boundaries', () => {
    const frames = Array.from({ length: 4000 }, (_, index) => encodeFrame({ type: 'small', index, pad: 'y'.repeat(100 + (index % 37)) }))
    const stream = Buffer.concat(frames)
    const copied = countCopiedBytes()
    const decoder = new FrameDecoder()
    let count = 0
    for (let offset = 0; offset < stream.length; offset += 1000) count += decoder.push(stream.subarray(offset, offset + 1000)).bodies.length
    expect(count).toBe(frames.length)
    expect(copied()).toBeLessThanOrEqual(2 * stream.length)
  })
})
