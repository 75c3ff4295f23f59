/**
 * The Library's order: the course's scenarios 1 to 12 first (each bundled scenario file's
 * description opens "Scenario N, ..."), in scenario order and by name within one, then the rest by
 * name. The description is the one place a file states its scenario, in words a reader sees too.
 */
import type { ExperimentFile } from '../../../src-main/api/lab-api'

/** Scenarios of the course (../shared/SCENARIOS.md); a larger number is not a scenario reference. */
const scenariosMax = 99

export function scenarioOf(description: string): number | undefined {
  const match = /^\s*Scenario (\d{1,2})\b/.exec(description)
  if (match === null) return undefined
  const scenario = Number(match[1])
  return scenario >= 1 && scenario <= scenariosMax ? scenario : undefined
}

export function inLibraryOrder(files: readonly ExperimentFile[]): ExperimentFile[] {
  const rank = (file: ExperimentFile): number => scenarioOf(file.description) ?? Number.POSITIVE_INFINITY
  return [...files].sort((a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file))
}
