/**
 * Replies are frames too: a watch's events are pushed in frames of at most watchEventsBytesMax, and
 * a reply that could still not be encoded within a frame becomes a clear error for that request
 * instead of an exception that would stop the replica.
 */
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { ClientServer, type ClientConnection, type ClientResponse } from '../../src-main/replica/client-server.js'
import { encodeFrame, FrameDecoder, frameBytesMax } from '../../src-main/replica/framing.js'
import { KeyValueStore } from '../../src-main/kv/store.js'
import { WatchHub } from '../../src-main/replica/watches.js'
import { encodedBytesMax, valueBytesMax, watchEventsBytesMax } from '../../src-main/protocols/common/wire-budget.js'

describe('watch events are pushed in frames capped by bytes', () => {
  it('a burst of large changes leaves in several frames of at most watchEventsBytesMax, all of them, in revision order', () => {
    const sent: ClientResponse[] = []
    const connection: ClientConnection = { id: 1, closed: false, send: (response) => void sent.push(response) }
    const store = new KeyValueStore()
    const hub = new WatchHub('A')
    hub.open(connection, 7, 'k', 0, store)
    const changes = []
    for (let index = 1; index <= 20; index += 1) {
      store.apply(index, 1, { op: 'put', key: `k${index}`, value: `${index}:`.padEnd(valueBytesMax, 'v') })
      changes.push(...store.lastChanges)
    }
    hub.publish(changes)
    const frames = sent.filter((response) => response.ok && response.events)
    expect(frames.length).toBeGreaterThan(3)
    for (const frame of frames) {
      const events = (frame as { events: unknown[] }).events
      if (events.length > 1) expect(encodedBytesMax(events)).toBeLessThanOrEqual(watchEventsBytesMax)
    }
    const revisions = frames.flatMap((frame) => (frame as { events: { revision: number }[] }).events.map((event) => event.revision))
    expect(revisions).toEqual(Array.from({ length: 20 }, (_, index) => index + 1))
  })
})

describe('a reply too large for a frame', () => {
  let server: ClientServer | undefined
  afterEach(() => server?.close())

  it('reaches the client as an invalid error naming its size, and the connection keeps serving', async () => {
    server = new ClientServer({
      port: 0,
      onRequest: (connection, request) => {
        const huge = request.id === 1
        connection.send({ id: request.id, ok: true, node: 'A', value: huge ? 'x'.repeat(frameBytesMax + 1) : 'small' })
      },
      onRejectedFrame: () => undefined,
    })
    const port = await server.listen()
    const answers = await new Promise<Record<string, unknown>[]>((resolve, reject) => {
      const received: Record<string, unknown>[] = []
      const socket = net.connect({ host: '127.0.0.1', port })
      const decoder = new FrameDecoder()
      socket.on('connect', () => {
        socket.write(encodeFrame({ id: 1, clientId: 'c', seq: 1, cmd: { op: 'get', key: 'k' } }))
        socket.write(encodeFrame({ id: 2, clientId: 'c', seq: 2, cmd: { op: 'get', key: 'k' } }))
      })
      socket.on('data', (chunk: Buffer) => {
        received.push(...(decoder.push(chunk).bodies as Record<string, unknown>[]))
        if (received.length < 2) return
        socket.destroy()
        resolve(received)
      })
      socket.on('error', reject)
      socket.setTimeout(10_000, () => reject(new Error(`${received.length} of 2 answers`)))
    })
    expect(answers[0]).toMatchObject({ id: 1, ok: false, node: 'A', error: 'invalid', message: expect.stringMatching(/^the reply of \d+ bytes does not fit in a frame/) })
    expect(answers[1]).toMatchObject({ id: 2, ok: true, value: 'small' })
  })
})
