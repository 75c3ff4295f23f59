/**
 * Peer transport over TCP on 127.0.0.1. Each node dials one outbound connection per peer and sends
 * only on it; it receives on the connections its peers dialled. Every connection starts with the
 * mutual handshake of handshake.ts (the run's secret, HMAC over fresh nonces): nothing is sent on a
 * connection before the acceptor proved itself, and nothing received reaches the core before the
 * dialer did. A failed handshake closes that connection and is counted, never more.
 * Link faults (partition, delay, jitter, loss, duplication, reordering) are applied here, by the
 * replica to its own links: outgoing rules on send, the incoming cut on receipt. Every drop is reported.
 */
import net from 'node:net'
import { encodeFrame, FrameDecoder } from './framing.js'
import {
  HandshakeReader,
  handshakeKey,
  handshakeProof,
  handshakeTimeoutMs,
  handshakeVersion,
  isChallenge,
  isHello,
  isProof,
  newNonce,
  proofMatches,
  unauthenticatedInboundMax,
  type HandshakeBinding,
} from './handshake.js'
import { listenOnLoopback } from './loopback.js'
import type { NodeId, Random } from '../protocols/types.js'

export const wireVersion = 1
/** Messages queued for a peer whose connection is still being established. */
export const queuedWhileConnectingMax = 4096
/** Bytes buffered in a socket (e.g. towards a paused peer) before further messages are dropped. */
export const socketBufferedBytesMax = 8 * 1024 * 1024
const reconnectDelayMsMin = 20
const reconnectDelayMsMax = 1000

export interface PeerAddress {
  id: NodeId
  host: string
  port: number
}

export interface OutgoingRule {
  blocked: boolean
  delayMs: number
  jitterMs: number
  loss: number
  duplicate: number
  reorder: number
}

export interface LinkRules {
  /** Per destination peer. Missing peers get the default (no fault). */
  outgoing: Record<NodeId, Partial<OutgoingRule>>
  /** Peers whose messages this node discards on receipt (the receiving half of a cut). */
  incomingBlocked: NodeId[]
}

export const noLinkFaults: LinkRules = { outgoing: {}, incomingBlocked: [] }

/**
 * Message events carry the message's id (see messageId): a send, its receipt and its drop share it, so
 * a diagram pairs them exactly. Only messages the sender chose to trace (TransportOptions.admitTrace)
 * are reported, at both ends: the envelope says so, so a receipt is traced exactly when its send was.
 * A drop of frames already written away (a full socket buffer, a connection down) names the traced
 * ids among them.
 */
export type TransportEvent =
  | { kind: 'send'; to: NodeId; type: string; bytes: number; id: number; message: { type: string } }
  | { kind: 'recv'; from: NodeId; type: string; bytes: number; id: number }
  | { kind: 'drop'; from: NodeId; to: NodeId; type: string; reason: string; id?: number; ids?: number[] }
  | { kind: 'frame-error'; peer: string; reason: string }

/** A process incarnation's messages are numbered from incarnation * 2^32 on: ids stay unique across restarts. */
export const messageIdsPerIncarnation = 2 ** 32
/** Restarts a replica may have before its ids would leave the safe integers (2^53). */
export const incarnationsMax = 2 ** 20

/** Which kinds of message event the host wants recorded now (its per-second budget decides). */
export type TraceAdmission = (kind: 'send' | 'drop') => boolean

export interface TransportOptions {
  self: NodeId
  /**
   * The cluster's members at start: only they, and peers added later (setPeers; removePeer takes
   * one out), may connect, and only after the handshake.
   */
  members: readonly NodeId[]
  /** The run's secret, for the handshake. */
  secret: string
  /** Default handshakeTimeoutMs. */
  handshakeTimeoutMs?: number
  port: number
  random: Random
  /** This process's incarnation (restarts of the replica), for unique message ids. Default 0. */
  incarnation?: number
  /** Whether to trace this message; default never (drops excepted: see onEvent). */
  admitTrace?: TraceAdmission
  /** Returns false when the message is not a valid message of the protocol: the connection is closed. */
  onMessage: (from: NodeId, message: { type: string }) => boolean
  onEvent: (event: TransportEvent) => void
}

interface Envelope {
  v: number
  from: NodeId
  to: NodeId
  m: { type: string }
  /** The message's id (unique per sender across its restarts). */
  id: number
  /** 1 when the sender traced this message: the receiver traces its receipt too. */
  tr?: 1
}

/** Frames waiting to be written to one peer, with the traced ids among them (for a drop report). */
interface PendingFrames {
  frames: Buffer[]
  tracedIds: number[]
}

interface Outbound {
  address: PeerAddress
  socket?: net.Socket
  /** 'connecting' lasts until the handshake is done; only 'open' writes messages. */
  state: 'connecting' | 'open' | 'idle'
  queued: Buffer[]
  reconnectDelayMs: number
  reconnectTimer?: NodeJS.Timeout
  /** Due time of the last delayed batch, so delayed messages stay in order unless reordered. */
  lastDueMs: number
  /** The first attempt is over: the handshake completed, or the connection failed. */
  settled: boolean
}

export class PeerTransport {
  private readonly server: net.Server
  private readonly outbound = new Map<NodeId, Outbound>()
  private readonly inbound = new Set<net.Socket>()
  /** Authenticated inbound connections and who dialled them (removePeer closes a removed peer's). */
  private readonly inboundPeers = new Map<net.Socket, NodeId>()
  private unauthenticatedInbound = 0
  private readonly handshakeKey: Buffer
  private rules: LinkRules = noLinkFaults
  private closed = false
  /** Frames written per destination in the current flush, written as one buffer at flushWrites. */
  private readonly pendingWrites = new Map<NodeId, PendingFrames>()
  private nextMessageId: number
  private settleWaiters: (() => void)[] = []
  /** Who may connect: the members at start plus peers learned since (a membership change), minus removed ones. */
  private readonly admitted: Set<NodeId>
  /** Frames and connections refused: malformed or unexpected frames, failed handshakes. */
  framesRejected = 0
  messagesSent = 0
  bytesSent = 0
  readonly sentByType: Record<string, number> = {}

  constructor(private readonly options: TransportOptions) {
    const incarnation = options.incarnation ?? 0
    if (!Number.isInteger(incarnation) || incarnation < 0 || incarnation >= incarnationsMax) throw new Error(`incarnation ${incarnation} outside [0, ${incarnationsMax})`)
    this.nextMessageId = incarnation * messageIdsPerIncarnation
    this.handshakeKey = handshakeKey(options.secret)
    this.admitted = new Set(options.members)
    this.server = net.createServer((socket) => this.acceptInbound(socket))
    this.server.on('error', () => undefined)
  }

  listen(): Promise<number> {
    return listenOnLoopback(this.server, this.options.port)
  }

  setPeers(peers: PeerAddress[]): void {
    for (const address of peers) {
      if (address.id === this.options.self) continue
      this.admitted.add(address.id)
      const existing = this.outbound.get(address.id)
      if (existing && existing.address.port === address.port && existing.address.host === address.host) continue
      if (existing) this.dropOutbound(existing)
      const peer: Outbound = { address, state: 'idle', queued: [], reconnectDelayMs: reconnectDelayMsMin, lastDueMs: 0, settled: false }
      this.outbound.set(address.id, peer)
      this.connect(peer)
    }
  }

  /**
   * A peer removed from the cluster: no longer dialled, its connections closed, and its handshakes
   * refused from now on.
   */
  removePeer(id: NodeId): void {
    this.admitted.delete(id)
    const peer = this.outbound.get(id)
    if (peer) this.dropOutbound(peer)
    for (const [socket, from] of this.inboundPeers) if (from === id) socket.destroy()
  }

  /** Whether `id` may connect now. */
  admits(id: NodeId): boolean {
    return this.admitted.has(id)
  }

  /**
   * Resolves once the first connection attempt to every peer is over (its handshake done, or it
   * failed: the peer is not there), or after waitMs (a paused peer never answers).
   */
  settled(waitMs: number): Promise<void> {
    if (this.allSettled()) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.settleWaiters = this.settleWaiters.filter((waiter) => waiter !== done)
        resolve()
      }
      const timer = setTimeout(done, waitMs).unref()
      this.settleWaiters.push(done)
    })
  }

  private allSettled(): boolean {
    for (const peer of this.outbound.values()) if (!peer.settled) return false
    return true
  }

  private noteSettled(peer: Outbound): void {
    if (peer.settled) return
    peer.settled = true
    if (this.allSettled()) for (const waiter of [...this.settleWaiters]) waiter()
  }

  setRules(rules: LinkRules): void {
    this.rules = rules
  }

  /**
   * Queues a message; nothing is written before flushWrites (the driver persists first). Every
   * message gets an id here, whether or not it leaves: a link fault drops it with that id.
   */
  send(to: NodeId, message: { type: string }): void {
    const rule = this.rules.outgoing[to]
    const type = message.type
    const id = this.nextMessageId++
    const self = this.options.self
    if (rule?.blocked) return this.reportDrop({ kind: 'drop', from: self, to, type, reason: 'partition', id })
    if (rule?.loss && this.options.random() < rule.loss) return this.reportDrop({ kind: 'drop', from: self, to, type, reason: 'loss', id })
    const traced = this.options.admitTrace?.('send') ?? false
    const envelope: Envelope = traced ? { v: wireVersion, from: self, to, m: message, id, tr: 1 } : { v: wireVersion, from: self, to, m: message, id }
    const frame = encodeFrame(envelope)
    this.messagesSent += 1
    this.bytesSent += frame.length
    this.sentByType[type] = (this.sentByType[type] ?? 0) + 1
    if (traced) this.options.onEvent({ kind: 'send', to, type, bytes: frame.length, id, message })
    const copies = rule?.duplicate && this.options.random() < rule.duplicate ? 2 : 1
    const delayed = rule && (rule.delayMs || rule.jitterMs)
    const tracedIds = traced ? [id] : []
    for (let copy = 0; copy < copies; copy += 1) {
      if (delayed) this.sendLater(to, frame, tracedIds, rule)
      else this.enqueue(to, frame, id, traced)
    }
  }

  /** Writes every frame queued since the last flush, one buffer per peer. */
  flushWrites(): void {
    for (const [to, pending] of this.pendingWrites) {
      this.write(to, pending.frames.length === 1 ? pending.frames[0]! : Buffer.concat(pending.frames), pending.tracedIds)
    }
    this.pendingWrites.clear()
  }

  close(): void {
    this.closed = true
    for (const peer of this.outbound.values()) this.dropOutbound(peer)
    for (const socket of this.inbound) socket.destroy()
    this.server.close()
  }

  private enqueue(to: NodeId, frame: Buffer, id: number, traced: boolean): void {
    let pending = this.pendingWrites.get(to)
    if (!pending) this.pendingWrites.set(to, (pending = { frames: [], tracedIds: [] }))
    pending.frames.push(frame)
    if (traced) pending.tracedIds.push(id)
  }

  /** A message dropped before it left: traced when the host's budget admits a drop. */
  private reportDrop(event: Extract<TransportEvent, { kind: 'drop' }>): void {
    if (this.options.admitTrace?.('drop') ?? true) this.options.onEvent(event)
  }

  private sendLater(to: NodeId, frame: Buffer, tracedIds: number[], rule: Partial<OutgoingRule>): void {
    const peer = this.outbound.get(to)
    const now = performance.now()
    const jitter = (rule.jitterMs ?? 0) * (this.options.random() * 2 - 1)
    let due = now + Math.max(0, (rule.delayMs ?? 0) + jitter)
    const reordered = rule.reorder !== undefined && this.options.random() < rule.reorder
    if (peer && !reordered) {
      due = Math.max(due, peer.lastDueMs)
      peer.lastDueMs = due
    }
    setTimeout(() => this.write(to, frame, tracedIds), Math.max(0, due - now))
  }

  private write(to: NodeId, data: Buffer, tracedIds: number[]): void {
    const peer = this.outbound.get(to)
    if (!peer) return this.reportUnsent(to, tracedIds, 'unknown-peer')
    if (peer.state === 'open' && peer.socket) {
      if (peer.socket.writableLength > socketBufferedBytesMax) return this.reportUnsent(to, tracedIds, 'backpressure')
      peer.socket.write(data)
      return
    }
    if (peer.queued.length >= queuedWhileConnectingMax) return this.reportUnsent(to, tracedIds, 'disconnected')
    peer.queued.push(data)
  }

  /** Frames that will never be written: their traced messages end here, by id. */
  private reportUnsent(to: NodeId, tracedIds: number[], reason: string): void {
    const event: Extract<TransportEvent, { kind: 'drop' }> = { kind: 'drop', from: this.options.self, to, type: '*', reason }
    if (tracedIds.length === 1) event.id = tracedIds[0]
    else if (tracedIds.length > 1) event.ids = tracedIds
    // A traced message's fate is always told; an untraced batch's only within the budget.
    if (tracedIds.length > 0) this.options.onEvent(event)
    else this.reportDrop(event)
  }

  private connect(peer: Outbound): void {
    if (this.closed) return
    peer.state = 'connecting'
    const socket = net.connect({ host: peer.address.host, port: peer.address.port })
    peer.socket = socket
    socket.setNoDelay(true)
    const dialerNonce = newNonce()
    const reader = new HandshakeReader()
    // No timer on this side: a paused peer answers when it resumes, and until then messages queue as
    // they did before the handshake existed; a peer that dies closes the connection.
    socket.on('connect', () => {
      socket.write(encodeFrame({ v: handshakeVersion, hello: this.options.self, to: peer.address.id, nonce: dialerNonce }))
    })
    socket.on('data', (chunk: Buffer) => {
      // Once open, the acceptor has nothing more to say on this connection: anything read is ignored.
      if (peer.state === 'open' && peer.socket === socket) return
      reader.push(chunk)
      const next = reader.next()
      if (next === undefined) return
      if ('error' in next) return this.refuse(socket, peer.address.id, next.error)
      if (!isChallenge(next.body)) return this.refuse(socket, peer.address.id, 'expected a handshake challenge')
      const binding: HandshakeBinding = {
        dialer: this.options.self,
        acceptor: peer.address.id,
        dialerPort: socket.localPort ?? 0,
        acceptorPort: socket.remotePort ?? 0,
        dialerNonce,
        acceptorNonce: Buffer.from(next.body.nonce),
      }
      if (!proofMatches(handshakeProof(this.handshakeKey, 'acceptor', binding), Buffer.from(next.body.proof))) {
        return this.refuse(socket, peer.address.id, 'the acceptor could not prove the run secret')
      }
      socket.write(encodeFrame({ v: handshakeVersion, proof: handshakeProof(this.handshakeKey, 'dialer', binding) }))
      if (peer.socket !== socket) return
      peer.state = 'open'
      peer.reconnectDelayMs = reconnectDelayMsMin
      const queued = peer.queued
      peer.queued = []
      if (queued.length > 0) socket.write(Buffer.concat(queued))
      this.noteSettled(peer)
    })
    socket.on('error', () => undefined)
    socket.on('close', () => {
      if (peer.socket !== socket) return
      peer.state = 'idle'
      peer.socket = undefined
      this.noteSettled(peer)
      if (this.closed || this.outbound.get(peer.address.id) !== peer) return
      peer.reconnectTimer = setTimeout(() => this.connect(peer), peer.reconnectDelayMs)
      peer.reconnectDelayMs = Math.min(peer.reconnectDelayMs * 2, reconnectDelayMsMax)
    })
  }

  /** Closes a connection that broke the handshake or the wire protocol, counting and reporting it. */
  private refuse(socket: net.Socket, peer: string, reason: string): void {
    if (socket.destroyed) return
    this.framesRejected += 1
    this.options.onEvent({ kind: 'frame-error', peer, reason })
    socket.destroy()
  }

  private dropOutbound(peer: Outbound): void {
    if (peer.reconnectTimer) clearTimeout(peer.reconnectTimer)
    const socket = peer.socket
    peer.socket = undefined
    peer.state = 'idle'
    socket?.destroy()
    this.outbound.delete(peer.address.id)
  }

  private acceptInbound(socket: net.Socket): void {
    if (this.closed) return void socket.destroy()
    const address = `${socket.remoteAddress}:${socket.remotePort}`
    if (this.unauthenticatedInbound >= unauthenticatedInboundMax) return this.refuse(socket, address, `more than ${unauthenticatedInboundMax} connections in their handshake`)
    this.inbound.add(socket)
    this.unauthenticatedInbound += 1
    socket.setNoDelay(true)
    let authenticated = false
    const settle = () => {
      if (authenticated) return
      authenticated = true
      this.unauthenticatedInbound -= 1
      clearTimeout(timer)
    }
    const timer = setTimeout(() => this.refuse(socket, address, 'the handshake timed out'), this.options.handshakeTimeoutMs ?? handshakeTimeoutMs)
    const handshake = new InboundHandshake(this.options.self, (id) => this.admitted.has(id), this.handshakeKey, socket)
    let receive: ((chunk: Buffer) => void) | undefined
    socket.on('data', (chunk: Buffer) => {
      if (receive) return receive(chunk)
      const step = handshake.push(chunk)
      if (step.kind === 'waiting') return
      if (step.kind === 'refused') return this.refuse(socket, step.peer ?? address, `handshake: ${step.reason}`)
      settle()
      this.inboundPeers.set(socket, step.peer)
      receive = this.receiver(socket, step.peer)
      if (step.rest.length > 0) receive(step.rest)
    })
    socket.on('error', () => undefined)
    socket.on('close', () => {
      if (!authenticated) {
        authenticated = true
        this.unauthenticatedInbound -= 1
      }
      clearTimeout(timer)
      this.inbound.delete(socket)
      this.inboundPeers.delete(socket)
    })
  }

  /** Decodes an authenticated peer's frames and hands its messages to the core. */
  private receiver(socket: net.Socket, peerId: NodeId): (chunk: Buffer) => void {
    const decoder = new FrameDecoder()
    return (chunk) => {
      const { bodies, sizes, error } = decoder.push(chunk)
      for (let index = 0; index < bodies.length; index += 1) {
        const body = bodies[index]
        if (!isEnvelope(body, peerId, this.options.self)) return this.refuse(socket, peerId, 'malformed envelope')
        if (this.rules.incomingBlocked.includes(peerId)) {
          const drop = { kind: 'drop' as const, from: peerId, to: this.options.self, type: body.m.type, reason: 'partition', id: body.id }
          if (body.tr === 1) this.options.onEvent(drop)
          else this.reportDrop(drop)
          continue
        }
        if (body.tr === 1) this.options.onEvent({ kind: 'recv', from: peerId, type: body.m.type, bytes: sizes[index]!, id: body.id })
        if (!this.options.onMessage(peerId, body.m)) return this.refuse(socket, peerId, `invalid ${body.m.type} message`)
        if (socket.destroyed) return
      }
      if (error) this.refuse(socket, peerId, `${error.reason}: ${error.detail}`)
    }
  }
}

type InboundStep = { kind: 'waiting' } | { kind: 'refused'; reason: string; peer?: string } | { kind: 'authenticated'; peer: NodeId; rest: Buffer }

/** The acceptor's side of the handshake: hello, then our challenge, then the dialer's proof. */
class InboundHandshake {
  private readonly reader = new HandshakeReader()
  private readonly acceptorNonce = newNonce()
  private binding: HandshakeBinding | undefined

  constructor(
    private readonly self: NodeId,
    private readonly admits: (id: NodeId) => boolean,
    private readonly key: Buffer,
    private readonly socket: net.Socket,
  ) {}

  push(chunk: Buffer): InboundStep {
    this.reader.push(chunk)
    for (let next = this.reader.next(); next !== undefined; next = this.reader.next()) {
      if ('error' in next) return { kind: 'refused', reason: next.error, peer: this.binding?.dialer }
      if (!this.binding) {
        const refused = this.onHello(next.body)
        if (refused) return refused
        continue
      }
      if (!isProof(next.body)) return { kind: 'refused', reason: 'expected the proof', peer: this.binding.dialer }
      if (!proofMatches(handshakeProof(this.key, 'dialer', this.binding), Buffer.from(next.body.proof))) {
        return { kind: 'refused', reason: `${this.binding.dialer} could not prove the run secret`, peer: this.binding.dialer }
      }
      return { kind: 'authenticated', peer: this.binding.dialer, rest: this.reader.rest() }
    }
    return { kind: 'waiting' }
  }

  private onHello(body: unknown): InboundStep | undefined {
    if (!isHello(body)) return { kind: 'refused', reason: 'expected a hello' }
    if (!this.admits(body.hello) || body.hello === this.self) return { kind: 'refused', reason: `${JSON.stringify(body.hello)} is not a peer` }
    if (body.to !== this.self) return { kind: 'refused', reason: `hello for ${JSON.stringify(body.to)} reached ${this.self}`, peer: body.hello }
    this.binding = {
      dialer: body.hello,
      acceptor: this.self,
      dialerPort: this.socket.remotePort ?? 0,
      acceptorPort: this.socket.localPort ?? 0,
      dialerNonce: Buffer.from(body.nonce),
      acceptorNonce: this.acceptorNonce,
    }
    this.socket.write(encodeFrame({ v: handshakeVersion, nonce: this.acceptorNonce, proof: handshakeProof(this.key, 'acceptor', this.binding) }))
    return undefined
  }
}

function isEnvelope(body: unknown, from: NodeId, self: NodeId): body is Envelope {
  const candidate = body as Partial<Envelope> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.v === wireVersion &&
    candidate.from === from &&
    candidate.to === self &&
    typeof candidate.m === 'object' &&
    candidate.m !== null &&
    typeof candidate.m.type === 'string' &&
    Number.isSafeInteger(candidate.id) &&
    (candidate.id as number) >= 0 &&
    (candidate.tr === undefined || candidate.tr === 1)
  )
}
