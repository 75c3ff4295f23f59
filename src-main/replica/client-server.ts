/**
 * The replica's client port: clients send framed requests, the replica answers each by id.
 * A client may pipeline many requests on one connection. Malformed input closes that connection only.
 */
import net from 'node:net'
import { encodeFrame, FrameDecoder } from './framing.js'
import type { Command } from '../protocols/types.js'

export interface ClientRequest {
  id: number
  clientId: string
  seq: number
  cmd: Command
}

export type ClientResponse =
  | { id: number; ok: true; node: string; value?: string | null; entries?: [string, string][]; view?: number }
  | {
      id: number
      ok: false
      node: string
      /**
       * Definite errors (the operation did not happen): not-leader, no-leader, cas-mismatch, rejected.
       * Indefinite (it may have happened): unknown-outcome.
       */
      error: 'not-leader' | 'no-leader' | 'cas-mismatch' | 'rejected' | 'unknown-outcome'
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

const commandOps = new Set(['put', 'delete', 'cas', 'get', 'range'])

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
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen({ host: '127.0.0.1', port: this.options.port, exclusive: true }, () => {
        this.server.off('error', reject)
        resolve((this.server.address() as net.AddressInfo).port)
      })
    })
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
        socket.write(encodeFrame(response))
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

export function isClientRequest(body: unknown): body is ClientRequest {
  const request = body as Partial<ClientRequest> | null
  if (typeof request !== 'object' || request === null) return false
  if (!Number.isInteger(request.id) || typeof request.clientId !== 'string' || !Number.isInteger(request.seq)) return false
  const cmd = request.cmd as Record<string, unknown> | undefined
  if (typeof cmd !== 'object' || cmd === null || typeof cmd.op !== 'string' || !commandOps.has(cmd.op)) return false
  switch (cmd.op) {
    case 'put':
      return typeof cmd.key === 'string' && typeof cmd.value === 'string'
    case 'cas':
      return typeof cmd.key === 'string' && typeof cmd.value === 'string' && (cmd.expected === null || typeof cmd.expected === 'string')
    case 'delete':
    case 'get':
      return typeof cmd.key === 'string'
    case 'range':
      return typeof cmd.prefix === 'string'
    default:
      return false
  }
}
