/**
 * `lab exercise run --locale ko` prints its check in Korean: every line a student reads, not only
 * the exercise's own texts. English stays as it was (scripts and the other CLI test read it).
 */
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ExerciseCheck } from '../../src-main/api/exercise/check.js'
import { formatCheck, formatExerciseList, formatGradeTable, formatRunProgress } from '../../src-main/lab/exercise/command.js'
import { gradesCsv, type GradeTable } from '../../src-main/api/exercise/grade.js'
import { loadExerciseDir } from '../../src-main/lab/exercise/files.js'
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

/** A graded class: one whole hand-in, one altered after the check, one that is no hand-in at all. */
const graded: GradeTable = {
  columns: [{ exerciseId: exercise.id, exerciseOrder: 1, questionId: 'q1' }, { exerciseId: exercise.id, exerciseOrder: 1, questionId: 'q2' }],
  rows: [
    { file: 'kim.zip', student: '김민준', exerciseId: exercise.id, exerciseOrder: 1, createdAt: '', integrity: 'ok', problems: [], notes: [{ en: 'made with another version', ko: '다른 버전으로 만들었습니다' }], statuses: { q1: 'right', q2: 'teacher' }, texts: { q2: '과반' }, earned: 1, possible: 1, teacher: 1 },
    { file: 'lee.zip', student: '이서연', exerciseId: exercise.id, exerciseOrder: 1, createdAt: '', integrity: 'altered', problems: [{ en: 'run main was altered', ko: '실행 main이 바뀌었습니다' }], notes: [], statuses: { q1: 'wrong', q2: 'unanswered' }, texts: {}, earned: 0, possible: 1, teacher: 0 },
    { file: 'junk.zip', student: '', exerciseId: '', exerciseOrder: 0, createdAt: '', integrity: 'unreadable', problems: [{ en: 'not a hand-in', ko: '제출물이 아닙니다' }], notes: [], statuses: {}, texts: {}, earned: 0, possible: 0, teacher: 0 },
  ],
}
/** English words of ours that must not remain in a Korean line (ids, file names and digits may). */
const englishWords = /\b(run|runs|questions|by hand|altered|note|ok|ALTERED|UNREADABLE|right|wrong|teacher|unanswered|for the teacher)\b/

describe('lab exercise list and grade --locale ko', () => {
  it('lists the course in Korean: each title and its counts', () => {
    const exercises = loadExerciseDir().exercises.map((loaded) => loaded.exercise)
    const lines = formatExerciseList(exercises, 'ko').trimEnd().split('\n')
    expect(lines).toHaveLength(exercises.length)
    for (const [index, line] of lines.entries()) {
      expect(line).toContain(exercises[index]!.title.ko)
      if (!exercises[index]!.title.ko.includes(exercises[index]!.title.en)) expect(line).not.toContain(exercises[index]!.title.en)
      expect(line.replace(exercises[index]!.id, '')).not.toMatch(englishWords)
      expect(line).toMatch(/실행 \d+개, 질문 \d+개/)
    }
    expect(formatExerciseList(exercises, 'en')).toContain(`${exercises[0]!.title.en} / ${exercises[0]!.title.ko}`)
  })

  it('grades in Korean: integrity, statuses, problems and notes, and the CSV’s words', () => {
    const lines = formatGradeTable(graded, 'ko').trimEnd().split('\n')
    for (const line of lines) expect(line.replace(/\(\w+\.zip\)|\bq\d\b|\bmain\b/g, ''), line).not.toMatch(englishWords)
    expect(lines.join('\n')).toMatch(/김민준 .* 온전함 .*q1=맞음 q2=교사 채점/)
    expect(lines.join('\n')).toContain('    변경됨: 실행 main이 바뀌었습니다')
    expect(lines.join('\n')).toContain('    참고: 다른 버전으로 만들었습니다')
    expect(lines.join('\n')).toMatch(/읽을 수 없음/)
    const csv = gradesCsv(graded, 'ko').split('\n')
    expect(csv[0]).toMatch(/^학생,연습,파일,무결성,문제,점수,만점,교사 채점,/)
    expect(csv[1]).toContain('맞음,교사 채점: 과반')
    expect(formatGradeTable(graded, 'en')).toContain('    altered: run main was altered')
    expect(gradesCsv(graded).split('\n')[0]).toMatch(/^student,exercise,file,integrity,problems,score,possible,for the teacher,/)
  })
})
