/**
 * Browser mode: the built renderer over HTTP and the LabApi over a WebSocket, on loopback only,
 * behind a per-start random token. Knows nothing of the lab itself: it is handed a LabApi.
 */
import http from 'node:http'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket, type RawData } from 'ws'
import { labCallJsonBytesMax, type LabApi, type LabStreamMessage } from '../api/lab-api.js'
import { dispatchLabCall, errorMessage, isLabCallMethod } from '../api/lab-methods.js'
import { healthPath, wirePath, wireProtocolVersion, type WireServerMessage } from '../api/wire.js'
import { contentSecurityPolicy, contentTypeOf, resolveStaticPath } from '../lab/static-files.js'

/**
 * Inbound messages are calls; every call the API accepts fits in this bound (an experiment text of
 * experimentTextCharsMax characters, escaped as JSON), so the API's own limits decide what a call
 * may carry and answer in words. A larger message is refused before parsing: its connection closes
 * with 1009 (message too big).
 */
export const inboundMessageBytesMax = labCallJsonBytesMax
/** A client this far behind loses live frames (never the end of a run) until it catches up. */
export const streamBufferedBytesMax = 8 * 1024 * 1024
export const callsInFlightPerSocketMax = 64
/** An unknown method's name is echoed in the error up to this length. */
const methodNameCharsMax = 64
export const socketPingIntervalMs = 10_000
/**
 * Pongs a client may miss in a row before it is dropped. Generous: under CPU starvation (a lab runs
 * its replicas on the same machine) a live client's pong can be read after the next tick.
 */
export const socketMissedPongsMax = 3

export interface ServeLabOptions {
  api: LabApi
  /** The built renderer (out/renderer). */
  staticDir: string
  host?: '127.0.0.1'
  /** 0 picks a free port. */
  port?: number
  /** Defaults to a fresh random token; tests pass one to reconnect across restarts. */
  token?: string
}

export interface LabHttpServer {
  url: string
  port: number
  token: string
  close(): Promise<void>
}

export function createToken(): string {
  return randomBytes(24).toString('base64url')
}

export async function serveLab(options: ServeLabOptions): Promise<LabHttpServer> {
  const host = options.host ?? '127.0.0.1'
  const token = options.token ?? createToken()
  if (token.length < 16) throw new Error('the server token must be at least 16 characters')
  const staticDir = path.resolve(options.staticDir)
  let port = options.port ?? 0
  const cookieName = () => `consensus_lab_${port}`

  const authorized = (request: http.IncomingMessage, url: URL): boolean => {
    if (!hostAllowed(request.headers.host, port)) return false
    const offered = url.searchParams.get('token') ?? readCookie(request.headers.cookie, cookieName())
    return offered !== undefined && offered !== null && sameSecret(offered, token)
  }

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://${host}:${port}`)
    setSecurityHeaders(response, host, port)
    if (!authorized(request, url)) return forbid(response)
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end()
      return
    }
    if (url.searchParams.has('token')) {
      // Assets are fetched without the query; the cookie (this port only, never sent cross-site) admits them.
      response.setHeader('Set-Cookie', `${cookieName()}=${token}; Path=/; HttpOnly; SameSite=Strict`)
    }
    if (url.pathname === healthPath) {
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ok: true }))
      return
    }
    void serveStatic(staticDir, url.pathname, response)
  })

  const sockets = new WebSocketServer({ noServer: true, maxPayload: inboundMessageBytesMax })
  server.on('upgrade', (request, socket, head) => {
    // Node hands the socket over without its error listener: a reset before ws takes it must not
    // take the server down.
    socket.on('error', () => undefined)
    const url = new URL(request.url ?? '/', `http://${host}:${port}`)
    const origin = request.headers.origin
    const originOk = origin === undefined || origin === `http://${request.headers.host}`
    if (url.pathname !== wirePath || !originOk || !authorized(request, url)) return rejectUpgrade(socket)
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request))
  })

  const clients = new Set<WebSocket>()
  sockets.on('connection', (ws: WebSocket) => {
    clients.add(ws)
    // ws reports a message over maxPayload, an invalid frame or a reset here, and has already
    // closed that connection (1009, 1002, ...); an unhandled 'error' would end the whole server.
    ws.on('error', () => undefined)
    acceptClient(ws, options.api)
    ws.on('close', () => clients.delete(ws))
  })
  sockets.on('error', () => undefined)

  // One subscription for every client: each message is serialized once.
  const unsubscribe = options.api.subscribe((message) => broadcast(clients, message))
  const pinger = setInterval(() => pingClients(clients), socketPingIntervalMs)
  pinger.unref()

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the lab server has no TCP address')
  port = address.port

  return {
    url: `http://${host}:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      clearInterval(pinger)
      unsubscribe()
      for (const ws of clients) ws.terminate()
      sockets.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function acceptClient(ws: WebSocket, api: LabApi): void {
  let callsInFlight = 0
  const alive = ws as WebSocket & { labMissedPongs?: number }
  alive.labMissedPongs = 0
  ws.on('pong', () => (alive.labMissedPongs = 0))
  send(ws, { type: 'hello', protocol: wireProtocolVersion })
  ws.on('message', (data: RawData, isBinary: boolean) => {
    const call = isBinary ? { error: `${expectedCall}, got a binary message` } : parseCall(data.toString())
    if ('error' in call) {
      // The sender hears what was wrong; the connection stays, as it would after a bad call.
      send(ws, call.id === undefined ? { type: 'error', error: call.error } : { type: 'reply', id: call.id, ok: false, error: call.error })
      return
    }
    if (callsInFlight >= callsInFlightPerSocketMax) {
      send(ws, { type: 'reply', id: call.id, ok: false, error: `too many calls in flight (at most ${callsInFlightPerSocketMax})` })
      return
    }
    if (!isLabCallMethod(call.method)) {
      send(ws, { type: 'reply', id: call.id, ok: false, error: `unknown method ${JSON.stringify(call.method)?.slice(0, methodNameCharsMax) ?? 'undefined'}` })
      return
    }
    callsInFlight += 1
    dispatchLabCall(api, call.method, call.args).then(
      (value) => send(ws, { type: 'reply', id: call.id, ok: true, value: value ?? null }),
      (error: unknown) => send(ws, { type: 'reply', id: call.id, ok: false, error: errorMessage(error) }),
    ).finally(() => (callsInFlight -= 1))
  })
}

const expectedCall = 'expected a call: {"type": "call", "id": <number>, "method": <string>, "args": [...]}'

type ParsedCall = { id: number; method: unknown; args: unknown[] } | { id?: number; error: string }

function parseCall(text: string): ParsedCall {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { error: `${expectedCall}, got text that is not JSON` }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: `${expectedCall}, got JSON that is not an object` }
  const call = value as Record<string, unknown>
  if (call.type !== 'call' || !Number.isSafeInteger(call.id)) return { error: `${expectedCall}, got an object without type "call" and a whole-number id` }
  const id = call.id as number
  if (!Array.isArray(call.args)) return { id, error: 'expected args to be an array of the method\'s arguments' }
  return { id, method: call.method, args: call.args }
}

function send(ws: WebSocket, message: WireServerMessage): void {
  if (ws.readyState !== ws.OPEN) return
  let text: string
  try {
    text = JSON.stringify(message)
  } catch (error) {
    // A value JSON cannot carry (a BigInt, a cycle) fails this call, not the server.
    if (message.type !== 'reply') return
    text = JSON.stringify({ type: 'reply', id: message.id, ok: false, error: `the answer could not be sent: ${errorMessage(error)}` } satisfies WireServerMessage)
  }
  ws.send(text)
}

function broadcast(clients: Set<WebSocket>, message: LabStreamMessage): void {
  if (clients.size === 0) return
  const text = JSON.stringify({ type: 'stream', message } satisfies WireServerMessage)
  for (const ws of clients) {
    if (ws.readyState !== ws.OPEN) continue
    // Frames are replaceable by the next one; the end of a run is not.
    if (message.kind === 'frame' && ws.bufferedAmount > streamBufferedBytesMax) continue
    ws.send(text)
  }
}

function pingClients(clients: Set<WebSocket>): void {
  for (const ws of clients) {
    const alive = ws as WebSocket & { labMissedPongs?: number }
    const missed = alive.labMissedPongs ?? 0
    if (missed >= socketMissedPongsMax) {
      ws.terminate()
      continue
    }
    alive.labMissedPongs = missed + 1
    ws.ping()
  }
}

async function serveStatic(staticDir: string, pathname: string, response: http.ServerResponse): Promise<void> {
  const file = resolveStaticPath(staticDir, pathname)
  if (file === undefined) {
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found')
    return
  }
  try {
    const info = await stat(file)
    if (!info.isFile()) throw new Error('not a file')
    const body = await readFile(file)
    const isIndex = path.basename(file) === 'index.html'
    response.writeHead(200, {
      'Content-Type': contentTypeOf(file),
      'Cache-Control': isIndex ? 'no-store' : 'public, max-age=31536000, immutable',
    })
    response.end(body)
  } catch {
    const missingBuild = pathname === '/' || pathname === '/index.html'
    response
      .writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' })
      .end(missingBuild ? `The renderer is not built: ${staticDir} has no index.html (run npm run build).` : 'not found')
  }
}

function setSecurityHeaders(response: http.ServerResponse, host: string, port: number): void {
  response.setHeader('Content-Security-Policy', contentSecurityPolicy([`ws://${host}:${port}`]))
  response.setHeader('X-Content-Type-Options', 'nosniff')
  response.setHeader('Referrer-Policy', 'no-referrer')
  response.setHeader('X-Frame-Options', 'DENY')
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
}

function forbid(response: http.ServerResponse): void {
  response
    .writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
    .end('403 Forbidden: open the lab with the URL (including ?token=...) that the lab server printed when it started.\n')
}

function rejectUpgrade(socket: Duplex): void {
  socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
}

/** A DNS-rebinding page reaches us with its own host name; only loopback names are ours. */
function hostAllowed(hostHeader: string | undefined, port: number): boolean {
  return hostHeader === `127.0.0.1:${port}` || hostHeader === `localhost:${port}`
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return rest.join('=')
  }
  return undefined
}

function sameSecret(offered: string, token: string): boolean {
  const a = Buffer.from(offered)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}
