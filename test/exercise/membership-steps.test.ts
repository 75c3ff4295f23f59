/**
 * Membership changes are Raft only (one group): an exercise step that adds, promotes or removes a
 * node on a run whose experiment is PBFT or MultiRaft is refused with the refusal experiment
 * validation gives (en and ko), and so is an exercise whose experiment schedules one.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadExerciseFile } from '../../src-main/lab/exercise/files.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import { scratchDir } from '../report/support.js'

const scratch = scratchDir('exercise-membership')
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

const shipped = fs.readFileSync(path.join(repositoryRoot(), 'exercises', '06-leader-crash.yaml'), 'utf8')

/** The shipped exercise with its first step changing the membership, on the experiment `experiment`. */
function exerciseFile(name: string, experiment: string, step: string): string {
  const text = shipped.replace('experiment: raft-5-leader-crash-by-hand.yaml', `experiment: ${experiment}`).replace('do: { crash: leader }', `do: ${step}`)
  const file = path.join(scratch, name)
  fs.writeFileSync(file, text)
  return file
}

describe('membership steps in exercises', () => {
  it('refuses an addNode step on a PBFT run, with the experiment validation\'s words, in English and Korean', () => {
    const file = exerciseFile('pbft-step.yaml', 'pbft-4-faulty-primary.yaml', '{ addNode: E }')
    const en = loadExerciseFile(file)
    expect(en).toEqual({ ok: false, message: expect.stringContaining('runs.0.steps.0.do: membership changes are Raft only (one group), not pbft') })
    const ko = loadExerciseFile(file, undefined, 'ko')
    expect(ko.ok).toBe(false)
    expect(ko.ok ? '' : ko.message).toContain('멤버십 변경은 Raft(그룹 하나)에서만 됩니다. pbft에서는 쓸 수 없습니다.')
  })

  it('refuses a removeNode step on a MultiRaft run', () => {
    const file = exerciseFile('multiraft-step.yaml', 'raft-3-multiraft.yaml', '{ removeNode: leader }')
    const result = loadExerciseFile(file)
    expect(result.ok ? '' : result.message).toContain('runs.0.steps.0.do: membership changes are Raft only (one group), not raft with several groups (MultiRaft)')
  })

  it('accepts the same step on single-group Raft', () => {
    const result = loadExerciseFile(exerciseFile('raft-step.yaml', 'raft-5-leader-crash-by-hand.yaml', '{ removeNode: leader }'))
    expect(result.ok, result.ok ? '' : result.message).toBe(true)
  })

  it('refuses an exercise whose experiment schedules a membership change on PBFT, saying where', () => {
    const experiments = path.join(scratch, 'experiments')
    fs.mkdirSync(experiments, { recursive: true })
    const pbft = fs.readFileSync(path.join(repositoryRoot(), 'experiments', 'pbft-4-faulty-primary.yaml'), 'utf8')
    fs.writeFileSync(path.join(experiments, 'pbft-grows.yaml'), `${pbft.trimEnd()}\n  - { at: 1s, addNode: E }\n`)
    const file = exerciseFile('pbft-experiment.yaml', 'pbft-grows.yaml', '{ crash: leader }')
    const result = loadExerciseFile(file, experiments)
    expect(result.ok ? '' : result.message).toMatch(/runs\.0\.experiment: .*faults\.\d+\.addNode: membership changes are Raft only \(one group\), not pbft/s)
  })
})
