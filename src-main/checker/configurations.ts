/**
 * Election safety per configuration (Raft thesis ch. 4), as one pure rule that the test harness,
 * the simulator's monitor and the lab's trace invariant all call.
 *
 * With single-server changes, any majority of a configuration and any majority of a configuration
 * one change away share a member; two changes apart, they may not (thesis Fig. 4.3 and the 2015
 * erratum). So "no two leaders elected by disjoint majorities" takes this precise form: the
 * configuration a leader is elected under is the newest committed one or one change from it. Then
 * its voters overlap every majority that committed anything, and leaders of the same term are left
 * to election safety per term.
 */
import type { NodeId } from '../protocols/types.js'

export interface Configuration {
  voters: readonly NodeId[]
  learners: readonly NodeId[]
}

/** A configuration with the log index of the entry that made it (0: the bootstrap members). */
export interface IndexedConfiguration extends Configuration {
  index: number
}

/** How many nodes have a different role (voter, learner, absent) in two configurations. */
export function changesApart(a: Configuration, b: Configuration): number {
  const roleIn = (config: Configuration, node: NodeId): string => config.voters.includes(node) ? 'voter' : config.learners.includes(node) ? 'learner' : 'absent'
  const nodes = new Set([...a.voters, ...a.learners, ...b.voters, ...b.learners])
  let apart = 0
  for (const node of nodes) if (roleIn(a, node) !== roleIn(b, node)) apart += 1
  return apart
}

/** The smallest number of voters that makes a majority of `config`. */
export function majorityOf(config: Configuration): number {
  return Math.floor(config.voters.length / 2) + 1
}

export function describeVoters(config: IndexedConfiguration): string {
  const learners = config.learners.length === 0 ? '' : `, learners ${config.learners.join(', ')}`
  return `voters ${config.voters.join(', ')}${learners} (${config.index === 0 ? 'the starting members' : `entry ${config.index}`})`
}

/**
 * Why a leader elected under `elected` breaks the rule, given the newest configuration known to be
 * committed when it was elected; undefined when it keeps it (or nothing is known committed yet).
 */
export function leaderConfigurationProblem(leader: string, elected: IndexedConfiguration, newestCommitted: IndexedConfiguration | undefined): string | undefined {
  if (newestCommitted === undefined) return undefined
  const apart = changesApart(elected, newestCommitted)
  if (apart <= 1) return undefined
  return `${leader} was elected under ${describeVoters(elected)}, ${apart} changes from the newest committed configuration, ${describeVoters(newestCommitted)}: ` +
    'a majority of one need not overlap a majority of the other'
}
