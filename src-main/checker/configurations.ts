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
import { sayChecker, type CheckerMessage } from '../api/checker-text.js'

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
  return sayChecker(configurationMessage(config), 'en')
}

function configurationMessage(config: IndexedConfiguration): CheckerMessage {
  return { code: 'configuration', params: { voters: [...config.voters], learners: [...config.learners], index: config.index } }
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

/** The verdict's name for the rule, on the runs whose trace shows a membership change. */
export const configurationsInvariantName = 'election-safety-per-configuration'

/** What the trace rule reads (a structural part of api/trace.ts TraceEvent, sorted by time). */
type ConfigTraceEvent =
  | { t: number; node: string; kind: 'config'; voters: string[]; learners: string[]; index: number; committed: boolean }
  | { t: number; node: string; kind: 'role'; role: string; term: number }
  | { t: number; node: string; kind: 'process'; state: string }
  | { t: number; node: string; kind: string }

interface Elected {
  node: string
  term: number
  t: number
  config: IndexedConfiguration | undefined
}

/**
 * Election safety per configuration, read off a run's trace (sorted by time, faulty nodes left
 * out): each leader's term and the configuration it was elected under (its node's latest config
 * event); flags two leaders of one term, and a leader elected under a configuration more than one
 * change from the newest one any node had reported committed by then (whose majorities may be
 * disjoint from the ones that committed it), naming the leaders that still led at that moment.
 * Undefined when the trace shows no membership change (no config event past the starting members).
 */
export function checkConfigurationsInTrace(
  trace: readonly ConfigTraceEvent[], leaderRoles: readonly string[], listedMax: number,
  /** The experiment's 0 s on the trace's clock: the times a finding names are experiment time. */
  originMs = 0,
): { name: string; ok: boolean; detail: string; message: CheckerMessage } | undefined {
  if (!trace.some((event) => event.kind === 'config' && (event as { index: number }).index > 0)) return undefined
  const name = configurationsInvariantName
  const latest = new Map<string, IndexedConfiguration>()
  const leading = new Map<string, Elected>()
  const leaderOfTerm = new Map<number, Elected>()
  let newestCommitted: IndexedConfiguration | undefined
  let elections = 0
  const violations: CheckerMessage[] = []
  const underConfig = (elected: Elected): CheckerMessage => elected.config === undefined ? { code: 'unknownConfiguration', params: {} } : configurationMessage(elected.config)
  for (const event of trace) {
    if (isConfig(event)) {
      const config = { voters: event.voters, learners: event.learners, index: event.index }
      latest.set(event.node, config)
      if (event.committed && event.index > (newestCommitted?.index ?? -1)) newestCommitted = config
    } else if (isRole(event)) {
      if (!leaderRoles.includes(event.role)) {
        leading.delete(event.node)
        continue
      }
      const elected: Elected = { node: event.node, term: event.term, t: event.t, config: latest.get(event.node) }
      elections += 1
      const first = leaderOfTerm.get(event.term)
      if (first !== undefined && first.node !== event.node) {
        violations.push({ code: 'twoLeadersConfigured', params: { term: event.term, first: first.node, firstConfig: underConfig(first), second: event.node, secondConfig: underConfig(elected) } })
      } else if (first === undefined) {
        leaderOfTerm.set(event.term, elected)
      }
      const apart = elected.config === undefined || newestCommitted === undefined ? 0 : changesApart(elected.config, newestCommitted)
      if (apart > 1) {
        const others = [...leading.values()].filter((other) => other.node !== event.node)
        const stillLeading = others.map((other): CheckerMessage => ({ code: 'stillLeading', params: { node: other.node, term: other.term, config: underConfig(other) } }))
        violations.push({ code: 'leaderTooFarFromCommitted', params: {
          term: event.term, ms: event.t - originMs, leader: event.node, elected: configurationMessage(elected.config!), apart, newest: configurationMessage(newestCommitted!), stillLeading,
        } })
      }
      leading.set(event.node, elected)
    } else if (isProcess(event) && event.state !== 'up' && event.state !== 'resumed' && event.state !== 'paused') {
      leading.delete(event.node)
    }
  }
  const message: CheckerMessage = violations.length > 0
    ? { code: 'list', params: { items: violations.slice(0, listedMax), more: Math.max(0, violations.length - listedMax) } }
    : { code: 'configurationsKept', params: { elections, newest: newestCommitted === undefined ? null : configurationMessage(newestCommitted) } }
  return { name, ok: violations.length === 0, detail: sayChecker(message, 'en'), message }
}

function isConfig(event: ConfigTraceEvent): event is Extract<ConfigTraceEvent, { kind: 'config' }> {
  return event.kind === 'config'
}

function isRole(event: ConfigTraceEvent): event is Extract<ConfigTraceEvent, { kind: 'role' }> {
  return event.kind === 'role'
}

function isProcess(event: ConfigTraceEvent): event is Extract<ConfigTraceEvent, { kind: 'process' }> {
  return event.kind === 'process'
}
