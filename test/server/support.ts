/**
 * The real browser-mode lab (out/node/serve.js) as its own process, and a raw WebSocket client that
 * speaks its wire protocol, so a test can send it anything and see whether it lives.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import WebSocket from 'ws'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import type { LabStreamMessage } from '../../src-main/api/lab-api.js'
import type { WireServerMessage } from '../../src-main/api/wire.js'

export const serverStartTimeoutMs = 30_000

export interface ServeProcess {
  child: ChildProcess
  port: number
  token: string
  dataDir: string
  runsDir: string
  output: () => string
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string>
  alive: () => boolean
}

/** Spawns `command args` (out/node/serve.js or npm run serve) and waits for its `--json` start line. */
export async function startServeProcess(command: string, args: string[], dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-serve-'))): Promise<ServeProcess> {
  const runsDir = path.join(dataDir, 'runs')
  const child = spawn(command, [...args, '--json', '--port', '0', '--experiments', path.join(dataDir, 'bundled'), '--user-experiments', path.join(dataDir, 'user'), '--runs', runsDir], {
    cwd: repositoryRoot(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  let exitedAs: number | string | undefined
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve((exitedAs = code ?? signal ?? 'unknown'))))
  const started = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the lab server did not start within ${serverStartTimeoutMs} ms:\n${output}`)), serverStartTimeoutMs)
    const check = () => {
      const line = output.split('\n').find((text) => text.startsWith('{"url"'))
      if (line === undefined) return
      clearTimeout(timer)
      resolve(JSON.parse(line) as { url: string; port: number })
    }
    child.stdout!.on('data', check)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`the lab server exited (${code}) before it started:\n${output}`))
    })
  })
  const token = new URL(started.url).searchParams.get('token')!
  return { child, port: started.port, token, dataDir, runsDir, output: () => output, exited, alive: () => exitedAs === undefined }
}

export interface WireClient {
  socket: WebSocket
  stream: LabStreamMessage[]
  /** Messages of a type the protocol does not define a call for (e.g. an error about an unreadable message). */
  others: WireServerMessage[]
  call(method: string, ...args: unknown[]): Promise<{ ok: boolean; value?: unknown; error?: string }>
  /** Sends raw text or bytes, outside the call protocol. */
  raw(data: string | Buffer): void
  closed: Promise<{ code: number; reason: string }>
  /** Resolves once a stream message arriving from now on satisfies `test`. */
  until(test: (message: LabStreamMessage) => boolean, what: string, timeoutMs?: number): Promise<LabStreamMessage>
  /** Resolves once a non-reply, non-stream message arrives. */
  nextOther(what: string, timeoutMs?: number): Promise<WireServerMessage>
}

export async function connectWire(port: number, token: string): Promise<WireClient> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/lab?token=${token}`)
  socket.on('error', () => undefined)
  const replies = new Map<number, (reply: { ok: boolean; value?: unknown; error?: string }) => void>()
  const stream: LabStreamMessage[] = []
  const others: WireServerMessage[] = []
  const waiters = new Set<() => void>()
  let nextId = 1
  const wake = () => [...waiters].forEach((waiter) => waiter())
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })))
  await new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as WireServerMessage & { type: string }
      if (message.type === 'hello') resolve()
      else if (message.type === 'reply') replies.get(message.id)?.(message)
      else if (message.type === 'stream') stream.push(message.message)
      else others.push(message)
      wake()
    })
    void closed.then(({ code, reason }) => reject(new Error(`closed before hello: ${code} ${reason}`)))
  })
  const waitFor = <T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = find()
        if (found === undefined) return
        waiters.delete(check)
        clearTimeout(timer)
        resolve(found)
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`timed out waiting for ${what}`))
      }, timeoutMs)
      waiters.add(check)
      check()
    })
  return {
    socket,
    stream,
    others,
    closed,
    raw: (data) => socket.send(data),
    call: (method, ...args) => {
      const id = nextId++
      const reply = new Promise<{ ok: boolean; value?: unknown; error?: string }>((resolve, reject) => {
        replies.set(id, resolve)
        void closed.then(({ code, reason }) => reject(new Error(`the socket closed (${code} ${reason}) before the reply to ${method}`)))
      })
      socket.send(JSON.stringify({ type: 'call', id, method, args }))
      return reply
    },
    until: (test, what, timeoutMs = 30_000) => {
      let seen = stream.length
      return waitFor(() => {
        for (; seen < stream.length; seen += 1) if (test(stream[seen]!)) return stream[seen]
        return undefined
      }, what, timeoutMs)
    },
    nextOther: (what, timeoutMs = 10_000) => {
      const before = others.length
      return waitFor(() => others[before], what, timeoutMs)
    },
  }
}
