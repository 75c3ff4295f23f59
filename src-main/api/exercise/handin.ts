/**
 * The hand-in: one .zip a student gives the teacher. It holds
 *   handin.json     the manifest: student, exercise, predictions, answers, the checks, the runs'
 *                   digests, and a digest over all of that
 *   exercise.yaml   the exercise as the student had it
 *   report.html     the report (self-contained, Korean font embedded), and report.pdf when printed
 *   runs/<id>.ndjson.gz  each run as a run file, which the lab's Runs page imports as it is
 *
 * The digests are SHA-256. A run file changed after the answers were checked no longer matches its
 * digest; answers or checks changed no longer match the manifest's digest; and the grader checks the
 * answers again against the runs, so checks that do not follow from the runs show too. Without a key
 * a digest cannot stop someone who recomputes it on purpose: it catches a run or an answer edited by
 * hand, and the re-check catches recomputed digests over runs that do not say what the checks say.
 */
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate'
import { z } from 'zod'
import { decodeRunFile, encodeRunFile, type RunRecord } from '../run-file.js'
import type { Answers, ExerciseCheck, ExerciseRuns } from './check.js'
import type { Exercise, Localized } from './schema.js'

export const handinFormat = 'consensus-lab-handin'
export const handinVersion = 1
/** A hand-in larger than this is refused before it is unpacked (runs are bounded far below). */
export const handinBytesMax = 256 * 1024 * 1024
export const studentNameCharsMax = 120

export interface HandinRunEntry {
  run: string
  runId: string
  file: string
  digest: string
}

export interface HandinManifest {
  format: typeof handinFormat
  version: typeof handinVersion
  student: string
  createdAt: string
  locale: 'en' | 'ko'
  labVersion: string
  exercise: { id: string; order: number; title: Localized; digest: string }
  predictions: Answers
  answers: Answers
  runs: HandinRunEntry[]
  check: ExerciseCheck
  /** SHA-256 over the canonical JSON of everything above but createdAt, locale and labVersion. */
  digest: string
}

export interface HandinContent {
  student: string
  locale: 'en' | 'ko'
  labVersion: string
  createdAt: string
  exercise: Exercise
  exerciseText: string
  predictions: Answers
  answers: Answers
  runs: ExerciseRuns
  check: ExerciseCheck
}

export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes
  const digest = await globalThis.crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>)
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('')
}

/** JSON with object keys sorted, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, part]) => part !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([key, part]) => `${JSON.stringify(key)}:${canonicalJson(part)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** What the manifest digest covers. */
function digestedPart(manifest: Omit<HandinManifest, 'digest'>): unknown {
  return { student: manifest.student, exercise: manifest.exercise, predictions: manifest.predictions, answers: manifest.answers, runs: manifest.runs, check: manifest.check }
}

export function runFileName(runId: string): string {
  return `runs/${runId.replace(/[^A-Za-z0-9._-]/g, '_')}.ndjson.gz`
}

/** The manifest and the run files of a hand-in (the report is added by buildHandinZip). */
export async function buildHandinManifest(content: HandinContent): Promise<{ manifest: HandinManifest; runFiles: Record<string, Uint8Array> }> {
  const runFiles: Record<string, Uint8Array> = {}
  const runs: HandinRunEntry[] = []
  for (const run of content.exercise.runs) {
    const record = content.runs[run.id]
    if (record === undefined) continue
    const bytes = await encodeRunFile(record, 'ndjson.gz')
    const file = runFileName(record.summary.runId)
    runFiles[file] = bytes
    runs.push({ run: run.id, runId: record.summary.runId, file, digest: await sha256Hex(bytes) })
  }
  const { exercise } = content
  const unsigned: Omit<HandinManifest, 'digest'> = {
    format: handinFormat,
    version: handinVersion,
    student: content.student.trim().slice(0, studentNameCharsMax),
    createdAt: content.createdAt,
    locale: content.locale,
    labVersion: content.labVersion,
    exercise: { id: exercise.id, order: exercise.order, title: exercise.title, digest: await sha256Hex(content.exerciseText) },
    predictions: content.predictions,
    answers: content.answers,
    runs,
    check: content.check,
  }
  return { manifest: { ...unsigned, digest: await sha256Hex(canonicalJson(digestedPart(unsigned))) }, runFiles }
}

export async function buildHandinZip(content: HandinContent, report: { html: string; pdf?: Uint8Array }): Promise<Uint8Array> {
  const { manifest, runFiles } = await buildHandinManifest(content)
  // Run files and the PDF are compressed already: stored as they are.
  const files: Zippable = {
    'handin.json': strToU8(`${JSON.stringify(manifest, null, 2)}\n`),
    'exercise.yaml': strToU8(content.exerciseText),
    'report.html': strToU8(report.html),
  }
  if (report.pdf) files['report.pdf'] = [report.pdf, { level: 0 }]
  for (const [file, bytes] of Object.entries(runFiles)) files[file] = [bytes, { level: 0 }]
  return zipSync(files, { level: 6, mtime: new Date(content.createdAt) })
}

/** A sensible file name: "kim-minjun-06-leader-crash.handin.zip" (Hangul kept). */
export function handinFileName(student: string, exercise: Pick<Exercise, 'id' | 'order'>): string {
  const name = student.trim().toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '') || 'student'
  return `${name}-${String(exercise.order).padStart(2, '0')}-${exercise.id}.handin.zip`
}

const answerValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])
const manifestSchema = z.looseObject({
  format: z.literal(handinFormat),
  version: z.literal(handinVersion),
  student: z.string(),
  createdAt: z.string(),
  locale: z.enum(['en', 'ko']),
  labVersion: z.string(),
  exercise: z.looseObject({ id: z.string(), order: z.number(), title: z.looseObject({ en: z.string(), ko: z.string() }), digest: z.string() }),
  predictions: z.record(z.string(), answerValue),
  answers: z.record(z.string(), answerValue),
  runs: z.array(z.looseObject({ run: z.string(), runId: z.string(), file: z.string(), digest: z.string() })),
  check: z.looseObject({ exerciseId: z.string(), questions: z.array(z.looseObject({ questionId: z.string(), status: z.string() })) }),
  digest: z.string(),
})

export class HandinError extends Error {
  override name = 'HandinError'
}

export interface OpenedHandin {
  manifest: HandinManifest
  exerciseText: string
  /** The runs by the exercise's run ids; a run whose file is missing or unreadable is absent. */
  runs: Record<string, RunRecord>
  /** What does not add up: a run file or the answers changed since they were checked. Empty when whole. */
  problems: Localized[]
}

/** Opens a hand-in and checks its digests; a file that is no hand-in at all throws HandinError. */
export async function openHandin(bytes: Uint8Array): Promise<OpenedHandin> {
  if (bytes.byteLength > handinBytesMax) throw new HandinError(`too large for a hand-in (${bytes.byteLength} bytes)`)
  let files: Record<string, Uint8Array>
  try {
    files = unzipSync(bytes)
  } catch (error) {
    throw new HandinError(`not a hand-in: not a zip file (${(error as Error).message})`)
  }
  const manifestBytes = files['handin.json']
  if (manifestBytes === undefined) throw new HandinError('not a hand-in: it has no handin.json')
  let parsed: unknown
  try {
    parsed = JSON.parse(strFromU8(manifestBytes))
  } catch {
    throw new HandinError('handin.json is not JSON')
  }
  const checked = manifestSchema.safeParse(parsed)
  if (!checked.success) throw new HandinError(`handin.json is not a hand-in manifest: ${checked.error.issues[0]?.path.join('.') ?? ''} ${checked.error.issues[0]?.message ?? ''}`.trim())
  const manifest = checked.data as unknown as HandinManifest
  const problems: Localized[] = []
  const exerciseText = files['exercise.yaml'] ? strFromU8(files['exercise.yaml']) : ''
  if ((await sha256Hex(exerciseText)) !== manifest.exercise.digest) problems.push({ en: 'exercise.yaml was changed after the answers were checked', ko: '답을 채점한 뒤 exercise.yaml이 바뀌었습니다' })
  const { digest, ...unsigned } = manifest
  if ((await sha256Hex(canonicalJson(digestedPart(unsigned)))) !== digest) problems.push({ en: 'the answers or their checks were changed after they were checked (the manifest digest does not match)', ko: '채점한 뒤 답이나 채점 결과가 바뀌었습니다(매니페스트의 다이제스트가 맞지 않습니다)' })
  const runs: Record<string, RunRecord> = {}
  for (const entry of manifest.runs) {
    const file = files[entry.file]
    if (file === undefined) {
      problems.push({ en: `run ${entry.run} (${entry.runId}) is missing from the hand-in`, ko: `제출물에 실행 ${entry.run}(${entry.runId})이 없습니다` })
      continue
    }
    if ((await sha256Hex(file)) !== entry.digest) problems.push({ en: `run ${entry.run} (${entry.runId}) was altered after the answers were checked (its digest does not match)`, ko: `답을 채점한 뒤 실행 ${entry.run}(${entry.runId})이 바뀌었습니다(다이제스트가 맞지 않습니다)` })
    try {
      runs[entry.run] = await decodeRunFile(file)
    } catch (error) {
      const why = (error as Error).message
      problems.push({ en: `run ${entry.run} (${entry.runId}) cannot be read: ${why}`, ko: `실행 ${entry.run}(${entry.runId})을 읽을 수 없습니다: ${why}` })
    }
  }
  return { manifest, exerciseText, runs, problems }
}
