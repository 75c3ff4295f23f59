/**
 * Reads an experiment file from disk and validates it; errors name the file and the field, fit on
 * one line, never echo the file back, and speak the reader's language (en, ko). The exercise and
 * sweep files are read the same way (readTextFile).
 */
import fs from 'node:fs'
import { formatFieldErrors, validateExperimentText, type ValidationLocale } from '../api/validate.js'
import { fieldErrorText, type ErrorParams } from '../api/validation-text.js'
import { exerciseTextCharsMax } from '../api/exercise/validate.js'
import { experimentTextCharsMax } from '../api/lab-api.js'
import type { Experiment } from '../api/experiment.js'

export type LoadedExperiment = { ok: true; experiment: Experiment; text: string } | { ok: false; message: string }

/** UTF-8 takes at most 3 bytes per UTF-16 code unit, so no file above this fits the API's limit. */
export const experimentFileBytesMax = 3 * experimentTextCharsMax

/** The kinds of text file the lab reads, what each is called, and its bound in characters. */
export const textFileKinds = {
  experiment: { expected: 'an experiment file (YAML or JSON)', charsMax: experimentTextCharsMax },
  exercise: { expected: 'an exercise file (YAML)', charsMax: exerciseTextCharsMax },
  sweep: { expected: 'a sweep file (YAML or JSON)', charsMax: experimentTextCharsMax },
} as const
export type TextFileKind = keyof typeof textFileKinds

/** A file the lab would not read: English `message`, and a code for the reader's language. */
export interface FileRefusal {
  message: string
  code: 'notAFile' | 'fileTooLarge' | 'fileUnreadable'
  params: ErrorParams
}

/**
 * A text file of one kind, looked at before it is read (a FIFO would block the read forever; a
 * 50 MB binary would be parsed as YAML for seconds), or why not. UTF-8 takes at most 3 bytes per
 * UTF-16 code unit, so no file above 3 bytes a character fits the kind's bound.
 */
export function readTextFile(file: string, kind: TextFileKind): { ok: true; text: string } | { ok: false; refusal: FileRefusal } {
  const { expected, charsMax } = textFileKinds[kind]
  const notAFile = (problem: 'directory' | 'not-regular' | 'not-text', why: string) => ({ ok: false as const, refusal: { message: `${why}: expected ${expected}`, code: 'notAFile' as const, params: { kind, problem } } })
  let bytes: Buffer
  try {
    const info = fs.statSync(file)
    if (info.isDirectory()) return notAFile('directory', 'is a directory')
    if (!info.isFile()) return notAFile('not-regular', 'not a regular file')
    if (info.size > 3 * charsMax) {
      const max = charsMax.toLocaleString('en-US')
      return { ok: false, refusal: { message: `${megabytes(info.size)} is too large: expected ${expected} of at most ${max} characters`, code: 'fileTooLarge', params: { kind, size: megabytes(info.size), max } } }
    }
    bytes = fs.readFileSync(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason = code ?? (error as Error).message
    return { ok: false, refusal: { message: `cannot read the ${kind} file (${code === 'ENOENT' ? 'no such file' : reason})`, code: 'fileUnreadable', params: { kind, reason } } }
  }
  const text = utf8Text(bytes)
  if (text === undefined) return notAFile('not-text', 'not a text file')
  return { ok: true, text }
}

/** A refusal as the CLI prints it: the file, then why, in the reader's language. */
export function formatFileRefusal(file: string, refusal: FileRefusal, locale: ValidationLocale = 'en'): string {
  return `${file}: ${fieldErrorText({ path: '', ...refusal }, locale)}`
}

/** `locale`: the language of the refusal and of the validation errors. */
export function loadExperimentFile(file: string, locale: ValidationLocale = 'en'): LoadedExperiment {
  const read = readTextFile(file, 'experiment')
  if (!read.ok) return { ok: false, message: formatFileRefusal(file, read.refusal, locale) }
  const text = read.text
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
