/** The app's one run store; tests swap in their own (a fresh database per test). */
import { RunRepository } from './run-repository'
import { CourseRepository } from './course-repository'
import { LayoutRepository } from './layout-repository'

let repository: RunRepository | undefined

export function runRepository(): RunRepository {
  repository ??= new RunRepository()
  return repository
}

export function setRunRepository(next: RunRepository | undefined): void {
  repository = next
  course = undefined
  layouts = undefined
}

let course: CourseRepository | undefined

/** The course's progress, in the same database as the runs it used. */
export function courseRepository(): CourseRepository {
  course ??= new CourseRepository(runRepository().db)
  return course
}

let layouts: LayoutRepository | undefined

/** The topology layouts people dragged, in the same database. */
export function layoutRepository(): LayoutRepository {
  layouts ??= new LayoutRepository(runRepository().db)
  return layouts
}

export { RunRepository, RunImportError, normalizeTags, runEditBounds } from './run-repository'
export type { RunEdit } from './run-repository'
export type { RunRow, RunSizes, RunParts } from './schema'
