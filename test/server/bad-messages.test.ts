/**
 * Browser mode survives any client message. Against the real lab server (out/node/serve.js, real
 * replicas), with a run in progress: a 2.4 MB experiment in Korean, a message larger than any call
 * the API accepts, garbage, calls of the wrong shape, and a client that vanishes halfway through a
 * message. Each bad message is answered to its sender only; the server, the run and every other
 * client carry on.
 */
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LabStreamMessage, LiveFrame } from '../../src-main/api/lab-api.js'
import { experimentTextCharsMax, labCallJsonBytesMax } from '../../src-main/api/lab-api.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import { connectWire, startServeProcess, type ServeProcess, type WireClient } from './support.js'

let server: ServeProcess
let watcher: WireClient
let runId: string

const longRun = 'name: keeps-running\nprotocol: raft\ncluster: {nodes: 3, durability: none}\nworkload: {duration: 120s, clients: 2, keys: 5}\n'

/** A valid experiment whose description makes it `chars` characters long. */
function experimentOfLength(chars: number, letter = '가'): string {
  const head = 'protocol: raft\nworkload: {duration: 1s}\ndescription: "'
  const tail = '"\n'
  return head + letter.repeat(chars - head.length - tail.length) + tail
}

const frameOf = (message: LabStreamMessage) => message.kind === 'frame' && message.runId === runId

beforeAll(async () => {
  server = await startServeProcess(process.execPath, [path.join(repositoryRoot(), 'out/node/serve.js')])
  watcher = await connectWire(server.port, server.token)
  const started = await watcher.call('startRun', longRun)
  expect(started, JSON.stringify(started)).toMatchObject({ ok: true, value: { ok: true } })
  runId = (started.value as { runId: string }).runId
  await watcher.until((message) => frameOf(message) && (message as LiveFrame).leader !== undefined, 'a leader in the run')
}, 60_000)

afterAll(async () => {
  if (server?.alive()) {
    server.child.kill('SIGTERM')
    await server.exited
  }
}, 60_000)

/** The server lives, the run still moves, and a fresh client's call works. */
async function expectAllWell(): Promise<void> {
  expect(server.alive(), server.output()).toBe(true)
  const before = watcher.stream.filter(frameOf).length
  await watcher.until(frameOf, 'another frame of the run in progress')
  expect(watcher.stream.filter(frameOf).length).toBeGreaterThan(before)
  const fresh = await connectWire(server.port, server.token)
  const info = await fresh.call('info')
  expect(info.ok).toBe(true)
  fresh.socket.close()
}

describe('the browser-mode server and a hostile or broken client', () => {
  it('accepts a 2.4 MB experiment text in Korean (810,000 characters, within the API limit)', async () => {
    const client = await connectWire(server.port, server.token)
    const text = experimentOfLength(810_000)
    expect(Buffer.byteLength(text)).toBeGreaterThan(2.4e6)
    const reply = await client.call('validateExperiment', text)
    expect(reply, JSON.stringify(reply).slice(0, 500)).toMatchObject({ ok: true, value: { ok: true } })
    client.socket.close()
    await expectAllWell()
  }, 60_000)

  it('accepts a million-character experiment and refuses a longer one with the limit in the error', async () => {
    const client = await connectWire(server.port, server.token)
    const atLimit = await client.call('validateExperiment', experimentOfLength(experimentTextCharsMax, '한'))
    expect(atLimit).toMatchObject({ ok: true, value: { ok: true } })
    const over = await client.call('saveExperiment', 'big.yaml', experimentOfLength(experimentTextCharsMax + 1))
    expect(over.ok).toBe(false)
    expect(over.error).toBe('saveExperiment: invalid arguments (argument 1): expected an experiment of at most 1,000,000 characters')
    // The same connection goes on working.
    expect((await client.call('info')).ok).toBe(true)
    client.socket.close()
    await expectAllWell()
  }, 60_000)

  it('carries the worst case the API accepts: a million characters that JSON escapes six bytes each', async () => {
    const client = await connectWire(server.port, server.token)
    const reply = await client.call('validateExperiment', '\u0001'.repeat(experimentTextCharsMax))
    expect(reply.ok).toBe(true)
    expect(reply.value).toMatchObject({ ok: false })
    client.socket.close()
    await expectAllWell()
  }, 60_000)

  it('closes the connection of a client that sends more than any call can be (1009), and only that one', async () => {
    const client = await connectWire(server.port, server.token)
    client.raw('x'.repeat(labCallJsonBytesMax + 1))
    const closed = await client.closed
    expect(closed.code).toBe(1009)
    await expectAllWell()
  }, 60_000)

  it('answers garbage, a binary message and calls of the wrong shape with an error, and keeps the connection', async () => {
    const client = await connectWire(server.port, server.token)
    const garbage = client.nextOther('an error about the garbage')
    client.raw('this is not JSON')
    expect(await garbage).toEqual({ type: 'error', error: 'expected a call: {"type": "call", "id": <number>, "method": <string>, "args": [...]}, got text that is not JSON' })
    const binary = client.nextOther('an error about the binary message')
    client.raw(Buffer.from([1, 2, 3]))
    expect(await binary).toMatchObject({ type: 'error', error: expect.stringMatching(/got a binary message/) })
    const noId = client.nextOther('an error about a call without an id')
    client.raw(JSON.stringify({ type: 'call', method: 'info', args: [] }))
    expect(await noId).toMatchObject({ type: 'error', error: expect.stringMatching(/expected a call/) })
    const wrongArgs = await new Promise((resolve) => {
      client.socket.once('message', (data) => resolve(JSON.parse(data.toString())))
      client.raw(JSON.stringify({ type: 'call', id: 77, method: 'startRun', args: 'protocol: raft' }))
    })
    expect(wrongArgs).toMatchObject({ type: 'reply', id: 77, ok: false, error: expect.stringMatching(/args/) })
    expect(await client.call('noSuchMethod')).toMatchObject({ ok: false, error: 'unknown method "noSuchMethod"' })
    expect(await client.call('startRun', 42)).toMatchObject({ ok: false, error: expect.stringMatching(/^startRun: invalid arguments/) })
    expect(await client.call('stopRun', '../../etc')).toMatchObject({ ok: false })
    expect((await client.call('info')).ok).toBe(true)
    client.socket.close()
    await expectAllWell()
  }, 60_000)

  it('lives through a client that vanishes halfway through a large message', async () => {
    const client = await connectWire(server.port, server.token)
    const tcp = (client.socket as unknown as { _socket: import('node:net').Socket })._socket
    // A masked text frame announcing 1,000,000 bytes, of which only the first thousand arrive.
    const header = Buffer.alloc(14)
    header[0] = 0x81
    header[1] = 0x80 | 127
    header.writeBigUInt64BE(1_000_000n, 2)
    header.writeUInt32BE(0x12345678, 10)
    tcp.write(Buffer.concat([header, Buffer.alloc(1000, 0x41)]))
    tcp.destroy()
    await client.closed
    await expectAllWell()
  }, 60_000)

  it('lets the run in progress finish normally after all of it', async () => {
    const ended = watcher.until((message) => message.kind === 'end' && message.runId === runId, 'the end of the run', 60_000)
    expect(await watcher.call('stopRun', runId)).toMatchObject({ ok: true })
    const end = await ended
    expect(end).toMatchObject({ kind: 'end', summary: { completed: true } })
    expect(server.alive()).toBe(true)
  }, 90_000)
})
