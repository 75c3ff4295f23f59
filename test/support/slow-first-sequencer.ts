/**
 * Vitest orders files by their last durations when it has them, and otherwise runs the largest
 * files first. CI starts from a clean clone, with no durations: the course files are a few lines
 * each but run minutes of real experiments, so they started last and one worker ran them alone at
 * the end (the last three files to finish in CI's log, 125 to 180 s each). Files that run real
 * processes go first here, the longest kind first; within a kind vitest's own order holds.
 */
import path from 'node:path'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

const slowKinds = [/^test\/exercise\/course\./, /^test\/lab\//, /^test\/(cli|sim)\//]

export function slowKindRank(relativePath: string): number {
  const rank = slowKinds.findIndex((pattern) => pattern.test(relativePath.split(path.sep).join('/')))
  return rank < 0 ? slowKinds.length : rank
}

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const rank = (spec: TestSpecification) => slowKindRank(path.relative(spec.project.config.root, spec.moduleId))
    // Array.prototype.sort is stable: vitest's order is kept within each rank.
    return sorted.sort((a, b) => rank(a) - rank(b))
  }
}
