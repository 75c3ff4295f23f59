/**
 * Makes an exercise's runs on real processes, one after another, with its steps done by the
 * autopilot, and reads each finished run back as the record the checks and the hand-in use.
 */
import type { RunRecord } from '../../api/run-file.js'
import type { RunSummary } from '../../api/summary.js'
import type { ExerciseRuns } from '../../api/exercise/check.js'
import { ExperimentRun } from '../runner.js'
import { loadRunDirectory } from '../report/run-directory.js'
import { StepAutopilot, type AutopilotLog } from './autopilot.js'
import type { LoadedExercise } from './files.js'

export interface ExerciseRunOptions {
  runsDir: string
  /** Only these runs of the exercise (by id); default all. */
  only?: string[]
  onRunStart?: (runId: string, experimentRunId: string) => void
  onRunEnd?: (runId: string, summary: RunSummary, steps: AutopilotLog[]) => void
  /** Called with the run while it is in progress, to interrupt it (Ctrl-C). */
  onActive?: (run: ExperimentRun | undefined) => void
}

export interface ExerciseRunResult {
  records: ExerciseRuns
  summaries: Record<string, RunSummary>
  stepLogs: Record<string, AutopilotLog[]>
}

export async function runExercise(loaded: LoadedExercise, options: ExerciseRunOptions): Promise<ExerciseRunResult> {
  const result: ExerciseRunResult = { records: {}, summaries: {}, stepLogs: {} }
  for (const run of loaded.exercise.runs) {
    if (options.only && !options.only.includes(run.id)) continue
    const { experiment, text } = loaded.experiments[run.id]!
    let autopilot: StepAutopilot | undefined
    const experimentRun = new ExperimentRun(experiment, {
      runsDir: options.runsDir,
      sourceText: text,
      onMessage: (message) => {
        if (message.kind === 'frame') autopilot?.onFrame(message)
      },
    })
    autopilot = new StepAutopilot(experimentRun, run.steps)
    options.onRunStart?.(run.id, experimentRun.id)
    options.onActive?.(experimentRun)
    const summary = await experimentRun.execute()
    options.onActive?.(undefined)
    result.summaries[run.id] = summary
    result.stepLogs[run.id] = autopilot.log
    options.onRunEnd?.(run.id, summary, autopilot.log)
    result.records[run.id] = await readRecord(summary)
  }
  return result
}

/** The finished run as a record; a run that broke before writing its files is left out (its checks say so). */
async function readRecord(summary: RunSummary): Promise<RunRecord | undefined> {
  try {
    return await loadRunDirectory(summary.runDir)
  } catch {
    return undefined
  }
}
