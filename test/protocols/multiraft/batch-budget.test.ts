/**
 * MultiRaft coalesces all groups' messages to one peer into a Batch; a Batch is still one frame, so
 * it is split by bytes (batchBytesMax): however many groups replicate large entries in one turn,
 * every Batch fits, and every item arrives.
 */
import { Packr } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import { MultiRaftCore, type MultiRaftMessage } from '../../../src-main/protocols/multiraft/core.js'
import { seededRandom } from '../../../src-main/protocols/common/random.js'
import { messageBytesMax } from '../../../src-main/protocols/common/wire-budget.js'
import { raftMessageBytes } from '../../../src-main/protocols/raft/replication.js'
import type { NodeId } from '../../../src-main/protocols/types.js'

const packr = new Packr({ useRecords: false, mapsAsObjects: true })
const members = ['A', 'B', 'C']
const groups = 4

interface Sent {
  from: NodeId
  to: NodeId
  message: MultiRaftMessage
}

function startCluster(batchBytesMax: number) {
  const cores = new Map(
    members.map((id) => [
      id,
      new MultiRaftCore({
        id,
        members,
        groups,
        routing: { kind: 'hash' },
        randomFor: (group) => seededRandom(5, `${id}:${group}`),
        electionTimeoutTicks: [10, 20],
        heartbeatTicks: 2,
        preVote: false,
        checkQuorum: false,
        batchEntriesMax: 1024,
        inflightAppendsMax: 16,
        appendBytesMax: 8 * 1024,
        batchBytesMax,
      }),
    ]),
  )
  const network: Sent[] = []
  const sent: Sent[] = []
  const step = (id: NodeId, input: Parameters<MultiRaftCore['step']>[0]) => {
    for (const { to, message } of cores.get(id)!.step(input).messages) {
      network.push({ from: id, to, message })
      sent.push({ from: id, to, message })
    }
  }
  const stabilize = () => {
    for (let count = 0; network.length > 0; count += 1) {
      if (count > 100_000) throw new Error('network did not quiet down')
      const { from, to, message } = network.shift()!
      step(to, { kind: 'message', from, message })
    }
  }
  return { cores, sent, step, stabilize }
}

describe('MultiRaft Batch frames are capped by bytes', () => {
  it('splits one turn of several groups’ large appends into Batches of at most batchBytesMax, and every group commits everything', () => {
    const batchBytesMax = 20 * 1024
    const cluster = startCluster(batchBytesMax)
    // The first elections spread the leaders: group g's goes to node g mod 3.
    for (let tick = 0; tick < 40; tick += 1) {
      for (const id of members) cluster.step(id, { kind: 'tick' })
      cluster.stabilize()
    }
    const leaders = Array.from({ length: groups }, (_, group) => members.find((id) => cluster.cores.get(id)!.groupStatus(group).role === 'leader'))
    expect(leaders.every((leader) => leader !== undefined)).toBe(true)
    const proposer = leaders[0]!
    const led = leaders.flatMap((leader, group) => (leader === proposer ? [group] : []))
    const proposals = Array.from({ length: 200 }, (_, index) => ({ command: { op: 'put' as const, key: `key${index}`, value: `${index}:`.padEnd(1500, 'v') } }))
    const ownKeys = proposals.filter((proposal) => led.includes(cluster.cores.get(proposer)!.groupOf(proposal.command.key)))
    const sentBefore = cluster.sent.length
    cluster.step(proposer, { kind: 'propose', proposals: ownKeys })
    const turn = cluster.sent.slice(sentBefore).filter((item) => item.from === proposer)
    // More than one Batch to a peer in one turn: the split happened.
    expect(turn.filter((item) => item.to === turn[0]!.to).length).toBeGreaterThan(1)
    cluster.stabilize()
    for (const item of cluster.sent) {
      const bytes = item.message.items.reduce((total, { m }) => total + raftMessageBytes(m), 0)
      if (item.message.items.length > 1) expect(bytes).toBeLessThanOrEqual(batchBytesMax)
      expect(packr.pack(item.message).length).toBeLessThanOrEqual(messageBytesMax)
    }
    for (const group of led) {
      const leaderIndex = cluster.cores.get(proposer)!.groupStatus(group).commitIndex
      for (const id of members) expect(cluster.cores.get(id)!.groupStatus(group).commitIndex, `${id} group ${group}`).toBe(leaderIndex)
    }
    const applied = led.reduce((total, group) => total + cluster.cores.get(proposer)!.groupStatus(group).appliedIndex, 0)
    expect(applied).toBeGreaterThanOrEqual(ownKeys.length)
  })
})
