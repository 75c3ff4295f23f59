/** A replica faced with garbage on its ports closes that one connection, counts it, and keeps serving. */
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestCluster, type TestCluster } from '../support/cluster-harness.js'
import { encodeFrame, FrameDecoder, frameBytesMax } from '../../src-main/replica/framing.js'
import { rangeBytesMax, valueBytesMax } from '../../src-main/protocols/common/wire-budget.js'

let running: TestCluster | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

/** Writes `bytes` to 127.0.0.1:port and resolves once the replica closes the connection. */
function sendAndAwaitClose(port: number, bytes: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.on('connect', () => bytes.forEach((chunk) => socket.write(chunk)))
    socket.on('error', () => undefined)
    socket.on('close', () => resolve())
    socket.setTimeout(10_000, () => reject(new Error('the replica did not close the connection')))
  })
}

const oversizedHeader = () => {
  const header = Buffer.alloc(4)
  header.writeUInt32BE(frameBytesMax + 1, 0)
  return header
}

describe('bad input to a replica', () => {
  it('closes a peer connection that sends garbage, an oversized frame or a forged envelope, and stays up', async () => {
    running = await startTestCluster(['A', 'B', 'C'])
    const cluster = running
    await cluster.until(() => cluster.leaders.leader() !== undefined, 'a leader')
    const victim = cluster.cluster.replicas.get('B')!
    await sendAndAwaitClose(victim.peerPort, [Buffer.from('GET / HTTP/1.1\r\n\r\n')])
    await sendAndAwaitClose(victim.peerPort, [oversizedHeader()])
    await sendAndAwaitClose(victim.peerPort, [encodeFrame({ v: 1, hello: 'A' }), encodeFrame({ v: 1, from: 'C', to: 'B', m: { type: 'AppendEntries' } })])
    await sendAndAwaitClose(victim.peerPort, [encodeFrame({ v: 1, hello: 'A' }), encodeFrame({ v: 1, from: 'A', to: 'B', m: { type: 'AppendEntries', term: -1 } })])
    await cluster.until(() => (victim.status?.framesRejected ?? 0) >= 4, 'four rejected frames reported')
    expect(cluster.trace.filter((event) => event.kind === 'frame-error' && event.node === 'B')).toHaveLength(4)
    expect(victim.state).toBe('up')
    const client = cluster.client()
    expect((await client.run({ op: 'put', key: 'still', value: 'alive' })).type).toBe('ok')
  })

  it('closes a client connection that sends garbage or an oversized frame, and keeps serving other clients', async () => {
    running = await startTestCluster(['A', 'B', 'C'])
    const cluster = running
    await cluster.until(() => cluster.leaders.leader() !== undefined, 'a leader')
    const leader = cluster.cluster.replicas.get(cluster.leaders.leader()!)!
    await sendAndAwaitClose(leader.clientPort, [Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1])])
    await sendAndAwaitClose(leader.clientPort, [oversizedHeader()])
    const client = cluster.client()
    expect((await client.run({ op: 'put', key: 'k', value: 'v' })).type).toBe('ok')
    expect(leader.state).toBe('up')
    await cluster.until(() => (leader.status?.framesRejected ?? 0) >= 2, 'two rejected frames reported')
  })

  it('answers a well-framed request it cannot make sense of with an invalid error that says why', async () => {
    running = await startTestCluster(['A', 'B', 'C'])
    const cluster = running
    await cluster.until(() => cluster.leaders.leader() !== undefined, 'a leader')
    const leader = cluster.cluster.replicas.get(cluster.leaders.leader()!)!
    const answer = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: leader.clientPort })
      const decoder = new FrameDecoder()
      socket.on('connect', () => socket.write(encodeFrame({ id: 1, clientId: 'x', seq: 1, cmd: { op: 'explode' } })))
      socket.on('data', (chunk: Buffer) => {
        const [first] = decoder.push(chunk).bodies
        if (!first) return
        socket.destroy()
        resolve(first as Record<string, unknown>)
      })
      socket.on('error', reject)
    })
    expect(answer).toMatchObject({ id: 1, ok: false, error: 'invalid', message: 'unknown command op "explode"' })
  })

  it('answers a command larger than the lab accepts with an invalid error that says so, and stays up', async () => {
    running = await startTestCluster(['A', 'B', 'C'])
    const cluster = running
    await cluster.until(() => cluster.leaders.leader() !== undefined, 'a leader')
    const leader = cluster.cluster.replicas.get(cluster.leaders.leader()!)!
    const big = 'v'.repeat(valueBytesMax + 1)
    const answers = await requestRaw(leader.clientPort, [
      { id: 1, clientId: 'x', seq: 1, cmd: { op: 'put', key: 'k', value: big } },
      { id: 2, clientId: 'x', seq: 2, cmd: { op: 'put', key: 'k'.repeat(2000), value: 'v' } },
      { id: 3, clientId: 'x', seq: 3, cmd: { op: 'put', key: 'k', value: 'fine' } },
    ])
    expect(answers.get(1)).toMatchObject({ ok: false, error: 'invalid', message: `a value of ${valueBytesMax + 1} bytes is larger than the ${valueBytesMax} a value may have` })
    expect(answers.get(2)).toMatchObject({ ok: false, error: 'invalid', message: expect.stringMatching(/a key of 2000 bytes is longer than/) })
    expect(answers.get(3)).toMatchObject({ ok: true })
    expect(leader.state).toBe('up')
  })

  it('refuses a range whose reply would not fit, saying why, and answers a narrower one', async () => {
    running = await startTestCluster(['A', 'B', 'C'], { durability: 'none' })
    const cluster = running
    await cluster.until(() => cluster.leaders.leader() !== undefined, 'a leader')
    const client = cluster.client()
    for (let index = 0; index <= rangeBytesMax / valueBytesMax; index += 1) {
      expect((await client.run({ op: 'put', key: `big:${index}`, value: 'v'.repeat(valueBytesMax) }, 10_000)).type).toBe('ok')
    }
    expect((await client.run({ op: 'put', key: 'small:1', value: 'x' })).type).toBe('ok')
    const refused = await client.run({ op: 'range', prefix: 'big:' })
    expect(refused).toMatchObject({ type: 'fail', error: expect.stringMatching(/^invalid: range over prefix "big:" matches more than/) })
    expect(await client.run({ op: 'range', prefix: 'small:' })).toMatchObject({ type: 'ok', entries: [['small:1', 'x']] })
    expect(cluster.cluster.replicas.get(cluster.leaders.leader()!)!.state).toBe('up')
  })
})

/** Sends requests on one raw connection and collects the answers by id. */
function requestRaw(port: number, requests: ({ id: number } & Record<string, unknown>)[]): Promise<Map<number, Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const answers = new Map<number, Record<string, unknown>>()
    const socket = net.connect({ host: '127.0.0.1', port })
    const decoder = new FrameDecoder()
    socket.on('connect', () => requests.forEach((request) => socket.write(encodeFrame(request))))
    socket.on('data', (chunk: Buffer) => {
      for (const body of decoder.push(chunk).bodies) {
        const answer = body as Record<string, unknown>
        answers.set(answer.id as number, answer)
      }
      if (answers.size < requests.length) return
      socket.destroy()
      resolve(answers)
    })
    socket.on('error', reject)
    socket.setTimeout(10_000, () => reject(new Error(`only ${answers.size} of ${requests.length} answers`)))
  })
}
