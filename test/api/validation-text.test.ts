/**
 * Validation errors carry a stable code and its values, so the app and `lab validate --locale ko`
 * can say them in Korean; English stays the message as it always was. Every error an experiment can
 * get here (the schema's, validate.ts's own, each protocol descriptor's rules) has a code with a
 * Korean text: a new error without one fails this test.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { validateExperimentText, type FieldError } from '../../src-main/api/validate.js'
import { fieldErrorText, formatFieldErrors, type CodedError } from '../../src-main/api/validation-text.js'
import { validateExerciseText } from '../../src-main/api/exercise/validate.js'
import { planSweep, validateSweepText } from '../../src-main/api/sweep.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'

const hangul = /[\uac00-\ud7a3]/

/** One experiment text per kind of mistake, and what its Korean must say. */
const cases: [what: string, text: string, korean: RegExp][] = [
  ['a rate that is not a number', 'protocol: raft\nworkload: {rate: fast}\n', /숫자.*"fast"/],
  ['an unknown protocol', 'protocol: paxos\n', /raft, pbft.*"paxos"/],
  ['an unknown field', 'protocol: raft\nworkload: {clinets: 4}\n', /알 수 없는 필드: clinets/],
  ['a duration without a unit', 'protocol: raft\nworkload: {duration: 10}\n', /2s.*250ms/],
  ['a heartbeat above the protocol maximum', 'protocol: raft\ncluster: {heartbeatMs: 70000}\n', /60000 ms 이하/],
  ['a tick below its minimum', 'protocol: raft\ncluster: {tickMs: 0}\n', /1.*이상/],
  ['too many nodes', 'protocol: raft\ncluster: {nodes: 16}\n', /15 이하/],
  ['a fractional count', 'protocol: raft\nworkload: {clients: 1.5}\n', /정수/],
  ['a bad node name', 'protocol: raft\ncluster: {nodes: ["a b", C]}\n', /노드 이름/],
  ['a fault naming an unknown node', 'protocol: raft\nfaults: [{at: 1s, crash: Z}]\n', /알 수 없는 노드 "Z".*A, B, C/],
  ['a fault after the end of the run', 'protocol: raft\nworkload: {duration: 2s}\nfaults: [{at: 5s, crash: leader}]\n', /2000 ms.*5000 ms/],
  ['a fault of no kind', 'protocol: raft\nfaults: [{at: 1s, explode: A}]\n', /장애/],
  ['duplicate node names', 'protocol: raft\ncluster: {nodes: [A, B, A]}\n', /겹칩니다.*A/],
  ['a partition with a node twice', 'protocol: raft\nfaults: [{at: 1s, partition: [[A, B], [B, C]]}]\n', /B.*두 그룹/],
  ['a workload that sends nothing', 'protocol: raft\nworkload: {clients: 0}\n', /아무것도 보내지 않/],
  ['a mix of zero weights', 'protocol: raft\nworkload: {mix: {get: 0, put: 0}}\n', /가중치/],
  ['a script command the lab does not know', 'protocol: raft\nworkload: {script: ["MOVE x y"]}\n', /명령/],
  ['a heartbeat not below the election timeout (a descriptor rule)', 'protocol: raft\ncluster: {heartbeatMs: 500}\n', /선거 타임아웃\(150 ms\)보다 짧/],
  ['lease reads without check quorum (Raft’s rule)', 'protocol: raft\ncluster: {readMode: lease}\n', /checkQuorum: true/],
  ['PBFT with three replicas (PBFT’s rule)', 'protocol: pbft\ncluster: {nodes: 3}\n', /PBFT.*4개.*3/],
  ['PBFT with an f its replicas cannot tolerate', 'protocol: pbft\ncluster: {nodes: 4, f: 2}\n', /f = 2.*7/],
  ['f for Raft', 'protocol: raft\ncluster: {f: 1}\n', /PBFT.*raft/],
  ['a behaviour Raft does not have', 'protocol: raft\ncluster: {byzantine: {A: equivocate}}\n', /equivocate.*fake-ack/],
  ['warmup and duration past the longest timer', 'protocol: raft\nworkload: {warmup: 20000m, duration: 20000m}\n', /타이머/],
  ['an election timeout range upside down', 'protocol: raft\ncluster: {electionTimeoutMs: [300, 150]}\n', /최소.*최대/],
  ['a cut from a node to itself', 'protocol: raft\nfaults: [{at: 1s, cut: [A, A]}]\n', /서로 다른 두 노드/],
  ['a fault with two kinds', 'protocol: raft\nfaults: [{at: 1s, crash: leader, pause: B}]\n', /정확히 하나.*crash, pause/],
  ['a partition group that is not a list', 'protocol: raft\nfaults: [{at: 1s, partition: {groups: 3}}]\n', /목록/],
  ['broken YAML', 'protocol: raft\nworkload: {clients: [\n', /2번째 줄/],
  ['not a mapping', '- 1\n- 2\n', /매핑/],
  // The command-size rules: the part too large and PBFT's reason, from their values, with no English sentence left.
  ['a value too large for PBFT’s command limit', 'protocol: pbft\ncluster: {nodes: 4}\nworkload: {valueBytes: 200000}\n', /^(?!.*PBFT with).*new-view 메시지 하나에 배치를 최대 512개 싣습니다/],
  ['a script key longer than a key may be', `protocol: raft\nworkload: {script: ["GET ${'k'.repeat(2000)}"]}\n`, /^명령이 너무 큽니다: 키 2000바이트가 허용되는 1024바이트보다 큽니다\.$/],
  ['a script command over PBFT’s command limit', `protocol: pbft\ncluster: {nodes: 4}\nworkload: {clients: 0, script: ["SET k=${'v'.repeat(40000)}"]}\n`, /^명령이 너무 큽니다: 명령 \d+바이트가 허용되는 31203바이트보다 큽니다\(복제본 4개\(f = 1\).*배치를 최대 512개 싣습니다\)\.$/],
]

function errorsOf(text: string): FieldError[] {
  const result = validateExperimentText(text)
  if (result.ok) throw new Error(`expected errors for ${JSON.stringify(text)}`)
  return result.errors
}

describe('validation errors in Korean', () => {
  it.each(cases)('%s: has a code and reads in Korean, and English is the message as before', (_what, text, korean) => {
    const errors = errorsOf(text)
    for (const error of errors) {
      expect(error.code, JSON.stringify(error)).toBeTypeOf('string')
      expect(fieldErrorText(error, 'en')).toBe(error.message)
      expect(fieldErrorText(error, 'ko'), JSON.stringify(error)).toMatch(hangul)
    }
    expect(errors.map((error) => fieldErrorText(error, 'ko')).join('\n')).toMatch(korean)
  })

  it('keeps the path and the file in a formatted list, in either language', () => {
    const errors = errorsOf('protocol: raft\ncluster: {heartbeatMs: 500}\n')
    expect(formatFieldErrors(errors, 'x.yaml')).toBe('x.yaml: cluster.heartbeatMs: expected less than the election timeout (150 ms)')
    expect(formatFieldErrors(errors, 'x.yaml', 'ko')).toBe('x.yaml: cluster.heartbeatMs: 하트비트는 선거 타임아웃(150 ms)보다 짧아야 합니다.')
  })

  it('falls back to the English message for an error without a known code, never to nothing', () => {
    expect(fieldErrorText({ path: 'x', message: 'something new' }, 'ko')).toBe('something new')
    expect(fieldErrorText({ path: 'x', message: 'something new', code: 'no-such-code' }, 'ko')).toBe('something new')
  })
})

/**
 * The exercise and sweep rules that compare fields (a step or run that does not exist, an answer the
 * measure cannot be checked against, two axes that exclude each other) are coded too: each one of
 * this corpus has a Korean text, English staying the message as before.
 */
describe('exercise and sweep cross-field errors in Korean', () => {
  const exercise = fs.readFileSync(path.join(repositoryRoot(), 'exercises', '06-leader-crash.yaml'), 'utf8')
  const exerciseCases: [what: string, text: string, korean: RegExp][] = [
    ['a check on a step that does not exist', exercise.replace('step: crash-leader }\n  - id: new-term', 'step: crash-the-leader }\n  - id: new-term'), /crash-the-leader.*crash-leader, restart/],
    ['a parameter the measure does not take', exercise.replace('check: { measure: lost-writes }\n  - id: linearizable', 'check: { measure: lost-writes, term: 2 }\n  - id: linearizable'), /lost-writes.*term/],
    ['a measure without its moment', exercise.replace('check: { measure: term-after, step: crash-leader }', 'check: { measure: term-after }'), /term-after.*step.*fault/],
    ['a measure without its parameter', exercise.replace('check: { measure: term-after, step: crash-leader }', 'check: { measure: leader-of-term }'), /leader-of-term.*term/],
    ['an answer the measure cannot be checked against', exercise.replace('    answer: node\n    check: { measure: leader-after', '    answer: boolean\n    check: { measure: leader-after'), /leader-after.*노드.*boolean/],
    ['a question naming an unknown run', exercise.replace('    answer: number\n    check: { measure: lost-writes }', '    answer: number\n    run: other\n    check: { measure: lost-writes }'), /other.*main/],
    ['a run id used twice', exercise.replace('runs:\n  - id: main\n    experiment: raft-5-leader-crash-by-hand.yaml\n', 'runs:\n  - id: main\n    experiment: raft-5-leader-crash-by-hand.yaml\n    steps: []\n  - id: main\n    experiment: raft-5-leader-crash-by-hand.yaml\n'), /main.*두 번/],
    ['a question id used twice', exercise.replace('  - id: new-term\n', '  - id: new-leader\n'), /new-leader.*두 번/],
    ['a step id used twice', exercise.replace('      - id: restart\n', '      - id: crash-leader\n'), /crash-leader.*두 번/],
    ['a text answer with a check', exercise.replace('    answer: number\n    check: { measure: lost-writes }', '    answer: text\n    check: { measure: lost-writes }'), /교사/],
    ['a checked answer without a check', exercise.replace('    answer: boolean\n    check: { measure: linearizable }\n', '    answer: boolean\n'), /check/],
    ['a choice without options', exercise.replace('    answer: boolean\n    check: { measure: linearizable }\n', '    answer: choice\n    check: { measure: linearizable }\n'), /보기/],
  ]

  it.each(exerciseCases)('an exercise with %s: coded, Korean, English unchanged', (_what, text, korean) => {
    const result = validateExerciseText(text)
    if (result.ok) throw new Error('expected errors')
    for (const error of result.errors) {
      expect(error.code, JSON.stringify(error)).toBeTypeOf('string')
      expect(fieldErrorText(error, 'en')).toBe(error.message)
      expect(fieldErrorText(error, 'ko'), JSON.stringify(error)).toMatch(hangul)
    }
    expect(result.errors.map((error) => fieldErrorText(error, 'ko')).join('\n')).toMatch(korean)
  })

  const sweepCases: [what: string, errors: () => CodedError[], korean: RegExp][] = [
    ['faultTolerance and nodes together', () => sweepErrors('name: s\nexperiment: {}\naxes: {faultTolerance: [1], nodes: [3]}\n'), /faultTolerance.*nodes/],
    ['clients and rate together', () => sweepErrors('name: s\nexperiment: {}\naxes: {clients: [1], rate: [10]}\n'), /clients.*rate/],
    ['an axis that repeats a value', () => cellErrors('name: s\nexperiment: {protocol: raft}\naxes: {delayMs: [5, 5]}\n'), /같은 셀/],
  ]

  it.each(sweepCases)('a sweep with %s: coded, Korean, English unchanged', (_what, errorsOf, korean) => {
    const errors = errorsOf()
    expect(errors.length).toBeGreaterThan(0)
    for (const error of errors) {
      expect(error.code, JSON.stringify(error)).toBeTypeOf('string')
      expect(fieldErrorText(error, 'en')).toBe(error.message)
      expect(fieldErrorText(error, 'ko'), JSON.stringify(error)).toMatch(hangul)
    }
    expect(errors.map((error) => fieldErrorText(error, 'ko')).join('\n')).toMatch(korean)
  })
})

function sweepErrors(text: string): CodedError[] {
  const result = validateSweepText(text)
  if (result.ok) throw new Error('expected errors')
  return result.errors
}

function cellErrors(text: string): CodedError[] {
  const result = validateSweepText(text)
  if (!result.ok) throw new Error(JSON.stringify(result.errors))
  const plan = planSweep(result.sweep, { protocol: 'raft', workload: { duration: '1s' } })
  if (plan.ok) throw new Error('expected cell errors')
  return plan.errors.flatMap((cell) => cell.errors)
}
