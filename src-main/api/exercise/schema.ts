/**
 * The exercise file format (YAML, `exercises/*.yaml`), validated with zod like experiments are.
 *
 * An exercise is one lesson of the course: text in English and Korean, the runs it makes (each an
 * experiment of `experiments/`), steps the student takes by hand during a run, questions answered
 * before the run (predictions) and after it (observations, checked against the student's own run),
 * and what a run must show to be any use for the exercise. Checks name a measure (measures.ts): a
 * pure function of the run's record, so the app, the CLI and the grader agree on every answer.
 */
import { z } from 'zod'
import { durationSchema, describeValue } from '../duration.js'
import { parseFaultSyntax, type Fault } from '../experiment.js'
import { measureNames } from './measure-names.js'

/** Bounds, so that an exercise file stays a lesson and not a data dump. */
export const exerciseBounds = {
  textCharsMax: 4000,
  runsMax: 4,
  stepsMax: 12,
  questionsMax: 30,
  optionsMax: 12,
  mustsMax: 12,
  idCharsMax: 40,
} as const

const idPattern = /^[a-z0-9][a-z0-9-]*$/
const id = z
  .string({ error: (issue) => `expected an id like leader-crash, got ${describeValue(issue.input)}` })
  .max(exerciseBounds.idCharsMax, `expected at most ${exerciseBounds.idCharsMax} characters`)
  .regex(idPattern, 'expected lower-case letters, digits and - (like leader-crash)')

const text = (what: string) =>
  z
    .string({ error: (issue) => `expected ${what}, got ${describeValue(issue.input)}` })
    .trim()
    .min(1, `expected ${what}`)
    .max(exerciseBounds.textCharsMax, `expected at most ${exerciseBounds.textCharsMax} characters`)

/** Every text a student reads exists in English and in Korean: a file missing either is refused. */
export const localizedSchema = z.object({ en: text('English text'), ko: text('Korean text') }).strict()
export type Localized = z.infer<typeof localizedSchema>

export const answerKinds = ['node', 'nodes', 'number', 'duration', 'boolean', 'choice', 'text'] as const
export type AnswerKind = (typeof answerKinds)[number]

const tolerance = z
  .object({
    /** Within this much of the run's value (ms for durations). */
    abs: z.number().min(0, 'expected a number >= 0').optional(),
    /** Or within this share of it (0.25: 25%). */
    ratio: z.number().min(0, 'expected a share >= 0').max(10, 'expected a share up to 10').optional(),
  })
  .strict()
export type Tolerance = z.infer<typeof tolerance>

/**
 * What a check measures in a run and with what parameters. Parameters a measure does not use are
 * refused (measures.ts lists who uses what), so a typo does not silently measure something else.
 */
export const measureSpecSchema = z
  .object({
    measure: z.enum(measureNames, { error: (issue) => `expected one of ${measureNames.join(', ')}, got ${describeValue(issue.input)}` }),
    /** A term (Raft) or view (PBFT). */
    term: z.number().int().min(0).optional(),
    node: z.string().min(1).optional(),
    /** A step of the same run: the measure looks at the run from when that step was done. */
    step: id.optional(),
    /** A fault of the run's schedule or injector, by the first words of its description ("crash", "partition"). */
    fault: z.string().min(1).optional(),
    /** A scripted command, as written in the experiment ("SET x=10"). */
    command: z.string().min(1).optional(),
    /** A service-discovery instance number. */
    instance: z.number().int().min(1).optional(),
    /** An operation name (get, put, delete, cas). */
    operation: z.enum(['get', 'put', 'delete', 'cas']).optional(),
  })
  .strict()
export type MeasureSpec = z.infer<typeof measureSpecSchema>

const optionSchema = z.object({ value: z.string().min(1), label: localizedSchema }).strict()

const questionBase = {
  id,
  /** The run (by its id in `runs`) the answer is checked against; default: the first run. */
  run: id.optional(),
  text: localizedSchema,
  answer: z.enum(answerKinds, { error: (issue) => `expected one of ${answerKinds.join(', ')}, got ${describeValue(issue.input)}` }),
  /** For answer: choice. */
  options: z.array(optionSchema).min(2, 'expected at least two options').max(exerciseBounds.optionsMax).optional(),
  /** Unit shown beside a number answer. */
  unit: localizedSchema.optional(),
  /** A hint of where in the lab the answer shows. */
  hint: localizedSchema.optional(),
}

export const predictionSchema = z
  .object({
    ...questionBase,
    /** What happened, shown beside the prediction once the run ended (a prediction is never marked wrong). */
    compare: measureSpecSchema.extend({ tolerance: tolerance.optional() }).strict().optional(),
  })
  .strict()
export type Prediction = z.infer<typeof predictionSchema>

export const questionSchema = z
  .object({
    ...questionBase,
    /** How the answer is checked; absent for answer: text (left for the teacher). */
    check: measureSpecSchema.extend({ tolerance: tolerance.optional() }).strict().optional(),
    /** Points for a right answer (default 1). */
    points: z.number().min(0).max(100).default(1),
  })
  .strict()
export type Question = z.infer<typeof questionSchema>

const expectation = z
  .object({
    equals: z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]).optional(),
    notEquals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
    atLeast: z.number().optional(),
    atMost: z.number().optional(),
  })
  .strict()
  .refine((value) => Object.keys(value).length > 0, 'expected one of equals, notEquals, atLeast, atMost')
export type Expectation = z.infer<typeof expectation>

/** What a run must show to be of use for the exercise: "a new leader was elected after the crash". */
export const mustSchema = z
  .object({
    run: id.optional(),
    text: localizedSchema,
    check: measureSpecSchema,
    expect: expectation,
  })
  .strict()
export type Must = z.infer<typeof mustSchema>

/** A fault the student injects by hand, in the experiment's fault vocabulary: {crash: leader}. */
const stepAction = z.unknown().transform((value, ctx) => parseFaultSyntax(value, ctx) ?? z.NEVER)

export const stepSchema = z
  .object({
    id,
    text: localizedSchema,
    do: stepAction,
    /** Only once a node leads (Raft leader, PBFT primary): "when the leader is elected, crash it". */
    when: z.enum(['leader']).optional(),
    /** Not before this experiment time (the autopilot also waits for it). */
    notBefore: durationSchema.optional(),
    /** This long after the previous step was done (the autopilot waits for it). */
    wait: durationSchema.optional(),
  })
  .strict()
export type Step = Omit<z.infer<typeof stepSchema>, 'do'> & { do: Fault }

export const exerciseRunSchema = z
  .object({
    id,
    /** An experiment file of the lab's experiments folder. */
    experiment: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.(ya?ml|json)$/, 'expected an experiment file name like raft-3.yaml'),
    /** What this run is for, when an exercise has several. */
    label: localizedSchema.optional(),
    steps: z.array(stepSchema).max(exerciseBounds.stepsMax).default([]),
  })
  .strict()

export const exerciseSchema = z
  .object({
    id,
    /** Place in the course (1, 2, ...). */
    order: z.number().int().min(1).max(1000),
    /** The scenario of the guide this exercise tells, when it is one. */
    scenario: z.number().int().min(1).optional(),
    title: localizedSchema,
    goal: localizedSchema,
    background: localizedSchema,
    runs: z.array(exerciseRunSchema).min(1, 'expected at least one run').max(exerciseBounds.runsMax),
    predict: z.array(predictionSchema).max(exerciseBounds.questionsMax).default([]),
    questions: z.array(questionSchema).min(1, 'expected at least one question').max(exerciseBounds.questionsMax),
    must: z.array(mustSchema).max(exerciseBounds.mustsMax).default([]),
  })
  .strict()

export type ExerciseParsed = z.output<typeof exerciseSchema>
export type ExerciseRun = Omit<ExerciseParsed['runs'][number], 'steps'> & { steps: Step[] }
export interface Exercise extends Omit<ExerciseParsed, 'runs'> {
  runs: ExerciseRun[]
}
