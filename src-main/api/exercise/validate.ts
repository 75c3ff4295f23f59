/**
 * Exercise text (YAML or JSON) to an Exercise, or errors that each name the path of the offending
 * field and what was expected, like experiment validation. Shared by the CLI, the hosts and the app.
 */
import { LineCounter, parseDocument } from 'yaml'
import type { z } from 'zod'
import type { FieldError } from '../validate.js'
import { yamlAliasCountMax, yamlErrorCharsMax } from '../validate.js'
import { firstYamlSyntaxError } from '../yaml-error.js'
import { codeOfIssue, neutralValue, type ErrorCode } from '../validation-text.js'
import { measureCatalog, measureParamProblems, type MeasureValueKind } from './measure-names.js'
import { exerciseSchema, type AnswerKind, type Exercise, type MeasureSpec } from './schema.js'

export type ExerciseValidation = { ok: true; exercise: Exercise } | { ok: false; errors: FieldError[] }

/** An exercise file is a lesson: far below an experiment's bound. */
export const exerciseTextCharsMax = 200_000

export function validateExerciseText(text: string): ExerciseValidation {
  if (text.length > exerciseTextCharsMax) return fail('', `expected an exercise of at most ${exerciseTextCharsMax.toLocaleString('en-US')} characters, got ${text.length.toLocaleString('en-US')}`, { code: 'exerciseTooLong', params: { max: exerciseTextCharsMax, got: text.length } })
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { prettyErrors: false, lineCounter })
  const syntaxError = firstYamlSyntaxError(document, lineCounter)
  if (syntaxError !== undefined) {
    const detail = syntaxError.message.slice(0, yamlErrorCharsMax)
    return fail('', `not valid YAML or JSON: line ${syntaxError.line}: ${detail}`, { code: 'yamlSyntax', params: { line: syntaxError.line, detail, yamlCode: syntaxError.code } })
  }
  let value: unknown
  try {
    value = document.toJS({ maxAliasCount: yamlAliasCountMax })
  } catch (error) {
    if (error instanceof ReferenceError) return fail('', `not a usable YAML document: more than ${yamlAliasCountMax} YAML aliases to expand`, { code: 'yamlAliases', params: { max: yamlAliasCountMax } })
    const detail = (error as Error).message.slice(0, yamlErrorCharsMax)
    return fail('', `not a usable YAML document: ${detail}`, { code: 'yamlUnusable', params: { detail } })
  }
  return validateExercise(value)
}

export function validateExercise(input: unknown): ExerciseValidation {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return fail('', 'expected an object with id, title, runs, questions', { code: 'notAnExercise', params: { got: neutralValue(input) } })
  const parsed = exerciseSchema.safeParse(input)
  if (!parsed.success) return { ok: false, errors: zodErrors(parsed.error) }
  const exercise = parsed.data as Exercise
  const errors = crossFieldErrors(exercise)
  return errors.length > 0 ? { ok: false, errors } : { ok: true, exercise }
}

function fail(path: string, message: string, coded?: ErrorCode): ExerciseValidation {
  return { ok: false, errors: [{ path, message, ...coded }] }
}

function zodErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    let message = issue.message
    if (issue.code === 'unrecognized_keys') message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
    return { path: issue.path.map(String).join('.'), message, ...codeOfIssue(issue) }
  })
}

/** Which answer kinds fit a measure's value. */
const answersFor: Record<MeasureValueKind, readonly AnswerKind[]> = {
  node: ['node', 'choice'],
  nodes: ['nodes'],
  number: ['number'],
  duration: ['duration', 'number'],
  boolean: ['boolean'],
  text: ['choice', 'node'],
  texts: ['choice'],
}

function crossFieldErrors(exercise: Exercise): FieldError[] {
  const errors: FieldError[] = []
  const push = (path: string, message: string, code: string, params: ErrorCode['params'] = {}) => errors.push({ path, message, code, params })
  const runIds = exercise.runs.map((run) => run.id)
  duplicates(runIds).forEach((id) => push('runs', `run id ${id} is used twice`, 'exerciseIdTwice', { id, what: 'run' }))
  exercise.runs.forEach((run, index) => duplicates(run.steps.map((step) => step.id)).forEach((id) => push(`runs.${index}.steps`, `step id ${id} is used twice`, 'exerciseIdTwice', { id, what: 'step' })))
  const questionIds = [...exercise.predict.map((question) => question.id), ...exercise.questions.map((question) => question.id)]
  duplicates(questionIds).forEach((id) => push('questions', `question id ${id} is used twice (predictions and questions share ids)`, 'exerciseIdTwice', { id, what: 'question' }))
  const runIdOf = (run: string | undefined) => run ?? runIds[0]!
  const checkRun = (path: string, run: string | undefined) => {
    if (run !== undefined && !runIds.includes(run)) push(`${path}.run`, `unknown run ${run}: expected one of ${runIds.join(', ')}`, 'exerciseUnknownRun', { run, runs: runIds.join(', ') })
  }
  const checkSpec = (path: string, run: string | undefined, spec: MeasureSpec, answer?: AnswerKind) => {
    for (const problem of measureParamProblems(spec)) push(problem.param ? `${path}.${problem.param}` : path, problem.message, problem.code, problem.params)
    const steps = exercise.runs.find((candidate) => candidate.id === runIdOf(run))?.steps ?? []
    if (spec.step !== undefined && !steps.some((step) => step.id === spec.step)) {
      const stepIds = steps.map((step) => step.id).join(', ')
      push(`${path}.step`, `unknown step ${spec.step} of run ${runIdOf(run)}${steps.length > 0 ? `: expected one of ${stepIds}` : ' (it has no steps)'}`, 'exerciseUnknownStep', { step: spec.step, run: runIdOf(run), steps: stepIds })
    }
    const valueKind = measureCatalog[spec.measure].value
    if (answer !== undefined && !answersFor[valueKind].includes(answer)) {
      const fitting = answersFor[valueKind].join(' or ')
      push(`${path}.measure`, `${spec.measure} gives a ${valueKind}, which a ${answer} answer cannot be checked against (use ${fitting})`, 'measureAnswerMismatch', { measure: spec.measure, value: valueKind, answer, fitting: answersFor[valueKind].join(', ') })
    }
  }
  exercise.predict.forEach((prediction, index) => {
    const path = `predict.${index}`
    checkRun(path, prediction.run)
    if (prediction.answer === 'choice' && !prediction.options) push(`${path}.options`, 'a choice needs options', 'choiceNeedsOptions')
    if (prediction.compare) checkSpec(`${path}.compare`, prediction.run, prediction.compare, prediction.answer)
  })
  exercise.questions.forEach((question, index) => {
    const path = `questions.${index}`
    checkRun(path, question.run)
    if (question.answer === 'choice' && !question.options) push(`${path}.options`, 'a choice needs options', 'choiceNeedsOptions')
    if (question.answer === 'text' && question.check) push(`${path}.check`, 'a text answer is left for the teacher: it takes no check', 'textTakesNoCheck')
    if (question.answer !== 'text' && !question.check) push(`${path}.check`, `a ${question.answer} answer needs a check (or make it answer: text, for the teacher)`, 'answerNeedsCheck', { answer: question.answer })
    if (question.check) checkSpec(`${path}.check`, question.run, question.check, question.answer)
  })
  exercise.must.forEach((must, index) => {
    checkRun(`must.${index}`, must.run)
    checkSpec(`must.${index}.check`, must.run, must.check)
  })
  return errors
}

function duplicates(ids: string[]): string[] {
  return [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))]
}
