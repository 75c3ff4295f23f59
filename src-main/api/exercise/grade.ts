/**
 * Grading a class: every hand-in opened, its digests checked, its answers checked again against its
 * own runs, and the result as a table of students × questions (and as CSV). A hand-in whose runs or
 * answers were changed after they were checked is marked altered, with what was changed.
 */
import { checkExercise, type QuestionStatus } from './check.js'
import type { OpenedHandin } from './handin.js'
import type { Exercise, Localized } from './schema.js'
import { validateExerciseText } from './validate.js'
import { fieldErrorText } from '../validation-text.js'
import { sha256Hex } from './handin.js'

export interface GradeColumn {
  exerciseId: string
  exerciseOrder: number
  questionId: string
}

export interface GradeRow {
  file: string
  student: string
  exerciseId: string
  exerciseOrder: number
  createdAt: string
  /** ok: every digest matches and every check follows from the runs. */
  integrity: 'ok' | 'altered' | 'unreadable'
  /** In both languages: the CLI and the Grading page say them in the reader's. */
  problems: Localized[]
  /** Not integrity problems, but worth a look (an exercise version other than the course's). */
  notes: Localized[]
  statuses: Record<string, QuestionStatus>
  /** The free-text answers, for the teacher. */
  texts: Record<string, string>
  earned: number
  possible: number
  teacher: number
}

export interface GradeTable {
  columns: GradeColumn[]
  rows: GradeRow[]
}

/** `error`: why the file is no hand-in at all (HandinError's message, in English; `errorKo` when known). */
export type GradeInput = { file: string; opened: OpenedHandin } | { file: string; error: string; errorKo?: string }

/** `course`: the teacher's exercises (their texts), to tell a hand-in made with another version. */
export async function gradeHandins(inputs: readonly GradeInput[], course: readonly { exercise: Exercise; text: string }[] = []): Promise<GradeTable> {
  const rows: GradeRow[] = []
  const columns = new Map<string, GradeColumn>()
  for (const input of inputs) {
    if ('error' in input) {
      rows.push({ file: input.file, student: '', exerciseId: '', exerciseOrder: 0, createdAt: '', integrity: 'unreadable', problems: [{ en: input.error, ko: input.errorKo ?? `제출물로 열 수 없습니다: ${input.error}` }], notes: [], statuses: {}, texts: {}, earned: 0, possible: 0, teacher: 0 })
      continue
    }
    const row = await gradeOne(input.file, input.opened, course)
    rows.push(row.row)
    for (const questionId of row.questionIds) columns.set(`${row.row.exerciseId}/${questionId}`, { exerciseId: row.row.exerciseId, exerciseOrder: row.row.exerciseOrder, questionId })
  }
  rows.sort((a, b) => a.student.localeCompare(b.student) || a.exerciseOrder - b.exerciseOrder || a.file.localeCompare(b.file))
  return { columns: [...columns.values()].sort((a, b) => a.exerciseOrder - b.exerciseOrder), rows }
}

async function gradeOne(file: string, opened: OpenedHandin, course: readonly { exercise: Exercise; text: string }[]): Promise<{ row: GradeRow; questionIds: string[] }> {
  const { manifest } = opened
  const problems = [...opened.problems]
  const notes: Localized[] = []
  const base = { file, student: manifest.student, exerciseId: manifest.exercise.id, exerciseOrder: manifest.exercise.order, createdAt: manifest.createdAt }
  const validation = validateExerciseText(opened.exerciseText)
  if (!validation.ok) {
    const first = validation.errors[0]
    problems.push({ en: `its exercise.yaml does not validate: ${first?.path} ${first?.message}`, ko: `exercise.yaml이 검증을 통과하지 못합니다: ${first?.path} ${first ? fieldErrorText(first, 'ko') : ''}` })
    return { row: { ...base, integrity: 'altered', problems, notes, statuses: {}, texts: {}, earned: 0, possible: 0, teacher: 0 }, questionIds: [] }
  }
  const exercise = validation.exercise
  const courseVersion = course.find((candidate) => candidate.exercise.id === exercise.id)
  if (courseVersion && (await sha256Hex(courseVersion.text)) !== manifest.exercise.digest) notes.push({ en: 'made with another version of the exercise than the course’s; checked with the hand-in’s version', ko: '과정의 것과 다른 버전의 연습으로 만들었습니다. 제출물의 버전으로 채점했습니다' })
  const recheck = checkExercise(exercise, opened.runs, manifest.answers, manifest.predictions, manifest.check.checkedAt)
  for (const question of recheck.questions) {
    const recorded = manifest.check.questions.find((candidate) => candidate.questionId === question.questionId)
    if (recorded === undefined || recorded.status !== question.status || JSON.stringify(recorded.runValue) !== JSON.stringify(question.runValue)) {
      const was = recorded?.status ?? 'nothing'
      problems.push({
        en: `the check of ${question.questionId} does not follow from the runs (recorded ${was}, the runs give ${question.status})`,
        ko: `${question.questionId}의 채점 결과가 실행과 맞지 않습니다(기록: ${statusKo[was as QuestionStatus] ?? '없음'}, 실행으로 본 결과: ${statusKo[question.status]})`,
      })
    }
  }
  const statuses = Object.fromEntries(recheck.questions.map((question) => [question.questionId, question.status]))
  const texts = Object.fromEntries(exercise.questions.filter((question) => question.answer === 'text').map((question) => [question.id, String(manifest.answers[question.id] ?? '')]))
  const row: GradeRow = {
    ...base,
    integrity: problems.length > 0 ? 'altered' : 'ok',
    problems,
    notes,
    statuses,
    texts,
    earned: recheck.score.earned,
    possible: recheck.score.possible,
    teacher: recheck.score.teacher,
  }
  return { row, questionIds: exercise.questions.map((question) => question.id) }
}

export const integrityKo: Record<GradeRow['integrity'], string> = { ok: '온전함', altered: '변경됨', unreadable: '읽을 수 없음' }

/** A question's status as the Korean hand-in and Grading page say it. */
export const statusKo: Record<QuestionStatus, string> = { right: '맞음', wrong: '틀림', teacher: '교사 채점', unknown: '판단 불가', unanswered: '답 없음' }

function csvCell(value: string | number): string {
  const text = String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** The table as CSV (UTF-8, a header row; one row per hand-in; a cell per question). */
export function gradesCsv(table: GradeTable, locale: 'en' | 'ko' = 'en'): string {
  const named = locale === 'ko' ? ['학생', '연습', '파일', '무결성', '문제', '점수', '만점', '교사 채점'] : ['student', 'exercise', 'file', 'integrity', 'problems', 'score', 'possible', 'for the teacher']
  const header = [...named, ...table.columns.map((column) => `${column.exerciseId}/${column.questionId}`)]
  const lines = [header.map(csvCell).join(',')]
  const statusWord = (status: QuestionStatus) => (locale === 'ko' ? statusKo[status] : status)
  for (const row of table.rows) {
    const cells = table.columns.map((column) => {
      if (column.exerciseId !== row.exerciseId) return ''
      const status = row.statuses[column.questionId]
      if (status === undefined) return ''
      return status === 'teacher' ? `${statusWord(status)}: ${row.texts[column.questionId] ?? ''}` : statusWord(status)
    })
    const integrity = locale === 'ko' ? integrityKo[row.integrity] : row.integrity
    lines.push([row.student, row.exerciseId, row.file, integrity, [...row.problems, ...row.notes].map((text) => text[locale]).join('; '), row.earned, row.possible, row.teacher, ...cells].map(csvCell).join(','))
  }
  return `${lines.join('\n')}\n`
}
