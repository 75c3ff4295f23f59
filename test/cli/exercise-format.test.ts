/**
 * `lab exercise run --locale ko` prints its check in Korean: every line a student reads, not only
 * the exercise's own texts. English stays as it was (scripts and the other CLI test read it).
 */
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ExerciseCheck } from '../../src-main/api/exercise/check.js'
import { formatCheck, formatRunProgress } from '../../src-main/lab/exercise/command.js'
import { findExercise } from '../../src-main/lab/exercise/files.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'

const hangul = /[\uac00-\ud7a3]/
const found = findExercise('1', path.join(repositoryRoot(), 'exercises'))
if (!found.ok) throw new Error(found.message)
const { exercise } = found.loaded

const check: ExerciseCheck = {
  exerciseId: exercise.id,
  checkedAt: '2026-12-06T00:00:00.000Z',
  runs: [],
  predictions: [
    { predictionId: 'p1', answer: 300, runValue: 280, close: true },
    { predictionId: 'p2', answer: 'A', reason: { en: 'the run was not made', ko: '실행하지 않았습니다' } },
  ],
  questions: [
    { questionId: 'q1', status: 'right', answer: 'A', runValue: 'A', points: 1, earned: 1 },
    { questionId: 'q2', status: 'wrong', answer: 2, runValue: 3, where: { en: 'Run detail', ko: '실행 상세' }, points: 1, earned: 0 },
    { questionId: 'q3', status: 'teacher', answer: 'because', points: 1, earned: 0 },
    { questionId: 'q4', status: 'unknown', reason: { en: 'no leader', ko: '리더 없음' }, points: 1, earned: 0 },
    { questionId: 'q5', status: 'unanswered', points: 1, earned: 0 },
  ],
  musts: [
    { index: 0, run: 'r', text: { en: 'a leader was elected', ko: '리더가 선출됨' }, ok: true },
    { index: 1, run: 'r', text: { en: 'a new leader', ko: '새 리더' }, ok: false, reason: { en: 'none', ko: '없음' } },
  ],
  score: { earned: 1, possible: 4, teacher: 1 },
}

describe('lab exercise run --locale ko', () => {
  it('prints every line of the check in Korean', () => {
    const lines = formatCheck(exercise, check, 'ko').trimEnd().split('\n')
    expect(lines.filter((line) => !hangul.test(line))).toEqual([])
    expect(lines.join('\n')).not.toMatch(/predicted|happened|the run shows|NOT SHOWN|score|teacher|unanswered/)
  })

  it('prints its progress in Korean', () => {
    const text = formatRunProgress('ko')
    const lines = [
      text.runStart('r1', 'raft-3.yaml', 'run-1'),
      text.step({ stepId: 's1', atMs: 1500, ok: true, targets: ['A'] }),
      text.step({ stepId: 's2', atMs: 2500, ok: false, targets: [], error: 'no leader' }),
      text.runEnd(true, undefined, '/runs/run-1'),
      text.runEnd(false, 'the cluster did not start', '/runs/run-1'),
      text.wrote('handin.zip'),
    ]
    expect(lines.filter((line) => !hangul.test(line))).toEqual([])
  })

  it('keeps the English wording', () => {
    const text = formatCheck(exercise, check, 'en')
    expect(text).toContain('  predicted p1: 300; happened: 280 (close)')
    expect(text).toContain('  wrong      q2: 2 — the run shows 3 (Run detail)')
    expect(text).toContain('  NOT SHOWN  a new leader — none')
    expect(text).toContain('  score 1 / 4, 1 for the teacher')
    expect(formatRunProgress('en').step({ stepId: 's1', atMs: 1500, ok: true, targets: ['A'] })).toBe('  step s1 at 1.50 s: done (A)\n')
  })
})
