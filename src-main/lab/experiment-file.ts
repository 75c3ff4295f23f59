/**
 * Reads an experiment file from disk and validates it; errors name the file and the field, fit on
 * one line, and never echo the file back. The file is looked at before it is read: a FIFO would
 * block the read forever and a 50 MB binary would be parsed as YAML for seconds.
 */
import fs from 'node:fs'
import { formatFieldErrors, validateExperimentText, type ValidationLocale } from '../api/validate.js'
import { experimentTextCharsMax } from '../api/lab-api.js'
import type { Experiment } from '../api/experiment.js'

export type LoadedExperiment = { ok: true; experiment: Experiment; text: string } | { ok: false; message: string }

/** UTF-8 takes at most 3 bytes per UTF-16 code unit, so no file above this fits the API's limit. */
export const experimentFileBytesMax = 3 * experimentTextCharsMax

const expected = 'expected an experiment file (YAML or JSON)'

/** `locale`: the language of the validation errors (the file's own problems, unreadable and so on, stay English). */
export function loadExperimentFile(file: string, locale: ValidationLocale = 'en'): LoadedExperiment {
  const refuse = (why: string): LoadedExperiment => ({ ok: false, message: `${file}: ${why}` })
  let bytes: Buffer
  try {
    const info = fs.statSync(file)
    if (info.isDirectory()) return refuse(`is a directory: ${expected}`)
    if (!info.isFile()) return refuse(`not a regular file: ${expected}`)
    if (info.size > experimentFileBytesMax) {
      return refuse(`${megabytes(info.size)} is too large: ${expected} of at most ${experimentTextCharsMax.toLocaleString('en-US')} characters`)
    }
    bytes = fs.readFileSync(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return refuse(`cannot read the experiment file (${code === 'ENOENT' ? 'no such file' : (code ?? (error as Error).message)})`)
  }
  const text = utf8Text(bytes)
  if (text === undefined) return refuse(`not a text file: ${expected}`)
  const result = validateExperimentText(text)
  if (!result.ok) return { ok: false, message: formatFieldErrors(result.errors, file, locale) }
  return { ok: true, experiment: result.experiment, text }
}

/** The file as text, or undefined when it is not UTF-8 text (invalid sequences, NUL bytes). */
function utf8Text(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return undefined
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`
}
