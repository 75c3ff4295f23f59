/**
 * The course's exercise files: every one validates, names experiments that exist and validate, comes
 * in English and Korean, and the twelve follow the scenarios of SCENARIOS.md in order. Bad exercise
 * files get errors that name the field.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadExerciseDir } from '../../src-main/lab/exercise/files.js'
import { validateExerciseText } from '../../src-main/api/exercise/validate.js'
import { exerciseJsonSchema } from '../../src-main/api/exercise/json-schema.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'

const hangul = /[\uac00-\ud7a3]/

describe('the course', () => {
  it('has the twelve scenarios in order, then issue 15’s (a snapshot, removing the leader, growing to five, replacing a crashed node), all loading', () => {
    const { exercises, problems } = loadExerciseDir()
    expect(problems).toEqual([])
    expect(exercises.map((loaded) => loaded.exercise.order)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])
    expect(exercises.map((loaded) => loaded.exercise.scenario)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, undefined, undefined, undefined, undefined])
    expect(exercises.slice(12).map((loaded) => loaded.exercise.runs[0]!.experiment)).toEqual(['raft-3-follower-down-snapshot.yaml', 'raft-5-remove-leader.yaml', 'raft-3-grow-to-5.yaml', 'raft-3-replace-crashed-node.yaml'])
  })

  it('tells every exercise in Korean as well as English', () => {
    for (const { exercise } of loadExerciseDir().exercises) {
      const texts = [exercise.title, exercise.goal, exercise.background, ...exercise.questions.map((question) => question.text), ...exercise.predict.map((prediction) => prediction.text), ...exercise.must.map((must) => must.text), ...exercise.runs.flatMap((run) => run.steps.map((step) => step.text))]
      for (const text of texts) {
        expect(text.ko, `${exercise.id}: ${text.en}`).toMatch(hangul)
        expect(text.en, exercise.id).not.toMatch(hangul)
      }
    }
  })

  it('publishes the JSON Schema the exercise files point their editors at', () => {
    const published = JSON.parse(fs.readFileSync(path.join(repositoryRoot(), 'exercises', 'exercise.schema.json'), 'utf8'))
    expect(published).toEqual(exerciseJsonSchema())
    for (const file of fs.readdirSync(path.join(repositoryRoot(), 'exercises')).filter((name) => name.endsWith('.yaml'))) {
      expect(fs.readFileSync(path.join(repositoryRoot(), 'exercises', file), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./exercise.schema.json')
    }
  })
})

describe('exercise validation', () => {
  const valid = fs.readFileSync(path.join(repositoryRoot(), 'exercises', '06-leader-crash.yaml'), 'utf8')
  const errorsOf = (text: string) => {
    const result = validateExerciseText(text)
    return result.ok ? [] : result.errors.map((error) => `${error.path}: ${error.message}`)
  }

  it('accepts a shipped exercise', () => expect(errorsOf(valid)).toEqual([]))

  it('refuses a text without Korean, naming the field', () => {
    expect(errorsOf(valid.replace('  ko: 리더 장애와 페일오버\n', ''))).toEqual(['title.ko: expected Korean text, got nothing'])
  })

  it('refuses a check on a step that does not exist, an unknown measure, and a wrong parameter', () => {
    expect(errorsOf(valid.replace('check: { measure: leader-after, step: crash-leader }\n  - id: new-term', 'check: { measure: leader-after, step: crash-the-leader }\n  - id: new-term'))).toEqual([
      'questions.0.check.step: unknown step crash-the-leader of run main: expected one of crash-leader, restart',
    ])
    expect(errorsOf(valid.replace('measure: lost-writes }\n  - id: linearizable', 'measure: writes-lost }\n  - id: linearizable'))[0]).toMatch(/^questions\.3\.check\.measure: expected one of leader-of-term, /)
    expect(errorsOf(valid.replace('check: { measure: lost-writes }\n  - id: linearizable', 'check: { measure: lost-writes, term: 2 }\n  - id: linearizable'))).toEqual(['questions.3.check.term: lost-writes takes no term'])
  })

  it('refuses an answer kind the measure cannot be checked against, and a fault step it cannot parse', () => {
    expect(errorsOf(valid.replace('    answer: node\n    check: { measure: leader-after, step: crash-leader }', '    answer: boolean\n    check: { measure: leader-after, step: crash-leader }'))).toEqual([
      'questions.0.check.measure: leader-after gives a node, which a boolean answer cannot be checked against (use node or choice)',
    ])
    expect(errorsOf(valid.replace('do: { crash: leader }', 'do: { smash: leader }'))).toEqual(['runs.0.steps.0.do: unknown fault smash: expected one of crash, restart, pause, resume, partition, isolate, cut, cutOneWay, heal, network, link, campaign, clockSkew, byzantine, slowDisk, addNode, promote, removeNode'])
  })

  it('refuses YAML that is not an object, with one line', () => {
    expect(errorsOf('- a\n- b')).toEqual([': expected an object with id, title, runs, questions'])
    expect(errorsOf('id: [unclosed')[0]).toMatch(/^: not valid YAML or JSON: /)
  })
})
