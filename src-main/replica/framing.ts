/**
 * Length-prefixed binary frames: a 4-byte big-endian length, then a msgpack body.
 * Used for peer links and for the client port. A decoder never throws into its caller's event loop:
 * a malformed or oversized frame is reported once and the connection is to be closed.
 */
import { Packr } from 'msgpackr'
import { frameBytesMax } from '../protocols/common/wire-budget.js'

/** Larger frames are refused unread; every message of the lab is built to fit (see wire-budget.ts). */
export { frameBytesMax }
const headerBytes = 4

// Plain maps, no shared record structures: each frame decodes on its own, by any msgpack reader.
const packr = new Packr({ useRecords: false, mapsAsObjects: true })

export function encodeFrame(body: unknown): Buffer {
  const payload = packr.pack(body)
  if (payload.length > frameBytesMax) throw new Error(`frame of ${payload.length} bytes exceeds ${frameBytesMax}`)
  const frame = Buffer.allocUnsafe(headerBytes + payload.length)
  frame.writeUInt32BE(payload.length, 0)
  payload.copy(frame, headerBytes)
  return frame
}

export type FrameError = { reason: 'oversized' | 'malformed'; detail: string }

/**
 * Incremental decoder for one connection. `push` returns the bodies of every complete frame,
 * or an error after which the connection must be closed (the decoder refuses further input).
 *
 * Linear in the bytes received: chunks are kept as they arrive and joined only once the frame at
 * their head is complete, so a 16 MiB frame in 64 KiB chunks is copied once, not once per chunk.
 * The bytes left after the last complete frame (the start of the next one) are copied once more,
 * so the big buffer they came from can be freed.
 */
export class FrameDecoder {
  private chunks: Buffer[] = []
  private bufferedBytes = 0
  private failed = false

  push(chunk: Buffer): { bodies: unknown[]; sizes: number[]; error?: FrameError } {
    const bodies: unknown[] = []
    const sizes: number[] = []
    if (this.failed) return { bodies, sizes, error: { reason: 'malformed', detail: 'input after a failed frame' } }
    if (chunk.length === 0) return { bodies, sizes }
    this.chunks.push(chunk)
    this.bufferedBytes += chunk.length
    if (this.bufferedBytes < headerBytes) return { bodies, sizes }
    const length = this.headLength()
    if (length > frameBytesMax) return this.fail(bodies, sizes, 'oversized', `frame of ${length} bytes exceeds ${frameBytesMax}`)
    if (length === 0) return this.fail(bodies, sizes, 'malformed', 'empty frame')
    if (this.bufferedBytes < headerBytes + length) return { bodies, sizes }
    const buffer = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bufferedBytes)
    let offset = 0
    while (buffer.length - offset >= headerBytes) {
      const frameLength = buffer.readUInt32BE(offset)
      if (frameLength > frameBytesMax) return this.fail(bodies, sizes, 'oversized', `frame of ${frameLength} bytes exceeds ${frameBytesMax}`)
      if (frameLength === 0) return this.fail(bodies, sizes, 'malformed', 'empty frame')
      if (buffer.length - offset - headerBytes < frameLength) break
      const payload = buffer.subarray(offset + headerBytes, offset + headerBytes + frameLength)
      try {
        bodies.push(packr.unpack(payload))
        sizes.push(frameLength + headerBytes)
      } catch (error) {
        return this.fail(bodies, sizes, 'malformed', `undecodable body: ${(error as Error).message}`)
      }
      offset += headerBytes + frameLength
    }
    this.chunks = offset < buffer.length ? [Buffer.from(buffer.subarray(offset))] : []
    this.bufferedBytes = buffer.length - offset
    return { bodies, sizes }
  }

  /** The length announced by the frame at the head of the buffered chunks (at least headerBytes are buffered). */
  private headLength(): number {
    const first = this.chunks[0]!
    if (first.length >= headerBytes) return first.readUInt32BE(0)
    const header = Buffer.alloc(headerBytes)
    let filled = 0
    for (const chunk of this.chunks) {
      filled += chunk.copy(header, filled, 0, Math.min(chunk.length, headerBytes - filled))
      if (filled === headerBytes) break
    }
    return header.readUInt32BE(0)
  }

  private fail(bodies: unknown[], sizes: number[], reason: FrameError['reason'], detail: string) {
    this.failed = true
    this.chunks = []
    this.bufferedBytes = 0
    return { bodies, sizes, error: { reason, detail } }
  }
}
