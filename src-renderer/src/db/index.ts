/** The app's one run store; tests swap in their own (a fresh database per test). */
import { RunRepository } from './run-repository'
import { CourseRepository } from './course-repository'

let repository: RunRepository | undefined

export function runRepository(): RunRepository {
  repository ??= new RunRepository()
  return repository
}

export function setRunRepository(next: RunRepository | undefined): void {
  repository = next
  course = undefined
}

let course: CourseRepository | undefined

/** The course's progress, in the same database as the runs it used. */
export function courseRepository(): CourseRepository {
  course ??= new CourseRepository(runRepository().db)
  return course
}

export { RunRepository, RunImportError, normalizeTags, runEditBounds } from './run-repository'
export type { RunEdit } from './run-repository'
export type { RunRow, RunSizes, RunParts } from './schema'
