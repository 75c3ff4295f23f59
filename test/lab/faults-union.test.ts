/**
 * The fault union: every kind parses from the file syntax, prints back to it, crosses the LabApi
 * wire, reads in words, and is carried out by the runner's injector. The samples are a
 * Record<FaultKind, ...>, so a kind added to the union does not compile until it has a sample
 * here; the injector's and the simulator's switches end in assertNever for the same reason.
 */
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { faultSchema, parseFaultSyntax, printFaultSyntax } from '../../src-main/api/experiment.js'
import { validateExperimentText } from '../../src-main/api/validate.js'
import { describePlannedFault } from '../../src-main/api/report/analysis.js'
import { faultKindOfDescription } from '../../src-main/api/exercise/steps.js'
import { describeFault, faultKinds, partitionCuts, resolveNodeTarget, type Fault, type FaultKind } from '../../src-main/faults/fault.js'
import { FaultInjector, leadershipTransferMaxMs } from '../../src-main/lab/faults.js'
import type { Cluster } from '../../src-main/lab/cluster.js'
import type { LeaderTracker } from '../../src-main/lab/leadership.js'
import { seededRandom } from '../../src-main/protocols/common/random.js'
import type { LinkRules } from '../../src-main/replica/transport.js'
import type { MembershipChange, NodeSettings } from '../../src-main/protocols/descriptor.js'
import type { TraceEvent } from '../../src-main/api/trace.js'

/** One fault of each kind, as written in a file and as parsed. */
export const faultSamples: Record<FaultKind, { written: Record<string, unknown>; fault: Fault; words: string }> = {
  crash: { written: { crash: 'leader' }, fault: { kind: 'crash', target: 'leader' }, words: 'crash leader' },
  restart: { written: { restart: 'crashed' }, fault: { kind: 'restart', target: 'crashed' }, words: 'restart crashed' },
  pause: { written: { pause: 'B' }, fault: { kind: 'pause', target: 'B' }, words: 'pause B' },
  resume: { written: { resume: 'paused' }, fault: { kind: 'resume', target: 'paused' }, words: 'resume paused' },
  partition: { written: { partition: [['A', 'B'], ['C']] }, fault: { kind: 'partition', groups: [['A', 'B'], ['C']] }, words: 'partition {A,B} | {C}' },
  isolate: { written: { isolate: 'C' }, fault: { kind: 'isolate', target: 'C' }, words: 'isolate C' },
  cut: { written: { cut: ['A', 'C'] }, fault: { kind: 'cut', between: ['A', 'C'] }, words: 'cut A <-> C' },
  cutOneWay: { written: { cutOneWay: ['A', 'B'] }, fault: { kind: 'cutOneWay', from: 'A', to: 'B' }, words: 'cut A -> B' },
  heal: { written: { heal: 'all' }, fault: { kind: 'heal' }, words: 'heal all' },
  network: { written: { network: { loss: 0.3 } }, fault: { kind: 'network', conditions: { loss: 0.3 } }, words: 'network loss 30%' },
  link: { written: { link: { from: 'A', to: 'B', delayMs: 20 } }, fault: { kind: 'link', from: 'A', to: 'B', conditions: { delayMs: 20 } }, words: 'link A -> B delay 20 ms' },
  campaign: { written: { campaign: 'C' }, fault: { kind: 'campaign', target: 'C' }, words: 'campaign C' },
  clockSkew: { written: { clockSkew: { node: 'A', factor: 0.5 } }, fault: { kind: 'clockSkew', target: 'A', factor: 0.5 }, words: 'clock of A runs at 0.5x' },
  byzantine: { written: { byzantine: { node: 'B', behaviour: 'fake-ack' } }, fault: { kind: 'byzantine', target: 'B', behaviour: 'fake-ack' }, words: 'byzantine B: fake-ack' },
  slowDisk: { written: { slowDisk: { node: 'A', ms: 20, jitterMs: 5 } }, fault: { kind: 'slowDisk', target: 'A', ms: 20, jitterMs: 5 }, words: 'slow disk A +20 ms per fsync and 0..5 ms more at random' },
  addNode: { written: { addNode: 'D' }, fault: { kind: 'addNode', node: 'D' }, words: 'add node D (learner)' },
  promote: { written: { promote: 'D' }, fault: { kind: 'promote', node: 'D' }, words: 'promote D to voter' },
  removeNode: { written: { removeNode: 'leader' }, fault: { kind: 'removeNode', target: 'leader' }, words: 'remove node leader' },
}

function parseWritten(value: unknown): { fault?: Fault; issues: string[] } {
  const result = z.unknown().transform((input, ctx) => parseFaultSyntax(input, ctx) ?? z.NEVER).safeParse(value)
  return result.success ? { fault: result.data, issues: [] } : { issues: result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) }
}

describe('the fault union', () => {
  it('has a sample of every kind and nothing else', () => {
    expect(Object.keys(faultSamples).sort()).toEqual([...faultKinds].sort())
  })

  for (const kind of faultKinds) {
    const sample = faultSamples[kind]
    it(`${kind}: parses from the file syntax, prints back to it, crosses the wire and reads in words`, () => {
      expect(parseWritten(sample.written)).toEqual({ fault: sample.fault, issues: [] })
      expect(printFaultSyntax(sample.fault)).toEqual(sample.written)
      expect(faultSchema.parse(sample.fault)).toEqual(sample.fault)
      expect(describeFault(sample.fault)).toBe(sample.words)
      expect(describePlannedFault({ at: 1000, ...sample.fault })).toBe(describePlannedFault({ at: 1000, ...sample.written }))
      expect(faultKindOfDescription(sample.words)).toBe(kind)
    })
  }

  it('writes a one-way or bridged partition as an object and reads it back', () => {
    const oneWay: Fault = { kind: 'partition', groups: [['A'], ['B', 'C']], oneWay: true }
    const bridged: Fault = { kind: 'partition', groups: [['A'], ['C']], bridge: 'B' }
    for (const fault of [oneWay, bridged]) {
      expect(parseWritten(printFaultSyntax(fault))).toEqual({ fault, issues: [] })
      expect(faultSchema.parse(fault)).toEqual(fault)
    }
    expect(describeFault(oneWay)).toBe('partition {A} -/-> {B,C}')
    expect(describeFault(bridged)).toBe('partition {A} | {C} bridged by B')
    expect(partitionCuts(oneWay, ['A', 'B', 'C']).map(([from, to]) => `${from}>${to}`)).toEqual(['A>B', 'A>C'])
    expect(partitionCuts(bridged, ['A', 'B', 'C']).map(([from, to]) => `${from}>${to}`)).toEqual(['A>C', 'C>A'])
    // A node in no group hears no one.
    expect(partitionCuts({ kind: 'partition', groups: [['A'], ['B']] }, ['A', 'B', 'C']).length).toBe(6)
  })

  it('refuses what is not a fault, with the path and what was expected', () => {
    expect(parseWritten({ explode: 'A' }).issues).toEqual([expect.stringMatching(/^: unknown fault explode: expected one of crash, restart/)])
    expect(parseWritten({ crash: 'A', pause: 'B' }).issues).toEqual([expect.stringMatching(/exactly one of .* got crash and pause/)])
    expect(parseWritten({ partition: [['A']] }).issues).toEqual(['partition: expected at least two groups'])
    expect(parseWritten({ partition: { groups: [['A'], ['B']], oneway: true } }).issues[0]).toMatch(/^partition: .*oneway/i)
    expect(parseWritten({ clockSkew: { node: 'A', factor: 50 } }).issues).toEqual(['clockSkew.factor: expected a factor from 0.1 to 10'])
    expect(faultSchema.safeParse({ kind: 'crash', target: 'A', extra: 1 }).success).toBe(false)
    expect(faultSchema.safeParse({ kind: 'crash' }).success).toBe(false)
    expect(faultSchema.safeParse({ kind: 'nope' }).error?.issues[0]?.message).toMatch(/^unknown fault nope: expected a kind/)
    expect(faultSchema.safeParse('crash').success).toBe(false)
  })

  it('checks the names a partition uses: no node twice, no bridge inside a group', () => {
    const text = (partition: string) => `protocol: raft\ncluster: {nodes: 3}\nfaults:\n  - {at: 1s, partition: ${partition}}\n`
    const twice = validateExperimentText(text('[[A, B], [B, C]]'))
    expect(twice.ok ? [] : twice.errors).toMatchObject([{ path: 'faults.0.partition.1.0', message: 'B is in two groups' }])
    const bridge = validateExperimentText(text('{groups: [[A], [B, C]], bridge: C}'))
    expect(bridge.ok ? [] : bridge.errors).toMatchObject([{ path: 'faults.0.partition.bridge', message: 'C is the bridge and in a group' }])
    const unknown = validateExperimentText(text('{groups: [[A], [B]], bridge: Z}'))
    expect(unknown.ok ? [] : unknown.errors.map((error) => error.path)).toEqual(['faults.0.partition.bridge'])
    expect(validateExperimentText(text('{groups: [[A], [C]], bridge: B, oneWay: true}')).ok).toBe(true)
  })

  it('resolves targets by one rule: roles at the moment, names as they are, random picks from the generator', () => {
    const view = { members: ['A', 'B', 'C', 'D', 'E'], up: ['A', 'B', 'C'], crashed: ['D'], paused: ['E'], leader: 'A' }
    const random = seededRandom(1, 'faults')
    expect(resolveNodeTarget('leader', view, random)).toEqual(['A'])
    expect(resolveNodeTarget('crashed', view, random)).toEqual(['D'])
    expect(resolveNodeTarget('paused', view, random)).toEqual(['E'])
    expect(['B', 'C']).toContain(resolveNodeTarget('follower', view, random)[0])
    expect(resolveNodeTarget('minority', view, random)).toHaveLength(2)
    expect(resolveNodeTarget('leader', { ...view, leader: undefined }, random)).toEqual([])
    expect(() => resolveNodeTarget('Z', view, random)).toThrow('unknown node Z')
  })
})

/**
 * A cluster that records what the injector asks of it, with A leading and everyone up. Its leader
 * commits a configuration change at once (or refuses the first `refuseFirst` proposals), and
 * reports that to `observers` as a replica would.
 */
function recordingCluster(refuseFirst = 0) {
  const calls: string[] = []
  const rules = new Map<string, LinkRules>()
  const nodeIds = ['A', 'B', 'C']
  const configuration = { voters: ['A', 'B', 'C'], learners: [] as string[], index: 1, committed: true }
  const status = { commitIndex: 5, configuration }
  const replicas = new Map<string, { id: string; state: string; status?: typeof status }>(nodeIds.map((id) => [id, { id, state: id === 'B' ? 'paused' : 'up', status }]))
  const observers: ((events: TraceEvent[]) => void)[] = []
  let refusals = 0
  const report = (events: TraceEvent[]) => queueMicrotask(() => observers.forEach((observe) => observe(events)))
  const record = (what: string) => (node: string, value?: unknown) => void calls.push(`${what} ${node}${value === undefined ? '' : ` ${JSON.stringify(value)}`}`)
  const cluster = {
    nodeIds,
    replicas,
    crash: async (node: string) => record('crash')(node),
    restart: async (node: string) => record('restart')(node),
    pause: record('pause'),
    resume: record('resume'),
    setSlowDisk: (node: string, ms: number, jitterMs: number) => void calls.push(`slowDisk ${node} ${ms} ${jitterMs}`),
    campaign: record('campaign'),
    setByzantine: record('byzantine'),
    setClockRate: record('clockRate'),
    setLinkRules: (node: string, linkRules: LinkRules) => rules.set(node, linkRules),
    isRemoved: () => false,
    addNode: async (settings: NodeSettings) => {
      calls.push(`addNode ${settings.id} from ${settings.members.join(',')}`)
      nodeIds.push(settings.id)
      replicas.set(settings.id, { id: settings.id, state: 'up' })
    },
    reconfigure: (node: string, change: MembershipChange) => {
      calls.push(`reconfigure ${node} ${change.kind} ${change.node}`)
      if (refusals < refuseFirst) {
        refusals += 1
        report([{ t: 0, node, kind: 'note', text: `configuration change (${change.kind} ${change.node}) refused: not yet` }])
        // The refusing leader's commit index moves on a little later.
        setTimeout(() => {
          status.commitIndex += 1
          report([])
        }, 1)
        return
      }
      const others = (list: string[]) => list.filter((id) => id !== change.node)
      if (change.kind === 'addLearner') configuration.learners = [...configuration.learners, change.node]
      if (change.kind === 'promote') Object.assign(configuration, { learners: others(configuration.learners), voters: [...configuration.voters, change.node] })
      if (change.kind === 'remove') Object.assign(configuration, { learners: others(configuration.learners), voters: others(configuration.voters) })
      configuration.index += 1
      report([])
    },
    removeNode: async (node: string) => void calls.push(`removeNode ${node}`),
    // Leadership transfer: the target leads at once (as it reports), unless transfers are ignored.
    transferLeader: (node: string, target: string) => {
      calls.push(`transfer ${node} to ${target}`)
      if (!recording.transfersIgnored) {
        recording.leader = target
        report([])
      }
    },
  }
  const recording = { leader: 'A', transfersIgnored: false }
  const leaders = { leader: () => recording.leader }
  return { cluster: cluster as unknown as Cluster, leaders: leaders as unknown as LeaderTracker, calls, rules, observers, recording }
}

/** An injector on a recording cluster that can add nodes (their settings name the voters they start from). */
function membershipInjector(refuseFirst = 0) {
  const recording = recordingCluster(refuseFirst)
  const injector = new FaultInjector(recording.cluster, recording.leaders, { delayMs: 0, jitterMs: 0, loss: 0, duplicate: 0, reorder: 0 }, seededRandom(1, 'faults'))
  injector.joiningSettings = (id, voters) => ({ id, members: [...voters] }) as unknown as NodeSettings
  recording.observers.push((events) => injector.observe(events))
  return { ...recording, injector }
}

describe("the runner's injector", () => {
  const calm = { delayMs: 0, jitterMs: 0, loss: 0, duplicate: 0, reorder: 0 }

  for (const kind of faultKinds) {
    it(`carries out ${kind}`, async () => {
      const { cluster, leaders, calls, rules, observers } = recordingCluster()
      const injector = new FaultInjector(cluster, leaders, calm, seededRandom(1, 'faults'))
      observers.push((events) => injector.observe(events))
      const injected = await injector.inject(faultSamples[kind].fault, 1000)
      expect(injected.action).toBe(faultSamples[kind].words)
      // The fault itself too, so a report can say it in its own language.
      expect(injected.fault).toEqual(faultSamples[kind].fault)
      const blocked = (from: string, to: string) => rules.get(from)?.outgoing[to]?.blocked === true
      switch (kind) {
        case 'crash':
          return expect(calls).toEqual(['crash A'])
        case 'restart':
          return expect(calls).toEqual([]) // nothing is crashed: no node matched
        case 'pause':
          return expect(calls).toEqual(['pause B'])
        case 'resume':
          return expect(calls).toEqual(['resume B'])
        case 'campaign':
          return expect(calls).toEqual(['campaign C'])
        case 'clockSkew':
          return expect(calls).toEqual(['clockRate A 0.5'])
        case 'byzantine':
          return expect(calls).toEqual(['byzantine B "fake-ack"'])
        case 'slowDisk':
          return expect(calls).toEqual(['slowDisk A 20 5'])
        case 'partition':
          return expect([blocked('A', 'C'), blocked('C', 'B'), blocked('A', 'B')]).toEqual([true, true, false])
        case 'isolate':
          return expect([blocked('C', 'A'), blocked('B', 'C'), blocked('A', 'B')]).toEqual([true, true, false])
        case 'cut':
          return expect([blocked('A', 'C'), blocked('C', 'A'), blocked('A', 'B')]).toEqual([true, true, false])
        case 'cutOneWay':
          return expect([blocked('A', 'B'), blocked('B', 'A')]).toEqual([true, false])
        case 'heal':
          return expect([...rules.keys()].sort()).toEqual(['A', 'B', 'C'])
        case 'network':
          return expect(rules.get('C')?.outgoing.A?.loss).toBe(0.3)
        case 'link':
          return expect([rules.get('A')?.outgoing.B?.delayMs, rules.get('B')?.outgoing.A?.delayMs]).toEqual([20, 0])
        case 'addNode':
          // This injector was given no way to build a joining node's settings.
          expect(injected.notes).toEqual([{ code: 'failed', error: 'this run cannot add nodes' }])
          return expect([injected.outcome, injected.detail]).toEqual(['failed', 'failed: this run cannot add nodes'])
        case 'promote':
          return expect([injected.outcome, injected.detail]).toEqual(['failed', 'failed: D is not in the cluster: add it (addNode) before promoting it'])
        case 'removeNode':
          // The leader hands over to the up voter (B is paused), C commits A's removal, then A stops for good.
          expect(injected.detail).toMatch(/^leadership transferred to C in \d+ ms, before the removal$/)
          // The same as values, for a Korean page (api/fault-text.ts).
          expect(injected.notes).toEqual([{ code: 'leadershipTransferred', to: 'C', ms: expect.any(Number) }])
          return expect([injected.outcome, ...calls]).toEqual(['applied', 'transfer A to C', 'reconfigure C remove A', 'removeNode A'])
        default:
          return kind satisfies never
      }
    })
  }
})

describe("the runner's injector: membership changes", () => {
  it('removes a leader that does not hand over in time itself: it proposes its own removal, and the record says so', async () => {
    const { injector, calls, recording } = membershipInjector()
    recording.transfersIgnored = true
    const injected = await injector.inject({ kind: 'removeNode', target: 'leader' })
    expect(injected.outcome).toBe('applied')
    expect(injected.detail).toBe(`leadership transfer to C not done within ${leadershipTransferMaxMs} ms: the leader removed itself`)
    expect(injected.notes).toEqual([{ code: 'leadershipTransferTimedOut', to: 'C', withinMs: leadershipTransferMaxMs }])
    expect(calls).toEqual(['transfer A to C', 'reconfigure A remove A', 'removeNode A'])
  })

  it('adds a node as a learner from the voters in force, promotes it, and removes a voter, each through the leader', async () => {
    const { injector, calls, cluster } = membershipInjector()
    let membersChanged = 0
    injector.onMembersChanged = () => void (membersChanged += 1)
    expect((await injector.inject({ kind: 'addNode', node: 'D' })).outcome).toBe('applied')
    expect((await injector.inject({ kind: 'promote', node: 'D' })).outcome).toBe('applied')
    expect((await injector.inject({ kind: 'removeNode', target: 'C' })).outcome).toBe('applied')
    expect(calls).toEqual(['addNode D from A,B,C', 'reconfigure A addLearner D', 'reconfigure A promote D', 'reconfigure A remove C', 'removeNode C'])
    expect(cluster.replicas.get('A')?.status?.configuration).toMatchObject({ voters: ['A', 'B', 'D'], learners: [] })
    expect(membersChanged).toBe(2)
  })

  it('proposes a refused change again once the leader committed more, until it is in', async () => {
    const { injector, calls } = membershipInjector(2)
    injector.joiningSettings = (id, voters) => ({ id, members: [...voters] }) as unknown as NodeSettings
    const injected = await injector.inject({ kind: 'addNode', node: 'D' })
    expect(injected.outcome).toBe('applied')
    expect(calls.filter((call) => call.startsWith('reconfigure'))).toEqual(['reconfigure A addLearner D', 'reconfigure A addLearner D', 'reconfigure A addLearner D'])
  })

  it('refuses to add a node that exists and to promote one never added, and says so', async () => {
    const { injector } = membershipInjector()
    expect((await injector.inject({ kind: 'addNode', node: 'B' })).detail).toBe('failed: the cluster already has a node B')
    expect((await injector.inject({ kind: 'promote', node: 'E' })).detail).toBe('failed: E is not in the cluster: add it (addNode) before promoting it')
  })

  it('a change still waiting for its commit when the run ends is not carried out, never failed', async () => {
    const { injector, cluster, calls } = membershipInjector()
    // This leader takes proposals and never commits them.
    ;(cluster as unknown as { reconfigure: (node: string, change: MembershipChange) => void }).reconfigure = (node, change) => void calls.push(`reconfigure ${node} ${change.kind} ${change.node}`)
    const pending = injector.inject({ kind: 'removeNode', target: 'B' })
    await Promise.resolve()
    injector.end('the run ended')
    const injected = await pending
    expect([injected.outcome, injected.detail]).toEqual(['not-carried-out', 'not carried out: the run ended'])
    expect(injected.notes).toEqual([{ code: 'runEnded' }])
    expect(calls).toEqual(['reconfigure A remove B'])
  })
})

describe('membership faults in an experiment file', () => {
  const text = (protocol: string, faults: string[], extra = '') => `protocol: ${protocol}\ncluster: {nodes: 3${extra}}\nworkload: {clients: 1, duration: 10s}\nfaults:\n${faults.map((fault) => `  - ${fault}\n`).join('')}`
  const errorsOf = (source: string) => {
    const result = validateExperimentText(source)
    return result.ok ? [] : result.errors.map(({ path, message, code }) => ({ path, message, code }))
  }

  it('takes a node added, promoted, crashed and removed, in the schedule order', () => {
    expect(errorsOf(text('raft', ['{at: 1s, addNode: D}', '{at: 2s, promote: D}', '{at: 3s, crash: D}', '{at: 4s, removeNode: leader}', '{at: 5s, removeNode: D}']))).toEqual([])
  })

  it('refuses an added name already taken, a promote of a node never added, and an unknown node', () => {
    expect(errorsOf(text('raft', ['{at: 1s, addNode: B}', '{at: 2s, promote: E}', '{at: 3s, removeNode: Z}', '{at: 4s, promote: D}', '{at: 5s, addNode: D}']))).toEqual([
      { path: 'faults.0.addNode', message: 'B is already a node of this cluster: an added node needs a new name', code: 'nodeNameTaken' },
      { path: 'faults.1.promote', message: 'E was never added: promote names a node an earlier addNode brought in', code: 'promoteNotAdded' },
      { path: 'faults.3.promote', message: 'D was never added: promote names a node an earlier addNode brought in', code: 'promoteNotAdded' },
      { path: 'faults.2.removeNode', message: expect.stringMatching(/^unknown node "Z": expected one of A, B, C, D, or one of leader/), code: 'unknownNode' },
    ])
  })

  it('refuses membership changes outside Raft with one group', () => {
    expect(errorsOf(text('primary-backup', ['{at: 1s, addNode: E}']))).toEqual([{ path: 'faults.0.addNode', message: 'membership changes are Raft only (one group), not primary-backup', code: 'membershipRaftOnly' }])
    expect(errorsOf(text('raft', ['{at: 1s, removeNode: leader}'], ', groups: 2'))).toEqual([
      { path: 'faults.0.removeNode', message: 'membership changes are Raft only (one group), not raft with several groups (MultiRaft)', code: 'membershipRaftOnly' },
    ])
  })
})

describe("the runner's injector after a removal", () => {
  it('never picks a removed node for a role target (restart: crashed, random)', async () => {
    const { injector, cluster, calls } = membershipInjector()
    const replicas = cluster.replicas as unknown as Map<string, { state: string }>
    replicas.get('C')!.state = 'exited'
    ;(cluster as unknown as { isRemoved: (id: string) => boolean }).isRemoved = (id) => id === 'C'
    const injected = await injector.inject({ kind: 'restart', target: 'crashed' })
    expect([injected.outcome, injected.detail, calls]).toEqual(['applied', 'no node matched the target at that moment', []])
  })
})
