/**
 * Crafted schedules in which one deliberate bug (a RaftMutations flag) breaks a safety property.
 * Each runs with the flag off (the correct core must come through clean) and on (the harness must
 * catch the breach); shared by the paper tests and the mutation tests.
 */
import type { RaftMutations } from '../../../src-main/protocols/raft/index.js'
import { Cluster, ofType, put } from './harness.js'
import type { Envelope } from './harness.js'

const fromTo =
  (from: string, to: string) =>
  (envelope: Envelope): boolean =>
    envelope.from === from && envelope.to === to

/**
 * Raft Figure 8, with noops. n1 (term 1) writes X at index 2 on itself and n2 only, then crashes.
 * n5 wins term 2 (n3, n4) and writes its noop at index 2 on itself only, then crashes. n1 returns,
 * wins term 3 (n2, n3), and copies X to n3: X is now on a majority, but from an earlier term.
 * Counting it committed (the bug) is unsafe: n1 crashes, n5 returns, wins term 4 with n3 and n4
 * (its last term 2 beats their 1), and overwrites index 2 with its own noop.
 * Returns whether n1 applied X at index 2.
 */
export function figure8(mutations: RaftMutations): { cluster: Cluster; oldTermEntryApplied: boolean } {
  const cluster = new Cluster({ ids: ['n1', 'n2', 'n3', 'n4', 'n5'], options: { batchEntriesMax: 1, mutations } })
  cluster.elect('n1')
  cluster.propose('n1', put('x', 'from-term-1'))
  cluster.deliverOne(ofType('AppendEntries', 'n1', 'n2'))
  cluster.drop()
  cluster.crash('n1')

  cluster.electWith('n5', ['n3', 'n4'])
  cluster.drop()
  cluster.crash('n5')

  cluster.restart('n1')
  cluster.electWith('n1', ['n2', 'n3'])
  // n2 already holds X: it takes n1's noop at once. n3 lacks X: one rejection, then a probe with X
  // alone (batchEntriesMax 1), so n3 ends with X but not the term-3 noop.
  cluster.stabilize((envelope) => fromTo('n1', 'n2')(envelope) || fromTo('n2', 'n1')(envelope))
  for (let roundTrip = 0; roundTrip < 2; roundTrip += 1) {
    cluster.deliverOne(fromTo('n1', 'n3'))
    cluster.deliverOne(fromTo('n3', 'n1'))
  }
  const oldTermEntryApplied = cluster.applied.get('n1')!.some((entry) => entry.index === 2)
  cluster.drop()
  cluster.crash('n1')

  cluster.restart('n5')
  cluster.electWith('n5', ['n3', 'n4'])
  cluster.stabilize()
  return { cluster, oldTermEntryApplied }
}

/**
 * n1 commits X at index 2 with n2 and crashes; n3 never saw X. Correct voters refuse n3 (its log is
 * behind n2's); a voter that skips the log check elects it, and it overwrites X.
 */
export function staleCandidate(mutations: RaftMutations): Cluster {
  const cluster = new Cluster({ options: { mutations } })
  cluster.elect('n1')
  cluster.propose('n1', put('x', '1'))
  cluster.deliverOne(ofType('AppendEntries', 'n1', 'n2'))
  cluster.deliverOne(ofType('AppendEntriesResponse', 'n2', 'n1'))
  cluster.drop()
  cluster.crash('n1')
  cluster.campaign('n3')
  cluster.stabilize()
  return cluster
}

/**
 * n1 campaigns in term 1 and n3 votes for it (n1 wins); n3 restarts; then n2 campaigns in term 1 too.
 * With its vote durable it refuses; with the vote forgotten it elects n2 too.
 */
export function voteAcrossRestart(mutations: RaftMutations): Cluster {
  const cluster = new Cluster({ options: { mutations } })
  cluster.campaign('n1')
  cluster.deliverOne(ofType('RequestVote', 'n1', 'n3'))
  cluster.deliverOne(ofType('RequestVoteResponse', 'n3', 'n1'))
  cluster.restart('n3')
  cluster.campaign('n2')
  cluster.deliverOne(ofType('RequestVote', 'n2', 'n3'))
  cluster.deliverOne(ofType('RequestVoteResponse', 'n3', 'n2'))
  return cluster
}

/**
 * n2 stores a then b (b committed with n1 while n3 is cut off); then a stale copy of the request
 * that carried a arrives again. Correctly it changes nothing; the bug drops b, and n2 (now missing a
 * committed entry) wins the next election with n3's vote.
 */
export function staleAppend(mutations: RaftMutations): Cluster {
  const cluster = new Cluster({ options: { mutations } })
  cluster.elect('n1')
  cluster.propose('n1', put('a', '1'))
  const staleCopy = cluster.inFlight(ofType('AppendEntries', 'n1', 'n2'))[0]
  cluster.stabilize()
  cluster.isolate('n3')
  cluster.propose('n1', put('b', '2'))
  cluster.deliverOne(ofType('AppendEntries', 'n1', 'n2'))
  cluster.deliverOne(ofType('AppendEntriesResponse', 'n2', 'n1'))
  // n1 has committed b; n2 has not heard so yet (else the bug would trip n2's own assertion that
  // nothing committed is ever truncated, a louder way to catch it).
  cluster.drop()
  cluster.inject(staleCopy)
  cluster.stabilize()
  cluster.crash('n1')
  cluster.heal()
  cluster.electWith('n2', ['n3'])
  cluster.stabilize()
  return cluster
}

/**
 * n1 leads term 1, then is cut off; n2 and n3 elect n2 in term 2 and commit a write. A read reaching
 * n1 must not be served from n1's stale state. Returns the read id (42).
 */
export function deposedLeaderRead(mutations: RaftMutations): Cluster {
  const cluster = new Cluster({ options: { mutations } })
  cluster.elect('n1')
  cluster.isolate('n1')
  cluster.campaign('n2')
  cluster.stabilize()
  cluster.propose('n2', put('x', 'new'))
  cluster.stabilize()
  cluster.read('n1', 42)
  cluster.stabilize()
  return cluster
}

/** n1 leads n1..n3 (or `ids`), and each of `learners` has joined as a learner, committed everywhere. */
export function withLearners(mutations: RaftMutations, learners: string[], ids = ['n1', 'n2', 'n3']): Cluster {
  const cluster = new Cluster({ ids: [...ids], options: { mutations } })
  cluster.elect('n1')
  for (const learner of learners) {
    cluster.addNode(learner)
    cluster.reconfigure('n1', { kind: 'addLearner', node: learner })
    cluster.stabilize()
  }
  return cluster
}

/**
 * The single-server bug found in 2015 (thesis §4.1), with learners. n1 leads n1..n4 (learner n5)
 * and promotes n5; only n5 gets the entry, then n1 crashes. n2 wins term 2 with n3 and n4 and at once
 * proposes removing n4, before its noop commits. Its configuration {n1, n2, n3} needs only n2 and
 * n3: both entries commit. n1 returns under its own {n1..n5} and wins with n4 and n5, whose logs are
 * no newer than its own: two majorities that do not overlap, and n1 lacks what n2 committed. With
 * the noop rule n2's change is refused: its noop needs n4 too, and n4 would then refuse n1.
 * Returns the cluster and whether n2's change was appended.
 */
export function changeBeforeNoop(mutations: RaftMutations): { cluster: Cluster; changeAppended: boolean } {
  const cluster = withLearners(mutations, ['n5'], ['n1', 'n2', 'n3', 'n4'])
  cluster.reconfigure('n1', { kind: 'promote', node: 'n5' })
  cluster.deliverOne(ofType('AppendEntries', 'n1', 'n5'))
  cluster.drop()
  cluster.crash('n1')

  cluster.electWith('n2', ['n3', 'n4'])
  cluster.reconfigure('n2', { kind: 'remove', node: 'n4' })
  const changeAppended = cluster.core('n2').configuration().voters.length === 3
  const n2n3 = (envelope: Envelope): boolean => fromTo('n2', 'n3')(envelope) || fromTo('n3', 'n2')(envelope)
  cluster.stabilize(n2n3)
  cluster.drop()
  cluster.crash('n2')

  cluster.restart('n1')
  cluster.electWith('n1', ['n4', 'n5'])
  cluster.stabilize()
  return { cluster, changeAppended }
}

/**
 * Two changes pending at once. n1 leads n1..n3 with learners n4 and n5 and promotes both without
 * waiting: its latest configuration {n1..n5} lets n1, n4 and n5 commit a write, while n2 and n3,
 * still under {n1, n2, n3}, elect n2 without it. The one-change rule refuses the second promotion,
 * and under {n1..n4} n1 and n4 alone commit nothing. Returns whether n1 applied the write.
 */
export function twoPendingChanges(mutations: RaftMutations): { cluster: Cluster; writeApplied: boolean } {
  const cluster = withLearners(mutations, ['n4', 'n5'])
  cluster.reconfigure('n1', { kind: 'promote', node: 'n4' })
  cluster.reconfigure('n1', { kind: 'promote', node: 'n5' })
  cluster.propose('n1', put('x', 'only-on-the-new-majority'))
  const newcomers = (envelope: Envelope): boolean => ['n4', 'n5'].includes(envelope.from) || ['n4', 'n5'].includes(envelope.to)
  cluster.stabilize(newcomers)
  const writeApplied = cluster.applied.get('n1')!.some((entry) => entry.command.op === 'put')
  cluster.drop()
  cluster.crash('n1')
  cluster.electWith('n2', ['n3'])
  cluster.stabilize()
  return { cluster, writeApplied }
}
