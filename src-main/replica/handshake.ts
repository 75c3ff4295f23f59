/**
 * The peer handshake: before a connection between replicas carries any message, each side proves
 * it holds the run's secret (mutual challenge-response, HMAC-SHA256 over fresh nonces):
 *
 *   dialer   -> acceptor  { v, hello: dialerId, to: acceptorId, nonce: Nd }
 *   acceptor -> dialer    { v, nonce: Na, proof: mac('acceptor', Nd, Na) }
 *   dialer   -> acceptor  { v, proof: mac('dialer', Nd, Na) }
 *
 * The dialer checks the acceptor's proof before it sends its own, and each proof names its role, so
 * neither side's answer can be replayed as the other's. Each also covers both node ids and both
 * TCP ports of the connection (the dialer's ephemeral port, the acceptor's listening port): a process
 * that relays a handshake between two real replicas sits on two different connections, and the
 * proofs of one do not verify on the other. Frames are the usual length-prefixed msgpack, capped at
 * handshakeFrameBytesMax while the peer is not yet authenticated.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { Packr } from 'msgpackr'

export const handshakeVersion = 1
export const handshakeNonceBytes = 32
/** A handshake frame is a few ids and two 32-byte values; anything larger is refused unread. */
export const handshakeFrameBytesMax = 1024
/** An inbound connection that has not finished its handshake by then is closed (a paused dialer reconnects when it resumes). */
export const handshakeTimeoutMs = 5000
/** Inbound connections still in their handshake at once; more are closed at once. */
export const unauthenticatedInboundMax = 64

const frameHeaderBytes = 4
const macBytes = 32
const packr = new Packr({ useRecords: false, mapsAsObjects: true })

export type HandshakeRole = 'dialer' | 'acceptor'

/** What both ends know of one connection; the proofs are bound to all of it. */
export interface HandshakeBinding {
  dialer: string
  acceptor: string
  dialerPort: number
  acceptorPort: number
  dialerNonce: Buffer
  acceptorNonce: Buffer
}

/** The handshake's own key, derived from the run's secret (PBFT's MAC keys are derived from it apart). */
export function handshakeKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('consensus-lab/peer-handshake/v1').digest()
}

export function newNonce(): Buffer {
  return randomBytes(handshakeNonceBytes)
}

export function handshakeProof(key: Buffer, role: HandshakeRole, binding: HandshakeBinding): Buffer {
  const fields = [
    role,
    binding.dialer,
    binding.acceptor,
    binding.dialerPort,
    binding.acceptorPort,
    binding.dialerNonce.toString('base64'),
    binding.acceptorNonce.toString('base64'),
  ]
  return createHmac('sha256', key).update(JSON.stringify(fields)).digest()
}

export function proofMatches(expected: Buffer, received: Buffer): boolean {
  return received.length === expected.length && timingSafeEqual(expected, received)
}

export interface Hello {
  v: number
  hello: string
  to: string
  nonce: Buffer
}

export interface Challenge {
  v: number
  nonce: Buffer
  proof: Buffer
}

export interface Proof {
  v: number
  proof: Buffer
}

export function isHello(body: unknown): body is Hello {
  const fields = body as Partial<Hello> | null
  return (
    typeof fields === 'object' && fields !== null && fields.v === handshakeVersion && typeof fields.hello === 'string' && typeof fields.to === 'string' && isBytes(fields.nonce, handshakeNonceBytes)
  )
}

export function isChallenge(body: unknown): body is Challenge {
  const fields = body as Partial<Challenge> | null
  return typeof fields === 'object' && fields !== null && fields.v === handshakeVersion && isBytes(fields.nonce, handshakeNonceBytes) && isBytes(fields.proof, macBytes)
}

export function isProof(body: unknown): body is Proof {
  const fields = body as Partial<Proof> | null
  return typeof fields === 'object' && fields !== null && fields.v === handshakeVersion && isBytes(fields.proof, macBytes) && !('nonce' in fields)
}

function isBytes(value: unknown, length: number): value is Buffer {
  return value instanceof Uint8Array && value.length === length
}

/**
 * Splits the first frames of a connection, refusing any longer than handshakeFrameBytesMax. Once the
 * handshake is done, `rest` hands what came after it to the connection's ordinary frame decoder.
 */
export class HandshakeReader {
  private pending: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
  }

  /** The next complete frame's body; undefined when it has not all arrived; an error to close on. */
  next(): { body: unknown } | { error: string } | undefined {
    if (this.pending.length < frameHeaderBytes) return undefined
    const length = this.pending.readUInt32BE(0)
    if (length === 0 || length > handshakeFrameBytesMax) return { error: `a handshake frame of ${length} bytes (at most ${handshakeFrameBytesMax})` }
    if (this.pending.length < frameHeaderBytes + length) return undefined
    const payload = this.pending.subarray(frameHeaderBytes, frameHeaderBytes + length)
    this.pending = this.pending.subarray(frameHeaderBytes + length)
    try {
      return { body: packr.unpack(payload) }
    } catch (error) {
      return { error: `an undecodable handshake frame (${(error as Error).message})` }
    }
  }

  /** Bytes received after the last frame taken. */
  rest(): Buffer {
    const rest = this.pending
    this.pending = Buffer.alloc(0)
    return rest
  }
}
