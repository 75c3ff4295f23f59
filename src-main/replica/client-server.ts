/**
 * The replica's client port: clients send framed requests, the replica answers each by id.
 * A client may pipeline many requests on one connection. Malformed input closes that connection only.
 */
import net from 'node:net'
import { encodeFrame, FrameDecoder, frameBytesMax } from './framing.js'
import { encodedBytesMax } from '../protocols/common/wire-budget.js'
import { listenOnLoopback } from './loopback.js'
import type { Command } from '../protocols/types.js'
import type { ChangeEvent } from '../kv/store.js'

/** An operation on the replicated state machine. */
export interface CommandRequest {
  id: number
  clientId: string
  seq: number
  cmd: Command
  /**
   * Order this get like a write, even where reads have a path of their own: a PBFT client's
   * fallback when its read-only request (TOCS §5.1.3) got no 2f+1 matching replies.
   */
  ordered?: true
}

/** Streams every change under `prefix` with revision >= fromRevision (0: from now on), until cancelled. */
export interface WatchRequest {
  id: number
  watch: { prefix: string; fromRevision: number }
}

export interface CancelWatchRequest {
  id: number
  cancelWatch: number
}

/** Tells a replica which connection reaches `register` (PBFT: every replica answers every client). */
export interface RegisterRequest {
  id: number
  register: string
}

export type ClientRequest = CommandRequest | WatchRequest | CancelWatchRequest | RegisterRequest

export type ClientResponse =
  | {
      id: number
      ok: true
      node: string
      value?: string | null
      entries?: [string, string][]
      revision?: number
      view?: number
      /** Where the operation took effect: its log index (and MultiRaft group) at this node. */
      index?: number
      group?: number
      /** On a watch's id: first `watching` (with the revision it starts after), then batches of `events`. */
      watching?: true
      events?: ChangeEvent[]
      /** On a watch's id, after the replayed backlog: every change up to this revision has been sent. */
      progress?: number
      /** PBFT: a replica's signed-off reply for (clientId, timestamp), pushed with id 0. */
      pbft?: unknown
    }
  | {
      id: number
      ok: false
      node: string
      /**
       * Definite errors (the operation did not happen): not-leader, no-leader, cas-mismatch,
       * rejected, invalid (a bad request: unknown lease, TTL <= 0, ...), compacted (a watch from a
       * revision no longer kept). Indefinite (it may have happened): unknown-outcome.
       */
      error: 'not-leader' | 'no-leader' | 'cas-mismatch' | 'rejected' | 'invalid' | 'compacted' | 'unknown-outcome'
      message?: string
      leader?: string
      value?: string | null
      view?: number
    }

export interface ClientConnection {
  readonly id: number
  send(response: ClientResponse): void
  readonly closed: boolean
}

export interface ClientServerOptions {
  port: number
  onRequest: (connection: ClientConnection, request: ClientRequest) => void
  onRejectedFrame: (peer: string, reason: string) => void
}


export class ClientServer {
  private readonly server: net.Server
  private readonly sockets = new Set<net.Socket>()
  private nextConnectionId = 1
  framesRejected = 0

  constructor(private readonly options: ClientServerOptions) {
    this.server = net.createServer((socket) => this.accept(socket))
    this.server.on('error', () => undefined)
  }

  listen(): Promise<number> {
    return listenOnLoopback(this.server, this.options.port)
  }

  close(): void {
    for (const socket of this.sockets) socket.destroy()
    this.server.close()
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket)
    socket.setNoDelay(true)
    const decoder = new FrameDecoder()
    let corked = false
    const connection = {
      id: this.nextConnectionId++,
      get closed() {
        return socket.destroyed
      },
      send(response: ClientResponse) {
        if (socket.destroyed) return
        // Replies of one event-loop turn leave in one writev instead of one syscall each.
        if (!corked) {
          corked = true
          socket.cork()
          process.nextTick(() => {
            corked = false
            socket.uncork()
          })
        }
        socket.write(encodeReply(response))
      },
    }
    const peer = `${socket.remoteAddress}:${socket.remotePort}`
    socket.on('data', (chunk: Buffer) => {
      const { bodies, error } = decoder.push(chunk)
      for (const body of bodies) {
        if (!isClientRequest(body)) return this.reject(socket, peer, 'malformed client request')
        this.options.onRequest(connection, body)
      }
      if (error) this.reject(socket, peer, `${error.reason}: ${error.detail}`)
    })
    socket.on('error', () => undefined)
    socket.on('close', () => this.sockets.delete(socket))
  }

  private reject(socket: net.Socket, peer: string, reason: string): void {
    this.framesRejected += 1
    this.options.onRejectedFrame(peer, reason)
    socket.destroy()
  }
}

/**
 * A reply as a frame. Every reply the replica builds is bounded (values, ranges, watch batches), so
 * this is the last line: a reply that still does not fit turns into an error for its request
 * rather than an exception that would stop the replica.
 */
function encodeReply(response: ClientResponse): Buffer {
  try {
    return encodeFrame(response)
  } catch (error) {
    const message = `the reply of ${encodedBytesMax(response)} bytes does not fit in a frame (${frameBytesMax}): ${(error as Error).message}`
    return encodeFrame({ id: response.id, ok: false, node: response.node, error: 'invalid', message } satisfies ClientResponse)
  }
}

/**
 * The frame's shape only; whether a command makes sense (a known op, a positive TTL) is answered
 * with an `invalid` error instead, so a client learns what was wrong.
 */
export function isClientRequest(body: unknown): body is ClientRequest {
  const request = body as Record<string, unknown> | null
  if (typeof request !== 'object' || request === null || !Number.isInteger(request.id)) return false
  if ('cmd' in request) {
    const cmd = request.cmd as Record<string, unknown> | null
    const ordered = request.ordered === undefined || request.ordered === true
    return typeof request.clientId === 'string' && Number.isInteger(request.seq) && typeof cmd === 'object' && cmd !== null && typeof cmd.op === 'string' && ordered
  }
  if ('watch' in request) {
    const watch = request.watch as Record<string, unknown> | null
    return typeof watch === 'object' && watch !== null && typeof watch.prefix === 'string' && Number.isInteger(watch.fromRevision)
  }
  if ('register' in request) return typeof request.register === 'string'
  return Number.isInteger(request.cancelWatch)
}
