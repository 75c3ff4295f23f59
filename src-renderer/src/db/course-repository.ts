/**
 * The course's progress in IndexedDB: one row per exercise (predictions, answers, the runs used,
 * the last check) and the student's name. The runs themselves are the run store's rows.
 */
import { RunDatabase, type ExerciseProgressRow } from './schema'
import type { Answers, ExerciseCheck } from '../../../src-main/api/exercise/check'

/** Bounds on what a student types. */
export const courseBounds = { answerCharsMax: 4000, studentCharsMax: 120 } as const

const studentKey = 'student'

export class CourseRepository {
  constructor(readonly db: RunDatabase) {}

  async list(): Promise<ExerciseProgressRow[]> {
    return this.db.exercises.toArray()
  }

  async get(exerciseId: string): Promise<ExerciseProgressRow | undefined> {
    return this.db.exercises.get(exerciseId)
  }

  /** Applies `change` to the exercise's row (made when absent) in one transaction. */
  async update(exerciseId: string, change: (row: ExerciseProgressRow) => void): Promise<ExerciseProgressRow> {
    return this.db.transaction('rw', this.db.exercises, async () => {
      const now = new Date().toISOString()
      const row = (await this.db.exercises.get(exerciseId)) ?? { exerciseId, predictions: {}, answers: {}, runs: {}, startedAt: now, updatedAt: now }
      change(row)
      row.updatedAt = now
      await this.db.exercises.put(row)
      return row
    })
  }

  async setAnswer(exerciseId: string, questionId: string, value: Answers[string] | undefined, prediction: boolean): Promise<ExerciseProgressRow> {
    return this.update(exerciseId, (row) => {
      // A prediction made after the run started would be an observation: it is refused, not kept.
      if (prediction && row.predictionsLockedAt !== undefined) throw new Error(`the predictions are locked: a run of ${exerciseId} started at ${row.predictionsLockedAt}`)
      const target = prediction ? row.predictions : row.answers
      const bounded = typeof value === 'string' ? value.slice(0, courseBounds.answerCharsMax) : value
      if (bounded === undefined) delete target[questionId]
      else target[questionId] = bounded
      if (!prediction) delete row.check
    })
  }

  /** Keeps the predictions as they are: called when a run of the exercise starts. */
  async lockPredictions(exerciseId: string): Promise<ExerciseProgressRow> {
    return this.update(exerciseId, (row) => {
      row.predictionsLockedAt ??= new Date().toISOString()
    })
  }

  async attachRun(exerciseId: string, runSlot: string, runId: string): Promise<ExerciseProgressRow> {
    return this.update(exerciseId, (row) => {
      row.runs[runSlot] = runId
      row.predictionsLockedAt ??= new Date().toISOString()
      delete row.check
    })
  }

  async saveCheck(exerciseId: string, check: ExerciseCheck): Promise<ExerciseProgressRow> {
    // A check made in the app holds parts of the reactive exercise (Vue proxies), which IndexedDB
    // cannot clone (DataCloneError): it is stored as the plain JSON data it is.
    const plain = JSON.parse(JSON.stringify(check)) as ExerciseCheck
    return this.update(exerciseId, (row) => {
      row.check = plain
    })
  }

  /** Forgets the exercise's progress; its runs stay in Runs. */
  async reset(exerciseId: string): Promise<void> {
    await this.db.exercises.delete(exerciseId)
  }

  async resetAll(): Promise<void> {
    await this.db.exercises.clear()
  }

  async student(): Promise<string> {
    return (await this.db.settings.get(studentKey))?.value ?? ''
  }

  async setStudent(name: string): Promise<void> {
    await this.db.settings.put({ key: studentKey, value: name.slice(0, courseBounds.studentCharsMax) })
  }
}
