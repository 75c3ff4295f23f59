/**
 * Length-prefixed binary frames: a 4-byte big-endian length, then a msgpack body.
 * Used for peer links and for the client port. A decoder never throws into its caller's event loop:
 * a malformed or oversized frame is reported once and the connection is to be closed.
 */
import { Packr } from 'msgpackr'

/** Larger frames are refused: no legitimate message of this lab comes near it. */
export const frameBytesMax = 16 * 1024 * 1024
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
 */
export class FrameDecoder {
  private pending: Buffer | undefined
  private failed = false

  push(chunk: Buffer): { bodies: unknown[]; sizes: number[]; error?: FrameError } {
    const bodies: unknown[] = []
    const sizes: number[] = []
    if (this.failed) return { bodies, sizes, error: { reason: 'malformed', detail: 'input after a failed frame' } }
    let buffer = this.pending ? Buffer.concat([this.pending, chunk]) : chunk
    let offset = 0
    while (buffer.length - offset >= headerBytes) {
      const length = buffer.readUInt32BE(offset)
      if (length > frameBytesMax) return this.fail(bodies, sizes, 'oversized', `frame of ${length} bytes exceeds ${frameBytesMax}`)
      if (length === 0) return this.fail(bodies, sizes, 'malformed', 'empty frame')
      if (buffer.length - offset - headerBytes < length) break
      const payload = buffer.subarray(offset + headerBytes, offset + headerBytes + length)
      try {
        bodies.push(packr.unpack(payload))
        sizes.push(length + headerBytes)
      } catch (error) {
        return this.fail(bodies, sizes, 'malformed', `undecodable body: ${(error as Error).message}`)
      }
      offset += headerBytes + length
    }
    this.pending = offset < buffer.length ? Buffer.from(buffer.subarray(offset)) : undefined
    buffer = Buffer.alloc(0)
    return { bodies, sizes }
  }

  private fail(bodies: unknown[], sizes: number[], reason: FrameError['reason'], detail: string) {
    this.failed = true
    this.pending = undefined
    return { bodies, sizes, error: { reason, detail } }
  }
}
