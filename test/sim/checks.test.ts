/**
 * The simulator's own parts, each shown to notice what it is there to notice: the safety monitor
 * on hand-made breaches, the network's FIFO, cut and loss rules, and the agenda's order.
 */
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../src-main/protocols/common/random.js'
import type { AppliedEntry, Command, CoreStatus, ProtocolCore } from '../../src-main/protocols/types.js'
import { DurableLog, entryKey } from '../../src-main/sim/durable-log.js'
import { SafetyMonitor } from '../../src-main/sim/monitor.js'
import { SimNetwork } from '../../src-main/sim/network.js'
import { descriptorOf } from '../../src-main/protocols/registry.js'
import { EventQueue } from '../../src-main/sim/queue.js'
import type { NetworkRates } from '../../src-main/sim/scenario.js'

const members = ['n1', 'n2', 'n3']
const put = (key: string, value: string): Command => ({ op: 'put', key, value })

/** A monitor over raft's rules, with durable logs the test fills by hand. */
function raftMonitor() {
  const logs = new Map(members.map((id) => [id, new DurableLog()]))
  const clock = { step: 0, timeUs: 0 }
  const monitor = new SafetyMonitor(descriptorOf('raft'), members, new Set(), logs, clock)
  const store = (node: string, term: number, command: Command): void => logs.get(node)!.append(term, entryKey(term, command, undefined))
  return { monitor, logs, store }
}

function applied(index: number, term: number, command: Command): AppliedEntry {
  return { index, term, command }
}

/** Just enough of a core for the monitor: a status and a log. */
function fakeCore(status: Partial<CoreStatus>, log: { term: number; command: Command }[] = []): ProtocolCore<{ type: string }, unknown> {
  const full: CoreStatus = { id: 'n1', role: 'follower', term: 1, commitIndex: 0, lastIndex: log.length, appliedIndex: 0, ...status }
  return {
    id: full.id,
    step: () => { throw new Error('not steppable') },
    status: () => full,
    entryAt: (index: number) => log[index - 1],
    logBaseIndex: () => 0,
  } as unknown as ProtocolCore<{ type: string }, unknown>
}

/** What the simulation does after a core's step: the monitor sees the core and its status. */
function stepped(monitor: SafetyMonitor, node: string, core: ProtocolCore<{ type: string }, unknown>): void {
  monitor.afterStep(node, core, core.status())
}

describe('the safety monitor', () => {
  it('state machine safety: a node applying another entry at an index already applied elsewhere', () => {
    const { monitor, store } = raftMonitor()
    for (const node of members) store(node, 1, put('x', '1'))
    monitor.onApplied('n1', applied(1, 1, put('x', '1')), 1)
    monitor.onApplied('n2', applied(1, 1, put('x', '1')), 1)
    expect(monitor.violation).toBeUndefined()
    monitor.onApplied('n3', applied(1, 1, put('x', '2')), 1)
    expect(monitor.violation).toMatchObject({ check: 'state-machine-safety' })
    expect(monitor.violation!.detail).toMatch(/n3 applied \[1\|put key="x" value="2"\|-\] at index 1, where n1 .* applied \[1\|put key="x" value="1"\|-\]/)
  })

  it('across restarts: a restarted node re-applies from index 1 and must apply the same entries', () => {
    const { monitor, store } = raftMonitor()
    for (const node of members) store(node, 1, put('x', '1'))
    monitor.onApplied('n1', applied(1, 1, put('x', '1')), 1)
    monitor.restarted('n1')
    monitor.onApplied('n1', applied(1, 1, put('x', '1')), 1)
    expect(monitor.violation).toBeUndefined()
    monitor.onApplied('n1', applied(3, 1, put('x', '1')), 1)
    expect(monitor.violation).toMatchObject({ check: 'applied-in-order' })
  })

  it('election safety: two leaders of one term, even far apart in time', () => {
    const { monitor } = raftMonitor()
    stepped(monitor, 'n1', fakeCore({ id: 'n1', role: 'leader', term: 2 }))
    stepped(monitor, 'n1', fakeCore({ id: 'n1', role: 'follower', term: 3 }))
    stepped(monitor, 'n2', fakeCore({ id: 'n2', role: 'leader', term: 3 }))
    expect(monitor.violation).toBeUndefined()
    stepped(monitor, 'n3', fakeCore({ id: 'n3', role: 'leader', term: 2 }))
    expect(monitor.violation).toMatchObject({ check: 'election-safety', detail: 'n1 and n3 both became leader of term 2' })
  })

  it('leader completeness: a leader of a later term without an entry applied in an earlier one', () => {
    const { monitor, store } = raftMonitor()
    for (const node of members) store(node, 1, put('x', '1'))
    monitor.onApplied('n1', applied(1, 1, put('x', '1')), 1)
    stepped(monitor, 'n2', fakeCore({ id: 'n2', role: 'leader', term: 1 }, []))
    expect(monitor.violation).toBeUndefined() // same term: it may be the leader that committed it
    stepped(monitor, 'n3', fakeCore({ id: 'n3', role: 'leader', term: 2 }, [{ term: 2, command: { op: 'noop' } }]))
    expect(monitor.violation).toMatchObject({ check: 'leader-completeness' })
  })

  it('committed on a quorum: a committed entry truncated from a majority of disks', () => {
    const { monitor, logs, store } = raftMonitor()
    for (const node of members) store(node, 1, put('x', '1'))
    monitor.onApplied('n1', applied(1, 1, put('x', '1')), 1)
    logs.get('n2')!.truncateFrom(1)
    monitor.afterStep('n2', undefined, undefined)
    expect(monitor.violation).toBeUndefined() // n1 and n3 still hold it
    logs.get('n3')!.truncateFrom(1)
    monitor.afterStep('n3', undefined, undefined)
    expect(monitor.violation).toMatchObject({ check: 'committed-on-quorum' })
    expect(monitor.violation!.detail).toMatch(/is on 1 durable log\(s\) \(n1\); a quorum is 2/)
  })

  it('log matching: same term at an index, different entries below it', () => {
    const { monitor, store } = raftMonitor()
    store('n1', 1, put('x', '1'))
    store('n1', 2, put('y', '1'))
    store('n2', 1, put('x', 'other'))
    store('n2', 2, put('y', '1'))
    monitor.checkLogMatching()
    expect(monitor.violation).toMatchObject({ check: 'log-matching' })
  })

  it('log matching, after every step: a write that makes two logs agree on a term but not on the entry', () => {
    const { monitor, store } = raftMonitor()
    store('n1', 1, put('x', '1'))
    store('n2', 1, put('x', '1'))
    store('n1', 2, put('y', '1'))
    monitor.afterStep('n1', undefined, undefined)
    monitor.afterStep('n2', undefined, undefined)
    expect(monitor.violation).toBeUndefined()
    store('n2', 2, put('y', 'other'))
    monitor.afterStep('n2', undefined, undefined)
    expect(monitor.violation).toMatchObject({ check: 'log-matching' })
    expect(monitor.violation!.detail).toMatch(/^n2 and n1 both hold term 2 at index 2/)
  })

  it('read freshness: a read served from a state behind what was applied before it was invoked', () => {
    const { monitor } = raftMonitor()
    monitor.readServed('n1', 5, 5, 'read 1')
    expect(monitor.violation).toBeUndefined()
    monitor.readServed('n2', 4, 5, 'read 2')
    expect(monitor.violation).toMatchObject({ check: 'read-freshness' })
  })

  it('split brain, for protocols without terms: two primaries at the same time', () => {
    const monitor = new SafetyMonitor(descriptorOf('primary-backup'), members, new Set(), new Map(), { step: 0, timeUs: 0 })
    stepped(monitor, 'n1', fakeCore({ id: 'n1', role: 'primary', term: 0 }))
    monitor.crashed('n1')
    stepped(monitor, 'n2', fakeCore({ id: 'n2', role: 'primary', term: 0 }))
    expect(monitor.violation).toBeUndefined() // one after the other is a failover
    stepped(monitor, 'n3', fakeCore({ id: 'n3', role: 'primary', term: 0 }))
    expect(monitor.violation).toMatchObject({ check: 'split-brain', detail: 'n2 and n3 are primary at the same time' })
  })

  it('Byzantine nodes are left out', () => {
    const logs = new Map(members.map((id) => [id, new DurableLog()]))
    const monitor = new SafetyMonitor(descriptorOf('raft'), members, new Set(['n3']), logs, { step: 0, timeUs: 0 })
    stepped(monitor, 'n1', fakeCore({ id: 'n1', role: 'leader', term: 2 }))
    stepped(monitor, 'n3', fakeCore({ id: 'n3', role: 'leader', term: 2 }))
    monitor.onApplied('n3', applied(1, 1, put('x', 'forged')), 2)
    expect(monitor.violation).toBeUndefined()
  })
})

describe('the simulated network', () => {
  const calm: NetworkRates = { delayMinUs: 100, delayMeanUs: 5_000, delayCapUs: 30_000, fifo: true, lossPercent: 0, duplicatePercent: 0, stragglerPercent: 0 }

  it('keeps per-link order when FIFO (TCP) and lets messages overtake otherwise', () => {
    const order = (fifo: boolean): number[] => {
      const network = new SimNetwork({ ...calm, fifo }, seededRandom(7, 'test'))
      return Array.from({ length: 200 }, () => network.send('n1', 'n2', 0)[0])
    }
    const fifo = order(true)
    expect(fifo).toEqual([...fifo].sort((a, b) => a - b))
    const reordering = order(false)
    expect(reordering).not.toEqual([...reordering].sort((a, b) => a - b))
    for (const arrival of reordering) expect(arrival).toBeLessThanOrEqual(calm.delayCapUs)
  })

  it('loses and duplicates at about the drawn rates', () => {
    const network = new SimNetwork({ ...calm, lossPercent: 20, duplicatePercent: 10 }, seededRandom(7, 'test'))
    let arrivals = 0
    for (let count = 0; count < 10_000; count += 1) arrivals += network.send('n1', 'n2', 0).length
    expect(network.stats.lost).toBeGreaterThan(1_800)
    expect(network.stats.lost).toBeLessThan(2_200)
    expect(network.stats.duplicated).toBeGreaterThan(600)
    expect(arrivals).toBe(10_000 - network.stats.lost + network.stats.duplicated)
  })

  it('cuts one direction at a time, and heals', () => {
    const network = new SimNetwork(calm, seededRandom(7, 'test'))
    network.cut(['n1'], ['n2', 'n3'])
    expect(network.isCut('n1', 'n2')).toBe(true)
    expect(network.isCut('n2', 'n1')).toBe(false)
    network.heal()
    expect(network.isCut('n1', 'n2')).toBe(false)
  })
})

describe('the agenda', () => {
  it('runs events by time, and events due at the same time in the order they were scheduled', () => {
    const queue = new EventQueue<string>()
    const random = seededRandom(3, 'test')
    const expected: [number, string][] = []
    for (let index = 0; index < 500; index += 1) {
      const time = Math.floor(random() * 50)
      queue.push(time, `e${index}`)
      expected.push([time, `e${index}`])
    }
    expected.sort((a, b) => a[0] - b[0] || Number(a[1].slice(1)) - Number(b[1].slice(1)))
    const popped: string[] = []
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) popped.push(next.event)
    expect(popped).toEqual(expected.map(([, event]) => event))
  })
})
