/**
 * `lab exercise`: the course without the app.
 *
 *   exercise list [--json] [--locale en|ko]
 *   exercise schema
 *   exercise run <id | order | file.yaml> [--answers FILE] [--answer ID=VALUE]... [--student NAME]
 *                [--handin FILE.zip] [--pdf] [--locale en|ko] [--runs-dir DIR] [--json]
 *   exercise grade <folder | hand-in.zip>... [--csv FILE] [--json] [--exercises DIR] [--locale en|ko]
 *
 * run: makes the exercise's runs on real processes (its by-hand steps done by the autopilot), checks
 * the answers (a YAML/JSON file of id: value, predictions and questions alike, and/or --answer
 * flags), prints each check, and with --handin writes the hand-in. Exit 0 when every checked answer
 * is right and every run showed what it must; 1 when an answer is wrong or a run did not show it;
 * 2 bad input; 3 a run could not complete.
 * grade: opens every hand-in, checks its digests, re-checks its answers against its own runs, and
 * prints the table of students × questions (--csv writes it). Exit 0 when every hand-in is whole,
 * 1 when any was altered or could not be read, 2 bad input.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { checkExercise, describeMeasureValue, parseAnswer, type Answers, type ExerciseCheck, type QuestionStatus } from '../../api/exercise/check.js'
import { buildHandinManifest, buildHandinZip, HandinError, handinBytesMax, openHandin } from '../../api/exercise/handin.js'
import { gradeHandins, gradesCsv, integrityKo, statusKo, type GradeInput, type GradeTable } from '../../api/exercise/grade.js'
import { buildHandinReportHtml, type ReportLocale } from '../../api/exercise/report.js'
import { exerciseJsonSchema } from '../../api/exercise/json-schema.js'
import type { Exercise, Localized } from '../../api/exercise/schema.js'
import { labVersion } from '../report/environment.js'
import { reportFontCss } from '../report/fonts.js'
import { ChromiumMissingError, htmlToPdf } from '../report/pdf.js'
import { defaultExercisesDir, findExercise, loadExerciseDir, type LoadedExercise } from './files.js'
import { runExercise } from './run.js'
import type { AutopilotLog } from './autopilot.js'
import { onStopSignal } from '../signals.js'
import type { ExperimentRun } from '../runner.js'

export interface CommandIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
}

const exitOk = 0
const exitWrong = 1
const exitBadInput = 2
const exitFailed = 3

export const exerciseUsage = `usage: lab exercise <command>
  list [--json] [--locale en|ko]     the course's exercises, in order
  schema                             the JSON Schema of the exercise format
  run <id | number | file.yaml> [--answers FILE] [--answer ID=VALUE]... [--student NAME]
      [--handin FILE.zip] [--pdf] [--locale en|ko] [--runs-dir DIR] [--json]
                                     makes the exercise's runs (steps done for you), checks the answers
  grade <folder | hand-in.zip>... [--csv FILE] [--json] [--exercises DIR] [--locale en|ko]
                                     grades hand-ins: students x questions, altered hand-ins flagged`

/** The same in Korean (`lab exercise help --locale ko`); commands and options stay as typed. */
export const exerciseUsageKo = `사용법: lab exercise <명령>
  list [--json] [--locale en|ko]     과정의 연습을 순서대로 보여 줍니다
  schema                             연습 형식의 JSON Schema
  run <id | 번호 | file.yaml> [--answers FILE] [--answer ID=VALUE]... [--student NAME]
      [--handin FILE.zip] [--pdf] [--locale en|ko] [--runs-dir DIR] [--json]
                                     연습의 실행을 만들고(손으로 하는 단계는 대신 합니다) 답을 채점합니다
  grade <folder | hand-in.zip>... [--csv FILE] [--json] [--exercises DIR] [--locale en|ko]
                                     제출물 채점: 학생 × 질문, 바뀐 제출물은 표시합니다`

export async function runExerciseCommand(args: string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = args
  switch (command) {
    case 'list':
      return listCommand(rest, io)
    case 'schema':
      io.stdout(`${JSON.stringify(exerciseJsonSchema(), null, 2)}\n`)
      return exitOk
    case 'run':
      return runCommand(rest, io)
    case 'grade':
      return gradeCommand(rest, io)
    case undefined:
    case 'help':
    case '--help':
      io.stdout(`${rest.some((arg, index) => arg === '--locale=ko' || (arg === '--locale' && rest[index + 1] === 'ko')) ? exerciseUsageKo : exerciseUsage}\n`)
      return command === undefined ? exitBadInput : exitOk
    default:
      io.stderr(`lab exercise: unknown command ${JSON.stringify(command)}\n${exerciseUsage}\n`)
      return exitBadInput
  }
}

interface Parsed {
  positional: string[]
  options: Map<string, string[]>
  flags: Set<string>
}

function parseArgs(args: string[], valued: string[], bare: string[]): Parsed | string {
  const parsed: Parsed = { positional: [], options: new Map(), flags: new Set() }
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!
    if (!arg.startsWith('--')) {
      parsed.positional.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = eq > 0 ? arg.slice(0, eq) : arg
    if (bare.includes(name)) parsed.flags.add(name)
    else if (valued.includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : args[++index]
      if (value === undefined || value === '') return `${name} needs a value`
      parsed.options.set(name, [...(parsed.options.get(name) ?? []), value])
    } else return `unknown option ${name}`
  }
  return parsed
}

/** `--locale en|ko` (default en), or a message for any other value. */
function localeOf(parsed: Parsed): ReportLocale | string {
  const locale = parsed.options.get('--locale')?.[0] ?? 'en'
  return locale === 'en' || locale === 'ko' ? locale : `--locale expects en or ko, got ${JSON.stringify(locale)}`
}

function listCommand(args: string[], io: CommandIo): number {
  const parsed = parseArgs(args, ['--dir', '--locale'], ['--json'])
  if (typeof parsed === 'string') return fail(io, parsed)
  const locale = localeOf(parsed)
  if (locale !== 'en' && locale !== 'ko') return fail(io, locale)
  const { exercises, problems } = loadExerciseDir(parsed.options.get('--dir')?.[0] ?? defaultExercisesDir(), undefined, locale)
  if (parsed.flags.has('--json')) {
    io.stdout(`${JSON.stringify(exercises.map(({ exercise, file }) => ({ id: exercise.id, order: exercise.order, scenario: exercise.scenario, title: exercise.title, runs: exercise.runs.map((run) => run.experiment), questions: exercise.questions.length, file })), null, 2)}\n`)
  } else io.stdout(formatExerciseList(exercises.map(({ exercise }) => exercise), locale))
  for (const problem of problems) io.stderr(`${problem}\n`)
  return problems.length > 0 ? exitBadInput : exitOk
}

/** The course one exercise a line: English names both titles (as it always has), Korean its own. */
export function formatExerciseList(exercises: readonly Exercise[], locale: ReportLocale): string {
  return exercises
    .map((exercise) => {
      const steps = exercise.runs.reduce((sum, run) => sum + run.steps.length, 0)
      const runs = exercise.runs.length
      const questions = exercise.questions.length
      const head = `${String(exercise.order).padStart(2)}  ${exercise.id.padEnd(20)} `
      if (locale === 'ko') return `${head}${exercise.title.ko}  (실행 ${runs}개, 질문 ${questions}개${steps > 0 ? `, 손으로 하는 단계 ${steps}개` : ''})\n`
      return `${head}${exercise.title.en} / ${exercise.title.ko}  (${runs} run${runs > 1 ? 's' : ''}, ${questions} questions${steps > 0 ? `, ${steps} by hand` : ''})\n`
    })
    .join('')
}

/** Answers from a file (id: value) and --answer flags, each parsed for its question's kind. */
function collectAnswers(exercise: Exercise, parsed: Parsed): { answers: Answers; predictions: Answers } | string {
  const raw: Record<string, unknown> = {}
  for (const file of parsed.options.get('--answers') ?? []) {
    let value: unknown
    try {
      value = parseYaml(fs.readFileSync(file, 'utf8'))
    } catch (error) {
      return `${file}: cannot read the answers (${(error as Error).message.split('\n')[0]})`
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return `${file}: expected answers as id: value lines`
    Object.assign(raw, value)
  }
  for (const flag of parsed.options.get('--answer') ?? []) {
    const eq = flag.indexOf('=')
    if (eq <= 0) return `--answer expects ID=VALUE, got ${JSON.stringify(flag)}`
    raw[flag.slice(0, eq)] = flag.slice(eq + 1)
  }
  const answers: Answers = {}
  const predictions: Answers = {}
  for (const [id, value] of Object.entries(raw)) {
    const question = exercise.questions.find((candidate) => candidate.id === id)
    const prediction = exercise.predict.find((candidate) => candidate.id === id)
    const target = question ?? prediction
    if (target === undefined) return `unknown question ${id}: expected one of ${[...exercise.predict, ...exercise.questions].map((candidate) => candidate.id).join(', ')}`
    const answer = parseAnswer(target.answer, value, target.options)
    if (!answer.ok) return `${id}: ${answer.message}`
    if (question) answers[id] = answer.value
    else predictions[id] = answer.value
  }
  return { answers, predictions }
}

async function runCommand(args: string[], io: CommandIo): Promise<number> {
  const parsed = parseArgs(args, ['--answers', '--answer', '--student', '--handin', '--locale', '--runs-dir', '--exercises'], ['--json', '--pdf'])
  if (typeof parsed === 'string') return fail(io, parsed)
  if (parsed.positional.length !== 1) return fail(io, `exercise run needs exactly one exercise (an id, its number, or a file)\n${exerciseUsage}`)
  const locale = (parsed.options.get('--locale')?.[0] ?? 'en') as ReportLocale
  if (locale !== 'en' && locale !== 'ko') return fail(io, `--locale expects en or ko, got ${JSON.stringify(locale)}`)
  // The exercise's file refusals and errors, and its experiments', in the chosen language too.
  const found = findExercise(parsed.positional[0]!, parsed.options.get('--exercises')?.[0] ?? defaultExercisesDir(), undefined, locale)
  if (!found.ok) return fail(io, found.message)
  const { loaded } = found
  const collected = collectAnswers(loaded.exercise, parsed)
  if (typeof collected === 'string') return fail(io, collected)
  const handin = parsed.options.get('--handin')?.[0]
  if (handin !== undefined && !handin.endsWith('.zip')) return fail(io, `--handin expects a .zip file name, got ${handin}`)
  const student = parsed.options.get('--student')?.[0] ?? ''
  if (handin !== undefined && student.trim() === '') return fail(io, 'a hand-in needs --student NAME')
  const runsDir = path.resolve(parsed.options.get('--runs-dir')?.[0] ?? 'runs')
  const progress = formatRunProgress(locale)
  let active: ExperimentRun | undefined
  const removeSignals = onStopSignal((signal) => active?.interrupt(`interrupted by ${signal}`))
  const result = await runExercise(loaded, {
    runsDir,
    onActive: (run) => (active = run),
    onRunStart: (run, runId) => io.stderr(progress.runStart(run, loaded.exercise.runs.find((candidate) => candidate.id === run)?.experiment ?? '', runId)),
    onRunEnd: (run, summary, steps) => {
      for (const step of steps) io.stderr(progress.step(step))
      io.stderr(progress.runEnd(summary.completed, summary.error, summary.runDir))
    },
  })
  removeSignals()
  const incomplete = Object.entries(result.summaries).filter(([, summary]) => !summary.completed)
  const check = checkExercise(loaded.exercise, result.records, collected.answers, collected.predictions)
  if (parsed.flags.has('--json')) io.stdout(`${JSON.stringify(check, null, 2)}\n`)
  else io.stdout(formatCheck(loaded.exercise, check, locale))
  if (handin !== undefined) {
    const written = await writeHandin(handin, loaded, result.records, collected, check, { student, locale, pdf: parsed.flags.has('--pdf') })
    if (written !== undefined) return fail(io, written, exitFailed)
    io.stderr(progress.wrote(handin))
  }
  if (incomplete.length > 0) return exitFailed
  const wrong = check.questions.some((question) => question.status === 'wrong' || question.status === 'unknown') || check.musts.some((must) => !must.ok)
  return wrong ? exitWrong : exitOk
}

/** The words of the CLI's check and progress lines; the exercise's own texts come localized from its file. */
const cliWords = {
  predicted: { en: 'predicted', ko: '예측' },
  happened: { en: 'happened', ko: '실제' },
  close: { en: 'close', ko: '근접' },
  off: { en: 'off', ko: '벗어남' },
  runShows: { en: 'the run shows', ko: '실행 결과' },
  shown: { en: 'shown', ko: '보임' },
  notShown: { en: 'NOT SHOWN', ko: '보이지 않음' },
  score: { en: 'score', ko: '점수' },
  forTeacher: { en: 'for the teacher', ko: '교사 채점' },
  /** English keeps the status names scripts read; Korean says them as the hand-in report does. */
  status: {
    right: { en: 'right', ko: '맞음' },
    wrong: { en: 'wrong', ko: '틀림' },
    teacher: { en: 'teacher', ko: '교사 채점' },
    unknown: { en: 'unknown', ko: '판단 불가' },
    unanswered: { en: 'unanswered', ko: '답 없음' },
  } satisfies Record<QuestionStatus, Localized>,
  run: { en: 'run', ko: '실행' },
  step: { en: 'step', ko: '단계' },
  done: { en: 'done', ko: '완료' },
  notDone: { en: 'not done', ko: '하지 못함' },
  completed: { en: 'completed', ko: '실행 완료' },
  notCompleted: { en: 'did not complete', ko: '실행이 끝까지 가지 못함' },
  wrote: { en: 'wrote', ko: '저장함:' },
} as const

/** Display width: a Hangul syllable takes two terminal columns. */
const columnsOf = (text: string): number => [...text].reduce((sum, char) => sum + (/[\uac00-\ud7a3]/.test(char) ? 2 : 1), 0)
const padColumns = (text: string, columns: number): string => text + ' '.repeat(Math.max(0, columns - columnsOf(text)))

export function formatCheck(exercise: Exercise, check: ExerciseCheck, locale: ReportLocale): string {
  const w = (text: Localized): string => text[locale]
  const lines = [`${exercise.order}. ${exercise.title[locale]}`]
  for (const prediction of check.predictions) {
    const happened = prediction.runValue !== undefined ? describeMeasureValue(prediction.runValue) : (prediction.reason?.[locale] ?? '—')
    const closeness = prediction.close === undefined ? '' : ` (${w(prediction.close ? cliWords.close : cliWords.off)})`
    lines.push(`  ${w(cliWords.predicted)} ${prediction.predictionId}: ${describeMeasureValue(prediction.answer)}; ${w(cliWords.happened)}: ${happened}${closeness}`)
  }
  for (const question of check.questions) {
    const detail =
      question.status === 'wrong'
        ? ` — ${w(cliWords.runShows)} ${describeMeasureValue(question.runValue)} (${question.where?.[locale] ?? ''})`
        : question.status === 'unknown'
          ? ` — ${question.reason?.[locale] ?? ''}`
          : ''
    lines.push(`  ${padColumns(w(cliWords.status[question.status]), 10)} ${question.questionId}: ${describeMeasureValue(question.answer)}${detail}`)
  }
  for (const must of check.musts) {
    lines.push(`  ${padColumns(w(must.ok ? cliWords.shown : cliWords.notShown), 9)}  ${must.text[locale]}${must.ok || !must.reason ? '' : ` — ${must.reason[locale]}`}`)
  }
  const teacher = check.score.teacher > 0 ? (locale === 'ko' ? `, ${w(cliWords.forTeacher)} ${check.score.teacher}` : `, ${check.score.teacher} for the teacher`) : ''
  lines.push(`  ${w(cliWords.score)} ${check.score.earned} / ${check.score.possible}${teacher}`)
  return `${lines.join('\n')}\n`
}

/** The progress lines `exercise run` prints on stderr while the runs are made. */
export function formatRunProgress(locale: ReportLocale) {
  const w = (text: Localized): string => text[locale]
  const seconds = (ms: number): string => (locale === 'ko' ? `${(ms / 1000).toFixed(2)}초` : `${(ms / 1000).toFixed(2)} s`)
  return {
    runStart: (run: string, experiment: string, runId: string): string => `${w(cliWords.run)} ${run}: ${experiment} (${runId})\n`,
    step: (step: AutopilotLog): string => {
      const outcome = step.ok ? `${w(cliWords.done)} (${step.targets.join(', ')})` : `${w(cliWords.notDone)}${step.error ? `: ${step.error}` : ''}`
      return locale === 'ko' ? `  ${w(cliWords.step)} ${step.stepId}, ${seconds(step.atMs)}: ${outcome}\n` : `  step ${step.stepId} at ${seconds(step.atMs)}: ${outcome}\n`
    },
    runEnd: (completed: boolean, error: string | undefined, runDir: string): string => `  ${completed ? w(cliWords.completed) : `${w(cliWords.notCompleted)}: ${error}`} (${runDir})\n`,
    wrote: (file: string): string => `${w(cliWords.wrote)} ${file}\n`,
  }
}

async function writeHandin(
  file: string,
  loaded: LoadedExercise,
  runs: Parameters<typeof checkExercise>[1],
  collected: { answers: Answers; predictions: Answers },
  check: ExerciseCheck,
  options: { student: string; locale: ReportLocale; pdf: boolean },
): Promise<string | undefined> {
  const content = {
    student: options.student,
    locale: options.locale,
    labVersion: labVersion(),
    createdAt: new Date().toISOString(),
    exercise: loaded.exercise,
    exerciseText: loaded.text,
    predictions: collected.predictions,
    answers: collected.answers,
    runs,
    check,
  }
  const { manifest } = await buildHandinManifest(content)
  const html = await handinReportHtml({ manifest, exercise: loaded.exercise, runs, check })
  let pdf: Uint8Array | undefined
  if (options.pdf) {
    try {
      pdf = await htmlToPdf(html)
    } catch (error) {
      return error instanceof ChromiumMissingError ? error.message : `Chromium could not print the report: ${(error as Error).message.split('\n')[0]}`
    }
  }
  try {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
    fs.writeFileSync(file, await buildHandinZip(content, { html, pdf }))
  } catch (error) {
    return `cannot write ${file}: ${(error as Error).message}`
  }
  return undefined
}

/** The report with the font its text needs embedded. */
export async function handinReportHtml(input: Omit<Parameters<typeof buildHandinReportHtml>[0], 'fontCss'>): Promise<string> {
  const draft = buildHandinReportHtml({ ...input, fontCss: '' })
  return buildHandinReportHtml({ ...input, fontCss: await reportFontCss(draft) })
}

async function gradeCommand(args: string[], io: CommandIo): Promise<number> {
  const parsed = parseArgs(args, ['--csv', '--exercises', '--locale'], ['--json'])
  if (typeof parsed === 'string') return fail(io, parsed)
  const locale = localeOf(parsed)
  if (locale !== 'en' && locale !== 'ko') return fail(io, locale)
  if (parsed.positional.length === 0) return fail(io, `exercise grade needs a folder of hand-ins or hand-in files\n${exerciseUsage}`)
  const files: string[] = []
  for (const target of parsed.positional) {
    const info = fs.statSync(target, { throwIfNoEntry: false })
    if (info === undefined) return fail(io, `${target}: no such file or folder`)
    if (info.isDirectory()) files.push(...fs.readdirSync(target).filter((name) => name.endsWith('.zip')).sort().map((name) => path.join(target, name)))
    else files.push(target)
  }
  if (files.length === 0) return fail(io, `no .zip hand-ins in ${parsed.positional.join(', ')}`)
  const inputs: GradeInput[] = []
  for (const file of files) {
    try {
      if (fs.statSync(file).size > handinBytesMax) throw new HandinError('too large for a hand-in')
      inputs.push({ file: path.basename(file), opened: await openHandin(new Uint8Array(fs.readFileSync(file))) })
    } catch (error) {
      if (!(error instanceof HandinError)) throw error
      inputs.push({ file: path.basename(file), error: error.message })
    }
  }
  const course = loadExerciseDir(parsed.options.get('--exercises')?.[0] ?? defaultExercisesDir()).exercises.map(({ exercise, text }) => ({ exercise, text }))
  const table = await gradeHandins(inputs, course)
  const csvFile = parsed.options.get('--csv')?.[0]
  if (csvFile !== undefined) {
    try {
      fs.writeFileSync(csvFile, gradesCsv(table, locale))
    } catch (error) {
      return fail(io, `cannot write ${csvFile}: ${(error as Error).message}`, exitFailed)
    }
    io.stderr(formatRunProgress(locale).wrote(csvFile))
  }
  io.stdout(parsed.flags.has('--json') ? `${JSON.stringify(table, null, 2)}\n` : formatGradeTable(table, locale))
  return table.rows.some((row) => row.integrity !== 'ok') ? exitWrong : exitOk
}

/** One line a hand-in, then what was altered and what is worth a look, in the reader's language. */
export function formatGradeTable(table: GradeTable, locale: ReportLocale): string {
  const ko = locale === 'ko'
  const lines: string[] = []
  for (const row of table.rows) {
    const statuses = Object.entries(row.statuses).map(([question, status]) => `${question}=${ko ? statusKo[status] : status}`).join(' ')
    const integrity = ko ? integrityKo[row.integrity] : row.integrity.toUpperCase()
    const teacher = row.teacher > 0 ? (ko ? ` +교사 채점 ${row.teacher}` : ` +${row.teacher} for the teacher`) : ''
    lines.push(`${row.student || '?'}  ${row.exerciseId}  ${integrity}  ${row.earned}/${row.possible}${teacher}  ${statuses}  (${row.file})`)
    for (const problem of row.problems) lines.push(`    ${ko ? '변경됨' : 'altered'}: ${problem[locale]}`)
    for (const note of row.notes) lines.push(`    ${ko ? '참고' : 'note'}: ${note[locale]}`)
  }
  return `${lines.join('\n')}\n`
}

function fail(io: CommandIo, message: string, code = exitBadInput): number {
  io.stderr(`lab exercise: ${message}\n`)
  return code
}
