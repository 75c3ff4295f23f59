/**
 * The course: the exercises the lab ships (validated here), the student's progress on each (kept in
 * IndexedDB), and the exercise being worked on. A run started from an exercise is attached to it
 * when it ends, and the answers are checked against the stored run then and whenever they change.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { validateExerciseText } from '../../../src-main/api/exercise/validate'
import { checkExercise, type AnswerValue, type ExerciseRuns } from '../../../src-main/api/exercise/check'
import type { Exercise } from '../../../src-main/api/exercise/schema'
import type { FieldError } from '../../../src-main/api/validate'
import type { ExerciseProgressRow } from '../db/schema'
import { courseRepository, runRepository } from '../db'
import { useConnectionStore } from './connection'
import { useRunsStore } from './runs'

export type ExerciseStatus = 'not-started' | 'in-progress' | 'answered' | 'checked'
export const exerciseStatuses: ExerciseStatus[] = ['not-started', 'in-progress', 'answered', 'checked']

export interface CourseExercise {
  file: string
  text: string
  exercise: Exercise
}

/** An exercise run in progress: which exercise and which of its runs the live run belongs to. */
export interface PendingExerciseRun {
  exerciseId: string
  runSlot: string
  runId: string
}

export function statusOf(exercise: Exercise, row: ExerciseProgressRow | undefined): ExerciseStatus {
  if (row === undefined) return 'not-started'
  const answered = exercise.questions.every((question) => hasValue(row.answers[question.id]))
  const allRuns = exercise.runs.every((run) => row.runs[run.id] !== undefined)
  if (row.check !== undefined && answered && allRuns) return 'checked'
  if (answered) return 'answered'
  const touched = Object.keys(row.answers).length + Object.keys(row.predictions).length + Object.keys(row.runs).length > 0
  return touched ? 'in-progress' : 'not-started'
}

function hasValue(value: AnswerValue | undefined): boolean {
  if (value === undefined) return false
  if (typeof value === 'string') return value.trim() !== ''
  if (Array.isArray(value)) return value.length > 0
  return true
}

export const useCourseStore = defineStore('course', () => {
  const exercises = ref<CourseExercise[]>([])
  const problems = ref<{ file: string; errors: FieldError[] }[]>([])
  const progress = ref<Record<string, ExerciseProgressRow>>({})
  const student = ref('')
  const loaded = ref(false)
  const error = ref<string>()
  const pending = shallowRef<PendingExerciseRun>()

  const ordered = computed(() => [...exercises.value].sort((a, b) => a.exercise.order - b.exercise.order))
  const statuses = computed<Record<string, ExerciseStatus>>(() =>
    Object.fromEntries(exercises.value.map(({ exercise }) => [exercise.id, statusOf(exercise, progress.value[exercise.id])])),
  )

  async function refresh(): Promise<void> {
    try {
      const files = await useConnectionStore().api().listExercises()
      const valid: CourseExercise[] = []
      const invalid: { file: string; errors: FieldError[] }[] = []
      for (const file of files) {
        const result = validateExerciseText(file.text)
        if (result.ok) valid.push({ file: file.file, text: file.text, exercise: result.exercise })
        else invalid.push({ file: file.file, errors: result.errors })
      }
      exercises.value = valid
      problems.value = invalid
      const rows = await courseRepository().list()
      progress.value = Object.fromEntries(rows.map((row) => [row.exerciseId, row]))
      student.value = await courseRepository().student()
      error.value = undefined
      loaded.value = true
    } catch (caught) {
      error.value = caught instanceof Error ? caught.message : String(caught)
    }
  }

  function find(id: string): CourseExercise | undefined {
    return exercises.value.find((candidate) => candidate.exercise.id === id)
  }

  function keep(row: ExerciseProgressRow): void {
    progress.value = { ...progress.value, [row.exerciseId]: row }
  }

  async function setAnswer(exerciseId: string, questionId: string, value: AnswerValue | undefined, prediction = false): Promise<void> {
    keep(await courseRepository().setAnswer(exerciseId, questionId, value, prediction))
  }

  async function setStudent(name: string): Promise<void> {
    student.value = name
    await courseRepository().setStudent(name)
  }

  /** A run of the exercise started: its predictions are kept as they are from now on. */
  async function lockPredictions(exerciseId: string): Promise<void> {
    keep(await courseRepository().lockPredictions(exerciseId))
  }

  /** The stored runs this exercise used, by its run ids. */
  async function records(exerciseId: string): Promise<ExerciseRuns> {
    const row = progress.value[exerciseId]
    const runs: ExerciseRuns = {}
    for (const [slot, runId] of Object.entries(row?.runs ?? {})) runs[slot] = await runRepository().load(runId)
    return runs
  }

  /** Checks the answers against the stored runs and keeps the result. */
  async function check(exerciseId: string): Promise<void> {
    const course = find(exerciseId)
    const row = progress.value[exerciseId]
    if (course === undefined || row === undefined) return
    const result = checkExercise(course.exercise, await records(exerciseId), row.answers, row.predictions)
    keep(await courseRepository().saveCheck(exerciseId, result))
  }

  /** Called when the live run that an exercise started ends: store it, attach it, check. */
  async function runEnded(runId: string): Promise<void> {
    const current = pending.value
    if (current === undefined || current.runId !== runId) return
    pending.value = undefined
    await useRunsStore().saveFromLab(runId)
    keep(await courseRepository().attachRun(current.exerciseId, current.runSlot, runId))
    await check(current.exerciseId)
  }

  async function reset(exerciseId: string): Promise<void> {
    await courseRepository().reset(exerciseId)
    const next = { ...progress.value }
    delete next[exerciseId]
    progress.value = next
  }

  async function resetAll(): Promise<void> {
    await courseRepository().resetAll()
    progress.value = {}
  }

  return { exercises, ordered, problems, progress, statuses, student, loaded, error, pending, refresh, find, setAnswer, setStudent, lockPredictions, records, check, runEnded, reset, resetAll }
})
