/**
 * The PBFT workload client's read-only requests (TOCS §5.1.3): "the client multicasts a read-only
 * request to all replicas ... it waits for 2f+1 replies from different replicas with the same
 * result. The client may be unable to collect 2f+1 such replies if there are concurrent writes ...
 * in this case, it retransmits the request as a regular read-write request after its
 * retransmission timer expires." Driven over a stand-in for the connections, frame by frame.
 */
import { describe, expect, it } from 'vitest'
import type { ClusterConnections } from '../../src-main/lab/workload/connections.js'
import { PbftClient } from '../../src-main/lab/workload/pbft-client.js'
import type { Reply } from '../../src-main/protocols/pbft/types.js'
import type { ClientResponse } from '../../src-main/replica/client-server.js'

interface Sent {
  node: string
  body: Record<string, unknown>
}

/** Records what the client sends and lets the test push replica frames back; `next` resolves on the next send. */
function standIn(nodes: string[]) {
  const sent: Sent[] = []
  let waiter: ((sent: Sent) => void) | undefined
  const connections = {
    onPush: (_node: string, _frame: ClientResponse) => undefined,
    nodeIds: nodes,
    newRequestId: (() => {
      let id = 1
      return () => id++
    })(),
    send(node: string, body: Record<string, unknown>) {
      const entry = { node, body }
      sent.push(entry)
      waiter?.(entry)
      return true
    },
  }
  return {
    connections: connections as unknown as ClusterConnections,
    sent,
    push: (node: string, reply: Reply) => connections.onPush(node, { id: 0, ok: true, node, pbft: reply } as unknown as ClientResponse),
    nextSend: (match: (sent: Sent) => boolean) =>
      new Promise<Sent>((resolve) => {
        waiter = (entry) => {
          if (match(entry)) resolve(entry)
        }
      }),
  }
}

const reply = (replica: string, value: string, kind: 'readOnly' | 'committed'): Reply => ({
  type: 'Reply', view: 0, timestamp: 1, clientId: 'reader', replica, result: { ok: true, value }, index: 0, ...(kind === 'readOnly' ? { readOnly: true as const } : { seq: 5 }),
})

describe('PBFT client: read-only requests (TOCS §5.1.3)', () => {
  const nodes = ['A', 'B', 'C', 'D']

  it('multicasts a get to every replica, unordered, and takes 2f+1 matching read-only replies', async () => {
    const stand = standIn(nodes)
    const outcome = new PbftClient(stand.connections, 1, 60_000, true).execute('reader', 1, { op: 'get', key: 'k' }, 60_000)
    const gets = stand.sent.filter((entry) => 'cmd' in entry.body)
    expect(gets.map((entry) => entry.node)).toEqual(nodes)
    expect(gets.every((entry) => entry.body.ordered === undefined)).toBe(true)
    stand.push('A', reply('A', 'v', 'readOnly'))
    stand.push('B', reply('B', 'v', 'readOnly'))
    stand.push('C', reply('C', 'v', 'readOnly'))
    expect(await outcome).toMatchObject({ type: 'ok', value: 'v', node: 'A,B,C' })
  })

  it('with replies that do not match, sends the same request to be ordered when the retransmission timer expires', async () => {
    const stand = standIn(nodes)
    const client = new PbftClient(stand.connections, 1, 20, true)
    const ordered = stand.nextSend((entry) => entry.body.ordered === true)
    const outcome = client.execute('reader', 1, { op: 'get', key: 'k' }, 60_000)
    // A concurrent write: two replicas answer before it, two after. No 2f+1 match.
    stand.push('A', reply('A', 'old', 'readOnly'))
    stand.push('B', reply('B', 'old', 'readOnly'))
    stand.push('C', reply('C', 'new', 'readOnly'))
    stand.push('D', reply('D', 'new', 'readOnly'))
    const fallback = await ordered
    expect(fallback).toMatchObject({ node: 'A', body: { clientId: 'reader', seq: 1, cmd: { op: 'get', key: 'k' }, ordered: true } })
    stand.push('A', reply('A', 'new', 'committed'))
    stand.push('B', reply('B', 'new', 'committed'))
    expect(await outcome).toMatchObject({ type: 'ok', value: 'new', seq: 5 })
  })

  it('a client without read-only requests sends a get to the primary alone, as any request', async () => {
    const stand = standIn(nodes)
    void new PbftClient(stand.connections, 1, 60_000, false).execute('reader', 1, { op: 'get', key: 'k' }, 100)
    expect(stand.sent.filter((entry) => 'cmd' in entry.body).map((entry) => entry.node)).toEqual(['A'])
  })
})
