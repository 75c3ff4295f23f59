/** Reads an experiment file from disk and validates it; errors name the file and the field. */
import fs from 'node:fs'
import { formatFieldErrors, validateExperimentText } from '../api/validate.js'
import type { Experiment } from '../api/experiment.js'

export type LoadedExperiment = { ok: true; experiment: Experiment; text: string } | { ok: false; message: string }

export function loadExperimentFile(file: string): LoadedExperiment {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return { ok: false, message: `${file}: cannot read the experiment file (${code === 'ENOENT' ? 'no such file' : code ?? (error as Error).message})` }
  }
  const result = validateExperimentText(text)
  if (!result.ok) return { ok: false, message: formatFieldErrors(result.errors, file) }
  return { ok: true, experiment: result.experiment, text }
}
