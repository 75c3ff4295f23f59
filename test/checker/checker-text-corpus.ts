/**
 * A corpus of real verdicts for the checker's texts: the stored run directories and bad histories
 * under test/fixtures, small random histories, and traces that break each invariant. Its English
 * details and witnesses were recorded (test/fixtures/checker-text/golden.json) by the checker as it
 * was before the texts had codes; checker-text.test.ts holds today's checker to them, word for word.
 *
 * Rewrite the record (only when a text changes on purpose):
 *   CHECKER_TEXT_RECORD=1 npx vitest run test/checker/checker-text.test.ts
 */
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Verdict } from '../../src-main/api/summary.js'
import type { HistoryEvent, TraceEvent } from '../../src-main/api/trace.js'
import { runCheckCommand } from '../../src-main/lab/checker/check-command.js'
import { checkInvariants } from '../../src-main/checker/invariants.js'
import { checkAcknowledgedWrites } from '../../src-main/checker/acknowledged-writes.js'
import { buildVerdict } from '../../src-main/checker/verdict.js'
import { randomSmallHistory } from './random-histories.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const fixtures = path.join(here, '..', 'fixtures')
export const goldenFile = path.join(fixtures, 'checker-text', 'golden.json')
/** Random histories drawn; the illegal ones among them give witnesses of every kind. */
const randomSeedsMax = 400

export interface CorpusEntry {
  source: string
  verdict: Verdict
}

async function checkJson(target: string): Promise<Verdict> {
  let out = ''
  await runCheckCommand([target, '--json'], { stdout: (text) => { out += text }, stderr: () => {} })
  return JSON.parse(out) as Verdict
}

const role = (t: number, node: string, name: string, term: number, group?: number): TraceEvent => ({ t, node, kind: 'role', role: name, term, ...(group === undefined ? {} : { group }) })
const apply = (t: number, node: string, index: number, hash: string, term = 1, group?: number): TraceEvent => ({ t, node, kind: 'apply', index, term, hash, ...(group === undefined ? {} : { group }) })
const commit = (t: number, node: string, index: number): TraceEvent => ({ t, node, kind: 'commit', index })
const truncate = (t: number, node: string, fromIndex: number): TraceEvent => ({ t, node, kind: 'truncate', fromIndex, term: 2 })
const config = (t: number, node: string, index: number, voters: string[], committed: boolean, learners: string[] = []): TraceEvent => ({ t, node, kind: 'config', voters, learners, index, committed })
const proc = (t: number, node: string, state: 'up' | 'crashed' | 'exited' | 'removed', detail?: string): TraceEvent => ({ t, node, kind: 'process', state, ...(detail ? { detail } : {}) })

/** Traces that break (or keep) each invariant, the way the checker's own tests build them. */
function traceCases(): { source: string; verdict: Verdict }[] {
  const cases: { source: string; trace: TraceEvent[]; protocol: 'raft' | 'pbft' | 'primary-backup'; extra?: object }[] = [
    { source: 'empty raft', trace: [], protocol: 'raft' },
    { source: 'two leaders, changed entries, truncations', protocol: 'raft', trace: [
      role(1, 'A', 'leader', 1), role(2, 'B', 'leader', 1), role(3, 'C', 'leader', 1), role(4, 'D', 'leader', 1), role(5, 'E', 'leader', 1),
      apply(10, 'A', 64, 'h1aaaaaaaaaaaaaaaa'), apply(11, 'B', 64, 'h2'), apply(12, 'A', 64, 'h9'), commit(13, 'A', 70), commit(14, 'A', 60),
      truncate(15, 'A', 3), apply(20, 'C', 65, 'x'), apply(21, 'D', 65, 'y'),
    ] },
    { source: 'leader completeness', protocol: 'raft', trace: [role(0, 'A', 'leader', 1), apply(1, 'A', 64, 'good'), role(2, 'B', 'leader', 2), apply(3, 'B', 64, 'bad'), role(4, 'B', 'follower', 3), apply(5, 'B', 65, 'z'), apply(6, 'A', 65, 'w')] },
    { source: 'pbft views', protocol: 'pbft', trace: [role(1, 'A', 'primary', 0), role(2, 'B', 'primary', 0), role(3, 'C', 'primary', 1)] },
    { source: 'pbft faulty excluded', protocol: 'pbft', extra: { faultyNodes: ['D'] }, trace: [role(1, 'A', 'primary', 0), role(2, 'D', 'primary', 0), apply(3, 'A', 1, 'a'), apply(4, 'B', 1, 'a')] },
    { source: 'primary-backup', protocol: 'primary-backup', trace: [role(1, 'A', 'primary', 0), role(2, 'B', 'primary', 0)] },
    { source: 'crashes and removals', protocol: 'raft', trace: [proc(0, 'A', 'up'), proc(1, 'B', 'crashed', 'SIGKILL'), proc(2, 'C', 'removed'), proc(3, 'C', 'crashed')] },
    { source: 'exits', protocol: 'raft', extra: { originMs: 500 }, trace: ['A', 'B', 'C', 'D', 'E', 'D'].map((node, index) => proc(100 + 1000 * index, node, 'exited', index === 1 ? undefined : 'Error: boom\n  at x')) },
    { source: 'multiraft', protocol: 'raft', trace: [
      role(1, 'A', 'leader', 1, 0), role(1, 'B', 'leader', 1, 1), role(2, 'C', 'leader', 1, 1),
      apply(3, 'A', 1, 'p', 1, 0), apply(3, 'B', 1, 'p', 1, 0), apply(4, 'B', 1, 'q', 1, 1), apply(4, 'C', 1, 'r', 1, 1),
    ] },
    { source: 'membership: two changes apart, two leaders of a term', protocol: 'raft', trace: [
      ...['A', 'B', 'C'].map((node) => config(0, node, 0, ['A', 'B', 'C'], true)), role(10, 'A', 'leader', 1),
      config(20, 'A', 2, ['A', 'B', 'C'], true, ['D']), config(30, 'A', 3, ['A', 'B', 'C', 'D'], true), config(40, 'A', 4, ['A', 'B', 'C', 'D'], true, ['E']),
      config(50, 'A', 5, ['A', 'B', 'C', 'D', 'E'], true), config(51, 'B', 5, ['A', 'B', 'C', 'D', 'E'], true),
      role(60, 'C', 'leader', 2), role(61, 'B', 'leader', 2), role(62, 'X', 'leader', 2),
    ] },
    { source: 'membership ok', protocol: 'raft', trace: [
      ...['A', 'B', 'C'].map((node) => config(0, node, 0, ['A', 'B', 'C'], true)), role(10, 'A', 'leader', 1), config(20, 'A', 2, ['A', 'B', 'C'], true, ['D']),
    ] },
    { source: 'membership nothing committed', protocol: 'raft', trace: [config(0, 'A', 0, ['A'], false), config(1, 'A', 1, ['A', 'B'], false), role(10, 'A', 'leader', 1)] },
    { source: 'multiraft ok', protocol: 'raft', trace: [role(1, 'A', 'leader', 1, 0), role(1, 'B', 'leader', 1, 1), apply(3, 'A', 1, 'p', 1, 0), apply(3, 'B', 1, 'p', 1, 0)] },
  ]
  const finalStates = [
    { source: 'final states disagree', states: [{ node: 'A', appliedIndex: 100, hash: 'h', kvDigest: 'd' }, { node: 'B', appliedIndex: 100, hash: 'h', kvDigest: 'other' }, { node: 'C', appliedIndex: 100, hash: 'g', kvDigest: 'd' }, { node: 'D', appliedIndex: 90, hash: 'traced-not', kvDigest: 'd' }] },
    { source: 'final states agree', states: [{ node: 'A', appliedIndex: 100, hash: 'h', kvDigest: 'd' }, { node: 'B', appliedIndex: 100, hash: 'h', kvDigest: 'd' }, { node: 'C', appliedIndex: 90, hash: 'g', kvDigest: 'd' }] },
    { source: 'final states none', states: [] },
  ]
  const verdicts = cases.map(({ source, trace, protocol, extra }) => ({ source, verdict: { linearizable: true as const, invariants: checkInvariants({ trace, protocol, ...extra }) } }))
  for (const { source, states } of finalStates) {
    verdicts.push({ source, verdict: { linearizable: true, invariants: checkInvariants({ trace: [apply(1, 'D', 90, 'traced')], protocol: 'raft', finalStates: states }) } })
  }
  return verdicts
}

type Step = [process: number, type: HistoryEvent['type'], f: HistoryEvent['f'], key: string, value: unknown, time: number, error?: string]
const steps = (list: Step[]): HistoryEvent[] => list.map(([process, type, f, key, value, time, error]) => ({ process, type, f, key, value, time, ...(error ? { error } : {}) }))

/** acknowledged-writes-kept in each of its outcomes. */
function acknowledgedCases(): CorpusEntry[] {
  const write = (process: number, key: string, value: string, time: number): Step[] => [[process, 'invoke', 'put', key, value, time], [process, 'ok', 'put', key, value, time + 10]]
  const read = (key: string, value: string | null, time: number, type: HistoryEvent['type'] = 'ok', error?: string): Step[] => [[9, 'invoke', 'get', key, null, time], [9, type, 'get', key, value, time + 1, error]]
  const lost = steps([...write(1, 'x', '1', 0), ...write(1, 'x', '2', 20), ...write(2, 'y', '1', 0), ...write(2, 'y', '2', 20), ...write(3, 'z', '5', 0), ...write(3, 'z', '6', 20), ...write(4, 'w', '1', 0), ...write(4, 'w', '2', 20), ...write(5, 'v', '1', 0),
    ...read('x', '1', 100), ...read('y', '1', 102), ...read('z', null, 104), ...read('w', '1', 106), ...read('v', null, 108, 'fail', 'timeout')])
  const unread = steps([...write(1, 'x', '1', 0), ...write(2, 'y', '1', 0), ...read('x', '1', 100), [9, 'invoke', 'get', 'y', null, 102]])
  const kept = steps([...write(1, 'x', '1', 0), ...write(1, 'x', '2', 20), ...read('x', '2', 100)])
  const none = steps([[1, 'invoke', 'put', 'x', '1', 0], [1, 'fail', 'put', 'x', '1', 10]])
  const cases: [string, HistoryEvent[], true | string][] = [
    ['lost writes', lost, true], ['unread key', unread, true], ['kept', kept, true], ['none acknowledged', none, true],
    ['final reads off', kept, 'the workload has finalReads: false'], ['no final reads', steps(write(1, 'x', '1', 0)), true],
  ]
  return cases.map(([source, history, finalReads]) => ({ source: `acknowledged: ${source}`, verdict: { linearizable: true, invariants: [checkAcknowledgedWrites(history, finalReads)] } }))
}

export async function buildCorpus(): Promise<CorpusEntry[]> {
  const corpus: CorpusEntry[] = []
  for (const run of ['primary-backup-split', 'raft-3-crash', 'raft-5-partition-conflict']) {
    corpus.push({ source: `run ${run}`, verdict: await checkJson(path.join(fixtures, 'runs', run)) })
  }
  for (const file of readdirSync(path.join(fixtures, 'histories', 'bad')).sort()) {
    corpus.push({ source: `history ${file}`, verdict: await checkJson(path.join(fixtures, 'histories', 'bad', file)) })
  }
  for (let seed = 1; seed <= randomSeedsMax; seed += 1) {
    const verdict = buildVerdict(randomSmallHistory(seed, 7, 3), undefined, 'raft')
    if (verdict.witness !== undefined) corpus.push({ source: `random history seed ${seed}`, verdict })
  }
  // Over budget (one search step per key): the witness says which keys were left undecided and why.
  let overBudget = 0
  for (let seed = 1; seed <= randomSeedsMax && overBudget < 2; seed += 1) {
    const two = randomSmallHistory(seed, 7, 3).flatMap((event) => [event, { ...event, key: 'y', process: event.process + 100 }])
    const verdict = buildVerdict(two, undefined, 'raft', { stepsPerKeyMax: 1 })
    if (verdict.linearizable !== 'unknown' || verdict.witness === undefined) continue
    overBudget += 1
    corpus.push({ source: `over budget seed ${seed}`, verdict })
  }
  corpus.push(...traceCases(), ...acknowledgedCases())
  return corpus
}

/** The English of a verdict: what the record keeps. */
export function englishOf(verdict: Verdict): { details: string[]; witness?: string } {
  return { details: verdict.invariants.map((invariant) => `${invariant.name}: ${invariant.detail}`), ...(verdict.witness === undefined ? {} : { witness: verdict.witness }) }
}
