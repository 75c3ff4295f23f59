/**
 * The peer handshake on real sockets: only a process holding the run's secret can speak as a
 * member, a failed handshake closes that one connection and is counted, and peers with the secret
 * talk and reconnect as before.
 */
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { PeerTransport, wireVersion, type TransportEvent } from '../../src-main/replica/transport.js'
import { encodeFrame, FrameDecoder } from '../../src-main/replica/framing.js'
import { unauthenticatedInboundMax } from '../../src-main/replica/handshake.js'

const secret = 'the-run-secret-of-this-test-0123456789'
const message = { type: 'RequestVote', term: 7, lastLogIndex: 0, lastLogTerm: 0, transfer: false }

interface Node {
  transport: PeerTransport
  received: { from: string; message: { type: string } }[]
  events: TransportEvent[]
  port: number
}

const open: PeerTransport[] = []
const sockets: net.Socket[] = []
const servers: net.Server[] = []
let changed: (() => void)[] = []
afterEach(() => {
  open.splice(0).forEach((transport) => transport.close())
  sockets.splice(0).forEach((socket) => socket.destroy())
  servers.splice(0).forEach((server) => server.close())
  changed = []
})

function notify(): void {
  for (const check of [...changed]) check()
}

/** Resolves once `condition` holds, re-checked on every transport event; fails after timeoutMs. */
function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  if (condition()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!condition()) return
      changed = changed.filter((other) => other !== check)
      clearTimeout(timer)
      resolve()
    }
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs)
    changed.push(check)
  })
}

async function node(self: string, nodeSecret = secret, port = 0, handshakeTimeoutMs?: number): Promise<Node> {
  const received: Node['received'] = []
  const events: TransportEvent[] = []
  const transport = new PeerTransport({
    self,
    members: ['A', 'B'],
    secret: nodeSecret,
    handshakeTimeoutMs,
    port,
    random: () => 0.5,
    onMessage: (from, body) => {
      received.push({ from, message: body })
      notify()
      return true
    },
    onEvent: (event) => {
      events.push(event)
      notify()
    },
  })
  open.push(transport)
  return { transport, received, events, port: await transport.listen() }
}

function rawConnection(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket))
    socket.on('error', reject)
    // Read whatever comes, so a close from the replica is seen.
    socket.on('data', () => undefined)
    sockets.push(socket)
  })
}

/** Resolves when the replica closes the socket, or when anything reached its core (which must not happen). */
function closedOrDelivered(socket: net.Socket, to: Node): Promise<void> {
  const closed = new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())))
  return Promise.race([closed, until(() => to.received.length > 0, 'a delivery')])
}

function rejections(events: TransportEvent[]): string[] {
  return events.flatMap((event) => (event.kind === 'frame-error' ? [event.reason] : []))
}

function sendMessage(from: Node, to: string): void {
  from.transport.send(to, message)
  from.transport.flushWrites()
}

describe('the peer handshake', () => {
  it('refuses a process that claims to be a member and sends a valid-looking frame without the secret: nothing reaches the core', async () => {
    const a = await node('A')
    const socket = await rawConnection(a.port)
    socket.write(Buffer.concat([encodeFrame({ v: wireVersion, hello: 'B' }), encodeFrame({ v: wireVersion, from: 'B', to: 'A', m: message })]))
    await closedOrDelivered(socket, a)
    expect(a.received).toEqual([])
    expect(a.transport.framesRejected).toBe(1)
    expect(rejections(a.events)).toEqual([expect.stringMatching(/handshake: expected a hello/)])
  })

  it('refuses a process that follows the handshake but cannot compute the proof', async () => {
    const a = await node('A')
    const socket = await rawConnection(a.port)
    const decoder = new FrameDecoder()
    const challenge = new Promise<unknown>((resolve) => socket.on('data', (chunk: Buffer) => resolve(decoder.push(chunk).bodies[0])))
    socket.write(encodeFrame({ v: 1, hello: 'B', to: 'A', nonce: Buffer.alloc(32, 7) }))
    expect(await challenge).toMatchObject({ v: 1 })
    socket.write(Buffer.concat([encodeFrame({ v: 1, proof: Buffer.alloc(32, 1) }), encodeFrame({ v: wireVersion, from: 'B', to: 'A', m: message })]))
    await closedOrDelivered(socket, a)
    expect(a.received).toEqual([])
    expect(rejections(a.events)).toEqual([expect.stringMatching(/B could not prove the run secret/)])
  })

  it('refuses a hello from a name that is not a member', async () => {
    const a = await node('A')
    const socket = await rawConnection(a.port)
    socket.write(encodeFrame({ v: 1, hello: 'Mallory', to: 'A', nonce: Buffer.alloc(32) }))
    await closedOrDelivered(socket, a)
    expect(rejections(a.events)).toEqual([expect.stringMatching(/"Mallory" is not a peer/)])
  })

  it('admits a peer learned after start (a membership change), and refuses it again once removed, no longer dialling it', async () => {
    const a = await node('A')
    // C is new: the members at start (A, B) do not list it, as for a node added to a running cluster.
    const c = await node('C')
    c.transport.setPeers([{ id: 'A', host: '127.0.0.1', port: a.port }])
    sendMessage(c, 'A')
    await until(() => rejections(a.events).length > 0, 'the refusal of C before A knows it')
    expect(rejections(a.events)).toEqual([expect.stringMatching(/"C" is not a peer/)])
    expect(a.received).toEqual([])

    a.transport.setPeers([{ id: 'C', host: '127.0.0.1', port: c.port }])
    expect(a.transport.admits('C')).toBe(true)
    await until(() => a.received.some((item) => item.from === 'C'), "C's message, once A learned of C (C redials)")
    sendMessage(a, 'C')
    await until(() => c.received.some((item) => item.from === 'A'), "A's message to C")

    a.transport.removePeer('C')
    expect(a.transport.admits('C')).toBe(false)
    const refusedBefore = rejections(a.events).length
    const deliveredBefore = a.received.length
    sendMessage(c, 'A')
    await until(() => rejections(a.events).length > refusedBefore, "the refusal of C's redial once removed")
    expect(rejections(a.events).slice(refusedBefore)[0]).toMatch(/"C" is not a peer/)
    expect(a.received.length).toBe(deliveredBefore)
    // A no longer dials C: a message to it has no connection to go on.
    const eventsBefore = a.events.length
    sendMessage(a, 'C')
    expect(a.events.slice(eventsBefore)).toContainEqual(expect.objectContaining({ kind: 'drop', to: 'C', reason: 'unknown-peer' }))
  })

  it('refuses a peer with another secret, whichever side dials, and delivers nothing', async () => {
    const a = await node('A')
    const b = await node('B', 'another-secret-for-this-test-0123456789')
    a.transport.setPeers([{ id: 'B', host: '127.0.0.1', port: b.port }])
    b.transport.setPeers([{ id: 'A', host: '127.0.0.1', port: a.port }])
    sendMessage(a, 'B')
    sendMessage(b, 'A')
    // Each dialer finds that the acceptor cannot prove the secret it holds itself.
    const refusedAsAcceptor = (node: Node) => rejections(node.events).some((reason) => reason.includes('acceptor could not prove'))
    await until(() => a.received.length + b.received.length > 0 || (refusedAsAcceptor(a) && refusedAsAcceptor(b)), 'A and B to refuse each other')
    expect(a.received).toEqual([])
    expect(b.received).toEqual([])
  })

  it('lets peers with the run secret talk, and reconnect after the other side restarts', async () => {
    const a = await node('A')
    const b = await node('B')
    a.transport.setPeers([{ id: 'B', host: '127.0.0.1', port: b.port }])
    sendMessage(a, 'B')
    await until(() => b.received.length === 1, 'B to receive the message')
    expect(b.received[0]).toEqual({ from: 'A', message })

    b.transport.close()
    const restarted = await node('B', secret, b.port)
    // A message written before A notices the old connection closed is lost, as on any TCP link: the
    // protocols retransmit, and so does this test, until the new connection (and handshake) carries one.
    const resend = setInterval(() => sendMessage(a, 'B'), 50)
    try {
      await until(() => restarted.received.length >= 1, 'the restarted B to receive a message')
    } finally {
      clearInterval(resend)
    }
    expect(restarted.received[0]).toEqual({ from: 'A', message })
    expect(rejections(restarted.events)).toEqual([])
  })

  it('does not let a process that relays the handshake between two members take over the connection', async () => {
    const a = await node('A')
    const b = await node('B')
    // A believes B listens on the relay's port; the relay pipes every byte to the real B and back.
    const relay = net.createServer((inbound) => {
      const outbound = net.connect({ host: '127.0.0.1', port: b.port })
      sockets.push(inbound, outbound)
      inbound.pipe(outbound)
      outbound.pipe(inbound)
      inbound.on('error', () => outbound.destroy())
      outbound.on('error', () => inbound.destroy())
    })
    servers.push(relay)
    const relayPort = await new Promise<number>((resolve) => relay.listen(0, '127.0.0.1', () => resolve((relay.address() as net.AddressInfo).port)))
    a.transport.setPeers([{ id: 'B', host: '127.0.0.1', port: relayPort }])
    sendMessage(a, 'B')
    // The proofs name each connection's ports: B's proof is for the relay's connection, not A's.
    await until(() => b.received.length > 0 || rejections(a.events).some((reason) => reason.includes('acceptor could not prove')), 'A to refuse the relayed handshake')
    expect(b.received).toEqual([])
  })

  it('closes a connection that does not finish its handshake in time, and holds at most unauthenticatedInboundMax of them', async () => {
    const a = await node('A', secret, 0, 60_000)
    const silent = await Promise.all(Array.from({ length: unauthenticatedInboundMax }, () => rawConnection(a.port)))
    // Connections are accepted in the order they were made: this one comes after the 64 silent ones.
    const oneTooMany = await rawConnection(a.port)
    await new Promise<void>((resolve) => oneTooMany.once('close', () => resolve()))
    expect(rejections(a.events)).toEqual([expect.stringMatching(/more than 64 connections in their handshake/)])
    silent.forEach((socket) => socket.destroy())

    const b = await node('B', secret, 0, 100)
    const slow = await rawConnection(b.port)
    slow.write(encodeFrame({ v: 1, hello: 'A', to: 'B', nonce: Buffer.alloc(32) }))
    await new Promise<void>((resolve) => slow.once('close', () => resolve()))
    expect(rejections(b.events)).toEqual(['the handshake timed out'])
  })

  it('settles once every peer has answered its handshake or refused the connection, and waits for a silent one only so long', async () => {
    const a = await node('A')
    const b = await node('B')
    b.transport.setPeers([{ id: 'A', host: '127.0.0.1', port: a.port }])
    await b.transport.settled(60_000)
    // Nothing listens on a closed server's port: the attempt fails at once.
    const gone = net.createServer()
    const gonePort = await new Promise<number>((resolve) => gone.listen(0, '127.0.0.1', () => resolve((gone.address() as net.AddressInfo).port)))
    await new Promise<void>((resolve) => gone.close(() => resolve()))
    const c = await node('A')
    c.transport.setPeers([{ id: 'B', host: '127.0.0.1', port: gonePort }])
    await c.transport.settled(60_000)
    // A server that accepts and never answers, like a paused replica: settled gives up after its wait.
    const silent = net.createServer((socket) => sockets.push(socket))
    servers.push(silent)
    const silentPort = await new Promise<number>((resolve) => silent.listen(0, '127.0.0.1', () => resolve((silent.address() as net.AddressInfo).port)))
    const d = await node('A')
    d.transport.setPeers([{ id: 'B', host: '127.0.0.1', port: silentPort }])
    let settled = false
    void d.transport.settled(60_000).then(() => (settled = true))
    await new Promise<void>((resolve) => silent.once('connection', () => resolve()))
    expect(settled).toBe(false)
    await d.transport.settled(50)
  })
})
