/**
 * Exercise files on disk: the course's folder (`exercises/`, in order) and single files, each checked
 * for its own fields and for the experiments it names, which must exist and validate.
 */
import fs from 'node:fs'
import path from 'node:path'
import { formatFieldErrors, membershipRaftOnlyError, type FieldError, type ValidationLocale } from '../../api/validate.js'
import { isMembershipFault } from '../../faults/fault.js'
import { validateExerciseText } from '../../api/exercise/validate.js'
import type { Exercise } from '../../api/exercise/schema.js'
import { formatFileRefusal, loadExperimentFile, readTextFile } from '../experiment-file.js'
import { repositoryRoot } from '../paths.js'
import type { Experiment } from '../../api/experiment.js'

export interface LoadedExercise {
  file: string
  text: string
  exercise: Exercise
  /** The experiments of its runs, by run id. */
  experiments: Record<string, { file: string; text: string; experiment: Experiment }>
}

export type ExerciseLoad = { ok: true; loaded: LoadedExercise } | { ok: false; message: string }

/** At most this many exercise files are read from one folder. */
export const exerciseFilesMax = 200

export function defaultExercisesDir(): string {
  return path.join(repositoryRoot(), 'exercises')
}

export function defaultExperimentsDir(): string {
  return path.join(repositoryRoot(), 'experiments')
}

/** `locale`: the language of the refusal and of the errors (the exercise's and its experiments'). */
export function loadExerciseFile(file: string, experimentsDir = defaultExperimentsDir(), locale: ValidationLocale = 'en'): ExerciseLoad {
  const read = readTextFile(file, 'exercise')
  if (!read.ok) return { ok: false, message: formatFileRefusal(file, read.refusal, locale) }
  const text = read.text
  const result = validateExerciseText(text)
  if (!result.ok) return { ok: false, message: formatFieldErrors(result.errors, file, locale) }
  const experiments: LoadedExercise['experiments'] = {}
  for (const [index, run] of result.exercise.runs.entries()) {
    const experimentFile = path.join(experimentsDir, run.experiment)
    const loaded = loadExperimentFile(experimentFile, locale)
    if (!loaded.ok) return { ok: false, message: `${file}: runs.${index}.experiment: ${loaded.message}` }
    experiments[run.id] = { file: experimentFile, text: loaded.text, experiment: loaded.experiment }
  }
  const stepErrors = membershipStepErrors(result.exercise, experiments)
  if (stepErrors.length > 0) return { ok: false, message: formatFieldErrors(stepErrors, file, locale) }
  return { ok: true, loaded: { file, text, exercise: result.exercise, experiments } }
}

/** A step that changes the membership, on a run whose experiment is not single-group Raft: refused as the experiment would be. */
function membershipStepErrors(exercise: Exercise, experiments: LoadedExercise['experiments']): FieldError[] {
  const errors: FieldError[] = []
  exercise.runs.forEach((run, runIndex) => {
    const { protocol, cluster } = experiments[run.id]!.experiment
    if (protocol === 'raft' && cluster.groups <= 1) return
    run.steps.forEach((step, stepIndex) => {
      if (isMembershipFault(step.do)) errors.push(membershipRaftOnlyError(`runs.${runIndex}.steps.${stepIndex}.do`, protocol, cluster.groups))
    })
  })
  return errors
}

/** Every exercise of a folder, in course order; the ones that do not load are returned as problems. */
export function loadExerciseDir(dir = defaultExercisesDir(), experimentsDir = defaultExperimentsDir(), locale: ValidationLocale = 'en'): { exercises: LoadedExercise[]; problems: string[] } {
  if (!fs.existsSync(dir)) return { exercises: [], problems: [] }
  const files = fs
    .readdirSync(dir)
    .filter((name) => /\.ya?ml$/i.test(name))
    .sort()
    .slice(0, exerciseFilesMax)
  const exercises: LoadedExercise[] = []
  const problems: string[] = []
  for (const name of files) {
    const result = loadExerciseFile(path.join(dir, name), experimentsDir, locale)
    if (result.ok) exercises.push(result.loaded)
    else problems.push(result.message)
  }
  exercises.sort((a, b) => a.exercise.order - b.exercise.order || a.exercise.id.localeCompare(b.exercise.id))
  return { exercises, problems }
}

/** An exercise by id (from the course folder) or by file path. */
export function findExercise(idOrFile: string, dir = defaultExercisesDir(), experimentsDir = defaultExperimentsDir(), locale: ValidationLocale = 'en'): ExerciseLoad {
  if (/\.ya?ml$/i.test(idOrFile) || idOrFile.includes('/')) return loadExerciseFile(idOrFile, experimentsDir, locale)
  const { exercises, problems } = loadExerciseDir(dir, experimentsDir, locale)
  const found = exercises.find((candidate) => candidate.exercise.id === idOrFile || String(candidate.exercise.order) === idOrFile)
  if (found) return { ok: true, loaded: found }
  const known = exercises.map((candidate) => `${candidate.exercise.order} ${candidate.exercise.id}`).join(', ')
  const missing = locale === 'ko'
    ? `${dir}에 연습 ${JSON.stringify(idOrFile)}이(가) 없습니다${known ? `. 다음 중 하나여야 합니다: ${known}` : ''}`
    : `no exercise ${JSON.stringify(idOrFile)} in ${dir}${known ? `: expected one of ${known}` : ''}`
  return { ok: false, message: `${missing}${problems.length > 0 ? `\n${problems.join('\n')}` : ''}` }
}
