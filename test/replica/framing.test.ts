import { describe, expect, it } from 'vitest'
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
