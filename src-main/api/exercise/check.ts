/**
 * Checks a student's answers against their own runs. Every question is right, wrong (with the run's
 * value and where to see it), left for the teacher (free text), unknown (the run cannot tell, and
 * why), or unanswered. Predictions are never marked: they are shown beside what happened. The
 * `must` list says whether each run showed what the exercise needs, and why not when it did not.
 */
import { parseDurationMs } from '../duration.js'
import type { RunRecord } from '../run-file.js'
import { measure, type MeasureResult, type MeasureValue } from './measures.js'
import { leaderAt, runViewOf, type RunView } from './run-view.js'
import type { AnswerKind, Exercise, ExerciseRun, Expectation, Localized, MeasureSpec, Must, Prediction, Question, Tolerance } from './schema.js'
import { stepProgress, type StepProgress } from './steps.js'

export type AnswerValue = string | number | boolean | string[]
/** Answers (or predictions) by question id. */
export type Answers = Record<string, AnswerValue>

export type QuestionStatus = 'right' | 'wrong' | 'teacher' | 'unknown' | 'unanswered'

export interface QuestionCheck {
  questionId: string
  status: QuestionStatus
  answer?: AnswerValue
  /** What the run showed (right and wrong answers). */
  runValue?: MeasureValue
  where?: Localized
  /** Why the run cannot tell (status unknown). */
  reason?: Localized
  points: number
  earned: number
}

export interface PredictionCompare {
  predictionId: string
  answer?: AnswerValue
  runValue?: MeasureValue
  /** Whether the prediction came within the tolerance of what happened (absent when not comparable). */
  close?: boolean
  where?: Localized
  reason?: Localized
}

export interface MustCheck {
  index: number
  run: string
  text: Localized
  ok: boolean
  runValue?: MeasureValue
  /** Why the run did not show it. */
  reason?: Localized
}

export interface RunStepsCheck {
  run: string
  runId?: string
  steps: StepProgress[]
}

export interface ExerciseCheck {
  exerciseId: string
  checkedAt: string
  runs: RunStepsCheck[]
  questions: QuestionCheck[]
  predictions: PredictionCompare[]
  musts: MustCheck[]
  score: { earned: number; possible: number; teacher: number }
}

/** A measure's result, or why there is none (the run was not made). */
type MeasureOutcome = MeasureResult | { ok: false; reason: Localized; where?: Localized }

/** The runs an exercise used, by its run ids (`runs[].id`); a run not made yet is absent. */
export type ExerciseRuns = Record<string, RunRecord | undefined>

const L = (en: string, ko: string): Localized => ({ en, ko })

export function checkExercise(exercise: Exercise, runs: ExerciseRuns, answers: Answers, predictions: Answers = {}, checkedAt = new Date().toISOString()): ExerciseCheck {
  const contexts = new Map<string, { view: RunView; steps: StepProgress[] } | undefined>()
  for (const run of exercise.runs) {
    const record = runs[run.id]
    if (record === undefined) contexts.set(run.id, undefined)
    else {
      const view = runViewOf(record)
      contexts.set(run.id, { view, steps: stepsOfView(run, view) })
    }
  }
  const runOf = (id: string | undefined) => id ?? exercise.runs[0]!.id
  const measureIn = (runId: string, spec: MeasureSpec): MeasureOutcome => {
    const context = contexts.get(runId)
    if (context === undefined) return { ok: false, reason: L(`the run “${runId}” has not been made yet`, `“${runId}” 실행을 아직 하지 않았습니다`) }
    return measure(spec, context)
  }
  const questions = exercise.questions.map((question) => checkQuestion(question, answers[question.id], question.check ? measureIn(runOf(question.run), question.check) : undefined))
  const comparedPredictions = exercise.predict.map((prediction) => comparePrediction(prediction, predictions[prediction.id], prediction.compare ? measureIn(runOf(prediction.run), prediction.compare) : undefined))
  const musts = exercise.must.map((must, index) => checkMust(must, index, runOf(must.run), measureIn(runOf(must.run), must.check), contexts.get(runOf(must.run))))
  const score = {
    earned: questions.reduce((sum, check) => sum + check.earned, 0),
    possible: questions.filter((check) => check.status !== 'teacher').reduce((sum, check) => sum + check.points, 0),
    teacher: questions.filter((check) => check.status === 'teacher').length,
  }
  const runChecks = exercise.runs.map((run) => ({ run: run.id, runId: runs[run.id]?.summary.runId, steps: contexts.get(run.id)?.steps ?? run.steps.map((step) => ({ stepId: step.id, done: false })) }))
  return { exerciseId: exercise.id, checkedAt, runs: runChecks, questions, predictions: comparedPredictions, musts, score }
}

/** The steps of a run as the finished run's fault log and trace show them. */
export function stepsOfView(run: ExerciseRun, view: RunView): StepProgress[] {
  return stepProgress(run.steps, {
    faults: view.record.summary.faults,
    leaderAt: (atMs) => leaderAt(view.tenures, atMs),
    hadLeaderBy: (atMs) => view.tenures.some((tenure) => tenure.fromMs <= atMs),
  })
}

function checkQuestion(question: Question, answer: AnswerValue | undefined, result: MeasureOutcome | undefined): QuestionCheck {
  const base = { questionId: question.id, points: question.points, earned: 0 }
  const given = answer === undefined || (typeof answer === 'string' && answer.trim() === '') || (Array.isArray(answer) && answer.length === 0) ? undefined : answer
  if (question.answer === 'text' || question.check === undefined) return { ...base, status: given === undefined ? 'unanswered' : 'teacher', answer: given }
  if (given === undefined) return { ...base, status: 'unanswered' }
  if (result === undefined || !result.ok) return { ...base, status: 'unknown', answer: given, reason: result?.reason, where: result?.where }
  if (result.value === null && question.answer !== 'choice') {
    return { ...base, status: 'unknown', answer: given, where: result.where, reason: L('the run shows nothing to compare with', '실행에 비교할 값이 없습니다') }
  }
  const right = answerMatches(question.answer, given, result.value, question.check.tolerance)
  return { ...base, status: right ? 'right' : 'wrong', answer: given, runValue: result.value, where: result.where, earned: right ? question.points : 0 }
}

function comparePrediction(prediction: Prediction, answer: AnswerValue | undefined, result: MeasureOutcome | undefined): PredictionCompare {
  const base = { predictionId: prediction.id, answer }
  if (result === undefined) return base
  if (!result.ok) return { ...base, reason: result.reason, where: result.where }
  const close = answer === undefined || result.value === null ? undefined : answerMatches(prediction.answer, answer, result.value, prediction.compare?.tolerance)
  return { ...base, runValue: result.value, where: result.where, close }
}

function checkMust(must: Must, index: number, run: string, result: MeasureOutcome, context: { steps: StepProgress[] } | undefined): MustCheck {
  const base = { index, run, text: must.text }
  if (!result.ok) {
    const missing = context?.steps.find((step) => !step.done)
    const reason = missing ? L(`${result.reason.en} (the step “${missing.stepId}” was not done)`, `${result.reason.ko}(“${missing.stepId}” 단계를 하지 않았습니다)`) : result.reason
    return { ...base, ok: false, reason }
  }
  const failure = expectationFailure(must.expect, result.value)
  return failure === undefined ? { ...base, ok: true, runValue: result.value } : { ...base, ok: false, runValue: result.value, reason: failure }
}

/** Why `value` does not meet the expectation, or undefined when it does. */
export function expectationFailure(expect: Expectation, value: MeasureValue): Localized | undefined {
  const shown = describeMeasureValue(value)
  if (expect.equals !== undefined && !sameValue(expect.equals, value)) {
    const wanted = describeMeasureValue(expect.equals)
    return L(`expected ${wanted}, the run shows ${shown}`, `${wanted}이어야 하는데 실행 결과는 ${shown}입니다`)
  }
  if (expect.notEquals !== undefined && sameValue(expect.notEquals, value)) return L(`the run shows ${shown}`, `실행 결과가 ${shown}입니다`)
  if (expect.atLeast !== undefined && !(typeof value === 'number' && value >= expect.atLeast)) {
    return L(`expected at least ${expect.atLeast}, the run shows ${shown}`, `${expect.atLeast} 이상이어야 하는데 실행 결과는 ${shown}입니다`)
  }
  if (expect.atMost !== undefined && !(typeof value === 'number' && value <= expect.atMost)) {
    return L(`expected at most ${expect.atMost}, the run shows ${shown}`, `${expect.atMost} 이하여야 하는데 실행 결과는 ${shown}입니다`)
  }
  return undefined
}

function sameValue(expected: MeasureValue, value: MeasureValue): boolean {
  if (Array.isArray(expected) || Array.isArray(value)) {
    if (!Array.isArray(expected) || !Array.isArray(value)) return false
    return [...expected].map(normalizeName).sort().join('\n') === [...value].map(normalizeName).sort().join('\n')
  }
  if (typeof expected === 'string' && typeof value === 'string') return normalizeName(expected) === normalizeName(value)
  return expected === value
}

/** A value for a person: lists joined, null as "none". */
export function describeMeasureValue(value: MeasureValue | AnswerValue | undefined): string {
  if (value === undefined || value === null) return '—'
  if (Array.isArray(value)) return value.length === 0 ? '∅' : value.join(', ')
  return String(value)
}

const normalizeName = (text: string) => text.trim().toLowerCase()

export function answerMatches(kind: AnswerKind, answer: AnswerValue, runValue: MeasureValue, tolerance: Tolerance | undefined): boolean {
  switch (kind) {
    case 'node':
    case 'choice':
      if (Array.isArray(runValue)) return typeof answer === 'string' && runValue.some((item) => normalizeName(item) === normalizeName(answer))
      return typeof answer === 'string' && (runValue === null ? isNone(answer) : normalizeName(answer) === normalizeName(String(runValue)))
    case 'nodes':
      return Array.isArray(runValue) && sameValue(runValue, toList(answer))
    case 'number':
    case 'duration': {
      const given = typeof answer === 'number' ? answer : Number.NaN
      if (typeof runValue !== 'number' || !Number.isFinite(given)) return false
      const allowed = Math.max(tolerance?.abs ?? 0, (tolerance?.ratio ?? 0) * Math.abs(runValue))
      return Math.abs(given - runValue) <= allowed + 1e-9
    }
    case 'boolean':
      return typeof answer === 'boolean' && answer === runValue
    case 'text':
      return false
    default: {
      const unhandled: never = kind
      throw new Error(`unknown answer kind ${String(unhandled)}`)
    }
  }
}

const noneWords = new Set(['', 'none', 'null', 'nobody', 'absent', '-', '없음'])
const isNone = (text: string) => noneWords.has(normalizeName(text))

function toList(answer: AnswerValue): string[] {
  if (Array.isArray(answer)) return answer
  return String(answer)
    .split(/[,\s]+/)
    .map((part) => part.trim())
    .filter(Boolean)
}

const yesWords = new Set(['true', 'yes', 'y', '예', '네', 'o'])
const noWords = new Set(['false', 'no', 'n', '아니요', '아니오', 'x'])

/**
 * An answer as typed (a CLI flag, a YAML file, a form field) turned into its kind's value: durations
 * with a unit ("350ms", "1.2s") or plain ms, yes/no (or 예/아니요) for booleans, comma-separated nodes.
 */
export function parseAnswer(kind: AnswerKind, raw: unknown, options?: readonly { value: string }[]): { ok: true; value: AnswerValue } | { ok: false; message: string } {
  const text = typeof raw === 'string' ? raw.trim() : undefined
  switch (kind) {
    case 'node':
    case 'text':
      if (text === undefined && typeof raw !== 'number') return { ok: false, message: 'expected text' }
      return { ok: true, value: text ?? String(raw) }
    case 'choice': {
      const value = text ?? String(raw)
      if (options && !options.some((option) => option.value === value)) return { ok: false, message: `expected one of ${options.map((option) => option.value).join(', ')}, got ${JSON.stringify(value)}` }
      return { ok: true, value }
    }
    case 'nodes':
      if (Array.isArray(raw)) return { ok: true, value: raw.map(String) }
      if (text === undefined) return { ok: false, message: 'expected node names, like A, B' }
      return { ok: true, value: toList(text) }
    case 'number': {
      const value = typeof raw === 'number' ? raw : Number(text)
      return text === '' || !Number.isFinite(value) ? { ok: false, message: `expected a number, got ${JSON.stringify(raw)}` } : { ok: true, value }
    }
    case 'duration': {
      const value = typeof raw === 'number' ? raw : text === undefined ? undefined : /^\d+(\.\d+)?$/.test(text) ? Number(text) : parseDurationMs(text)
      return value === undefined || !Number.isFinite(value) ? { ok: false, message: `expected a duration like 350ms or 1.2s, got ${JSON.stringify(raw)}` } : { ok: true, value }
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { ok: true, value: raw }
      const word = (text ?? '').toLowerCase()
      if (yesWords.has(word)) return { ok: true, value: true }
      if (noWords.has(word)) return { ok: true, value: false }
      return { ok: false, message: `expected yes or no, got ${JSON.stringify(raw)}` }
    }
    default: {
      const unhandled: never = kind
      throw new Error(`unknown answer kind ${String(unhandled)}`)
    }
  }
}
