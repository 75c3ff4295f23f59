/**
 * Every message gets an id when it is sent; its send, receipt and drop carry that id, so a sequence
 * diagram pairs them exactly. A message is traced whole or not at all: the sender decides, and the
 * receiver traces the receipt of what the sender traced.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { messageIdsPerIncarnation, PeerTransport, type TraceAdmission, type TransportEvent } from '../../src-main/replica/transport.js'

const secret = 'the-run-secret-of-this-test-0123456789'
const vote = { type: 'RequestVote', term: 7, lastLogIndex: 0, lastLogTerm: 0, transfer: false }

interface Node {
  transport: PeerTransport
  received: { type: string }[]
  events: TransportEvent[]
  port: number
}

const open: PeerTransport[] = []
let waiters: (() => void)[] = []
afterEach(() => {
  open.splice(0).forEach((transport) => transport.close())
  waiters = []
})

function until(condition: () => boolean, what: string): Promise<void> {
  if (condition()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 10_000)
    const check = () => {
      if (!condition()) return
      waiters = waiters.filter((other) => other !== check)
      clearTimeout(timer)
      resolve()
    }
    waiters.push(check)
  })
}

async function node(self: string, options: { incarnation?: number; admitTrace?: TraceAdmission } = {}): Promise<Node> {
  const received: { type: string }[] = []
  const events: TransportEvent[] = []
  const notify = () => waiters.forEach((check) => check())
  const transport = new PeerTransport({
    self,
    members: ['A', 'B'],
    secret,
    port: 0,
    random: () => 0.5,
    incarnation: options.incarnation,
    admitTrace: options.admitTrace ?? (() => true),
    onMessage: (_from, message) => {
      received.push(message)
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

async function pair(a: Node, b: Node): Promise<void> {
  a.transport.setPeers([{ id: 'B', host: '127.0.0.1', port: b.port }])
  b.transport.setPeers([{ id: 'A', host: '127.0.0.1', port: a.port }])
  await Promise.all([a.transport.settled(5000), b.transport.settled(5000)])
}

const of = <K extends TransportEvent['kind']>(events: TransportEvent[], kind: K) => events.filter((event): event is Extract<TransportEvent, { kind: K }> => event.kind === kind)

describe('message ids', () => {
  it('a traced send and its receipt carry the same id, new for every message', async () => {
    const a = await node('A')
    const b = await node('B')
    await pair(a, b)
    for (let i = 0; i < 3; i += 1) a.transport.send('B', vote)
    a.transport.flushWrites()
    await until(() => of(b.events, 'recv').length === 3, 'three receipts')
    const sent = of(a.events, 'send').map((event) => event.id)
    expect(new Set(sent).size).toBe(3)
    expect(of(b.events, 'recv').map((event) => event.id)).toEqual(sent)
  })

  it('a restarted process numbers its messages above every id of its earlier incarnations', async () => {
    const first = await node('A', { incarnation: 0 })
    const again = await node('A', { incarnation: 3 })
    first.transport.send('B', vote)
    again.transport.send('B', vote)
    // Nobody listens at B: the sends are still numbered (and traced), then dropped unsent.
    const [early] = of(first.events, 'send')
    const [late] = of(again.events, 'send')
    expect(early!.id).toBeLessThan(messageIdsPerIncarnation)
    expect(late!.id).toBe(3 * messageIdsPerIncarnation)
  })

  it('a message cut by a partition is dropped with its id, at the sender or on receipt', async () => {
    const a = await node('A')
    const b = await node('B')
    await pair(a, b)
    a.transport.setRules({ outgoing: { B: { blocked: true } }, incomingBlocked: [] })
    a.transport.send('B', vote)
    b.transport.setRules({ outgoing: {}, incomingBlocked: ['A'] })
    a.transport.setRules({ outgoing: {}, incomingBlocked: [] })
    a.transport.send('B', vote)
    a.transport.flushWrites()
    await until(() => of(b.events, 'drop').length === 1, 'the drop on receipt')
    const [atSender] = of(a.events, 'drop')
    const [send] = of(a.events, 'send')
    const [onReceipt] = of(b.events, 'drop')
    expect(atSender).toMatchObject({ reason: 'partition', from: 'A', to: 'B' })
    expect(onReceipt).toMatchObject({ reason: 'partition', id: send!.id })
    expect(atSender!.id).not.toBe(send!.id)
    expect(of(b.events, 'recv')).toEqual([])
    expect(b.received).toEqual([])
  })

  it('what the sender does not trace is not traced on receipt either, and is still delivered', async () => {
    let admit = false
    const a = await node('A', { admitTrace: () => admit })
    const b = await node('B')
    await pair(a, b)
    a.transport.send('B', vote)
    admit = true
    a.transport.send('B', vote)
    a.transport.flushWrites()
    await until(() => b.received.length === 2, 'both deliveries')
    expect(of(a.events, 'send')).toHaveLength(1)
    expect(of(b.events, 'recv').map((event) => event.id)).toEqual(of(a.events, 'send').map((event) => event.id))
  })

  it('frames that can never be written name the traced messages among them', async () => {
    const a = await node('A')
    a.transport.setPeers([{ id: 'B', host: '127.0.0.1', port: 1 }])
    a.transport.send('C', vote)
    a.transport.flushWrites()
    const [unknown] = of(a.events, 'drop')
    expect(unknown).toMatchObject({ reason: 'unknown-peer', to: 'C', type: '*', id: of(a.events, 'send')[0]!.id })
  })
})
