/**
 * The course's exercises, each run end to end on real processes the way `lab exercise
 * run` makes them (by-hand steps done by the autopilot through the run's own injector): the runs
 * show what the exercise says they must, the right answers pass, wrong answers fail with the value
 * from the run and where to see it, and the hand-in renders (HTML for every exercise, and for every
 * exercise a Korean PDF read back with pdftotext). The hand-ins are then graded as a class, with one
 * altered run and one altered answer caught. The exercises are split over test files so the two
 * test workers share them (one file of twelve was the suite's long pole: 342 s of 670): 1-6, 7-12,
 * and 13 on (issue 15's snapshot and membership scenarios).
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate'
import { afterAll, describe, expect, it } from 'vitest'
import { checkExercise, parseAnswer, type AnswerValue, type Answers, type ExerciseRuns } from '../../src-main/api/exercise/check.js'
import { measure, type MeasureValue } from '../../src-main/api/exercise/measures.js'
import { runViewOf } from '../../src-main/api/exercise/run-view.js'
import { stepsOfView } from '../../src-main/api/exercise/check.js'
import { buildHandinManifest, buildHandinZip, openHandin } from '../../src-main/api/exercise/handin.js'
import { gradeHandins, gradesCsv, type GradeInput } from '../../src-main/api/exercise/grade.js'
import type { Exercise, Question } from '../../src-main/api/exercise/schema.js'
import { loadExerciseDir, type LoadedExercise } from '../../src-main/lab/exercise/files.js'
import { runExercise } from '../../src-main/lab/exercise/run.js'
import { handinReportHtml } from '../../src-main/lab/exercise/command.js'
import { openPdfPrinter, type PdfPrinter } from '../../src-main/lab/report/pdf.js'

/** The value a measure gives in a run (for the answers that depend on the run, like a latency). */
function measured(exercise: Exercise, runs: ExerciseRuns, questionId: string): MeasureValue {
  const question = exercise.questions.find((candidate) => candidate.id === questionId)!
  const slot = exercise.runs.find((run) => run.id === (question.run ?? exercise.runs[0]!.id))!
  const view = runViewOf(runs[slot.id]!)
  const result = measure(question.check!, { view, steps: stepsOfView(slot, view) })
  if (!result.ok) throw new Error(`${exercise.id}/${questionId}: ${result.reason.en}`)
  return result.value
}

/**
 * The right answers. Where the scenario fixes the answer (A leads term 1, C wins after the
 * partition, replica 2 becomes primary), it is written here; where it is the run's own figure (a
 * latency, a failover time), it comes from the run's summary where the summary has it, else from
 * the measure.
 */
const rightAnswers: Record<string, (runs: ExerciseRuns, exercise: Exercise) => Record<string, unknown>> = {
  'split-brain': (runs, exercise) => ({ 'primaries-at-once': measured(exercise, runs, 'primaries-at-once'), 'naive-linearizable': 'no', 'naive-invariant': 'election-safety', 'raft-leaders-per-term': 1, 'raft-linearizable': 'yes', why: 'Raft needs a majority in a term.' }),
  'normal-election': () => ({ 'leader-term-1': 'A', voters: 'B, C, E', 'first-term': 1, 'why-d': 'Three of five is a majority.' }),
  'split-vote': (runs, exercise) => ({ candidates: 'A, C', 'term-1-leader': 'no', winner: measured(exercise, runs, 'winner'), 'winner-term': measured(exercise, runs, 'winner-term'), 'why-random': 'They would split again.' }),
  'follower-down': () => ({ 'x5-ok': 'yes', 'read-on-d': '5', 'd-caught-up': 'yes', majority: 'three' }),
  'conflicting-logs': (runs, exercise) => ({ 'x10-ok': 'no', 'new-leader': 'C', 'new-term': measured(exercise, runs, 'new-term'), 'truncated-nodes': measured(exercise, runs, 'truncated-nodes'), 'truncated-from': measured(exercise, runs, 'truncated-from'), 'final-x': '1', 'why-safe': 'It never committed.' }),
  'leader-crash': (runs, exercise) => ({ 'new-leader': measured(exercise, runs, 'new-leader'), 'new-term': measured(exercise, runs, 'new-term'), leaderless: `${measured(exercise, runs, 'leaderless')}ms`, lost: runs.main!.summary.lostWrites!.lost, linearizable: 'yes', 'why-nothing-lost': 'Leader completeness.' }),
  'byzantine-replicas': (runs, exercise) => ({ f: 2, ledger: 'TRANSFER $100 Alice->Bob', 'two-passed': 'yes', 'three-invariant': (measured(exercise, runs, 'three-invariant') as string[])[0], 'why-2f1': 'Quorums intersect in an honest replica.' }),
  'faulty-primary': (runs, exercise) => ({ 'new-primary': '2', 'new-view': 1, leaderless: measured(exercise, runs, 'leaderless'), linearizable: 'yes', 'why-timeout': 'Their timers expire.' }),
  'raft-not-bft': (runs) => ({ 'raft-linearizable': 'no', 'raft-lost': runs.raft!.summary.lostWrites!.lost, 'raft-new-leader': 'B', 'pbft-linearizable': 'yes', 'why-raft': 'Followers tell the truth.' }),
  multiraft: (runs) => ({ 'group-leaders': 3, throughput: runs.main!.summary.throughput, kim: 'yes', 'why-one-machine': 'Shared cores.' }),
  'service-discovery': (runs, exercise) => {
    const instance = runs.main!.summary.discovery!.instances.find((candidate) => candidate.id === 2)!
    return { gone: instance.disappearedAtMs! - instance.stoppedAtMs!, missed: 0, 'new-leader': measured(exercise, runs, 'new-leader'), passed: 'yes', 'why-ttl': 'The lease must expire.' }
  },
  'read-consistency': (runs) => ({
    'log-p50': runs.log!.summary.latencyByOperationMs.get!.p50,
    'follower-p50': runs.follower!.summary.latencyByOperationMs.get!.p50,
    stale: runs.follower!.summary.reads.stale,
    'log-linearizable': 'yes',
    'when-follower': 'When stale is fine.',
  }),
  'follower-down-snapshot': (runs) => ({ 'c-snapshot': 'yes', 'c-caught-up': 'yes', lost: runs.main!.summary.lostWrites!.lost, linearizable: 'yes', 'why-snapshot': 'The entries were compacted away.' }),
  'grow-to-5': (runs) => ({ 'final-voters': 'A, B, C, D, E', 'e-caught-up': 'yes', lost: runs.main!.summary.lostWrites!.lost, linearizable: 'yes', 'why-learner': 'It would count toward the majority before it holds the log.' }),
  'replace-crashed-node': (runs) => ({ 'final-voters': 'A, B, D', 'd-caught-up': 'yes', lost: runs.main!.summary.lostWrites!.lost, linearizable: 'yes', 'why-add-first': 'Two of two would be needed.' }),
  'remove-leader': (runs, exercise) => {
    const removed = runs.main!.summary.faults.find((fault) => fault.action.startsWith('remove node'))!.targets[0]!
    const remaining = runs.main!.experiment.cluster.nodes.filter((node) => node !== removed)
    return { 'new-leader': measured(exercise, runs, 'new-leader'), leaderless: `${measured(exercise, runs, 'leaderless')}ms`, 'final-voters': remaining.join(', '), lost: runs.main!.summary.lostWrites!.lost, linearizable: 'yes', 'why-hand-over': 'No election timeout without a leader.' }
  },
}

function parsedAnswers(exercise: Exercise, raw: Record<string, unknown>): Answers {
  const answers: Answers = {}
  for (const [id, value] of Object.entries(raw)) {
    const question = exercise.questions.find((candidate) => candidate.id === id)!
    const parsed = parseAnswer(question.answer, value, question.options)
    if (!parsed.ok) throw new Error(`${exercise.id}/${id}: ${parsed.message}`)
    answers[id] = parsed.value
  }
  return answers
}

/** An answer the run certainly contradicts, for each kind. */
function wrongAnswer(question: Question, runValue: MeasureValue, nodes: string[]): AnswerValue {
  switch (question.answer) {
    case 'boolean':
      return !runValue
    case 'node':
      return nodes.find((node) => node !== runValue)!
    case 'nodes':
      if (!Array.isArray(runValue)) return [nodes[0]!]
      return runValue.length > 1 ? runValue.slice(1) : [...runValue, nodes.find((node) => !runValue.includes(node))!]
    case 'number':
    case 'duration':
      return (runValue as number) + Math.max(1000, Math.abs(runValue as number) * 10)
    case 'choice':
      return question.options!.map((option) => option.value).find((value) => (Array.isArray(runValue) ? !runValue.includes(value) : value !== String(runValue ?? 'none')))!
    case 'text':
      throw new Error('a text answer is never wrong')
  }
}

async function handIn(loaded: LoadedExercise, runs: ExerciseRuns, answers: Answers, locale: 'en' | 'ko', student: string): Promise<{ html: string; zip: Uint8Array }> {
  const check = checkExercise(loaded.exercise, runs, answers, {})
  const content = { student, locale, labVersion: 'test', createdAt: '2026-12-06T09:00:00.000Z', exercise: loaded.exercise, exerciseText: loaded.text, predictions: {}, answers, runs, check }
  const { manifest } = await buildHandinManifest(content)
  const html = await handinReportHtml({ manifest, exercise: loaded.exercise, runs, check })
  return { html, zip: await buildHandinZip(content, { html }) }
}

/** Runs the exercises whose order is in [fromOrder, toOrder], then grades their hand-ins as a class. */
export function courseSuite(fromOrder: number, toOrder: number): void {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-course-'))
  afterAll(() => fs.rmSync(runsDir, { recursive: true, force: true }))
  // One Chromium prints every hand-in: a launch per print cost 9-13 s on a loaded machine.
  let printer: PdfPrinter | undefined
  const printPdf = async (html: string) => (printer ??= await openPdfPrinter()).print(html)
  afterAll(async () => printer?.close())

  const whole = loadExerciseDir().exercises
  const course = whole.filter((loaded) => loaded.exercise.order >= fromOrder && loaded.exercise.order <= toOrder)
  const handins: { file: string; bytes: Uint8Array }[] = []

  describe('the course, each exercise end to end on real processes', () => {
    it.each(course.map((loaded) => [loaded.exercise.order, loaded.exercise.id, loaded] as const))('exercise %i (%s): the runs show what they must, right answers pass, wrong ones fail with the run’s value', async (_order, id, loaded) => {
      const { exercise } = loaded
      const { records, summaries } = await runExercise(loaded, { runsDir })
      for (const [run, summary] of Object.entries(summaries)) expect(summary.completed, `${id}/${run}: ${summary.error}`).toBe(true)

      const answers = parsedAnswers(exercise, rightAnswers[id]!(records, exercise))
      const right = checkExercise(exercise, records, answers)
      for (const step of right.runs.flatMap((run) => run.steps)) expect(step.done, `${id}: step ${step.stepId}`).toBe(true)
      for (const must of right.musts) expect(must.ok, `${id}: ${must.text.en}: ${must.reason?.en}`).toBe(true)
      for (const question of right.questions) {
        const expected = exercise.questions.find((candidate) => candidate.id === question.questionId)!.answer === 'text' ? 'teacher' : 'right'
        expect(question.status, `${id}/${question.questionId}: answered ${JSON.stringify(question.answer)}, the run shows ${JSON.stringify(question.runValue)} ${question.reason?.en ?? ''}`).toBe(expected)
      }
      expect(right.score.earned).toBe(right.score.possible)

      // Wrong answers: each fails, with what the run showed and where to see it.
      const nodes = Object.values(records)[0]!.experiment.cluster.nodes
      const wrongs: Answers = {}
      for (const question of exercise.questions.filter((candidate) => candidate.answer !== 'text')) {
        wrongs[question.id] = wrongAnswer(question, right.questions.find((candidate) => candidate.questionId === question.id)!.runValue!, nodes)
      }
      const wrong = checkExercise(exercise, records, wrongs)
      for (const question of wrong.questions.filter((candidate) => candidate.status !== 'unanswered')) {
        const rightOne = right.questions.find((candidate) => candidate.questionId === question.questionId)!
        expect(question.status, `${id}/${question.questionId}: ${JSON.stringify(question.answer)}`).toBe('wrong')
        expect(question.runValue, `${id}/${question.questionId}`).toEqual(rightOne.runValue)
        expect(question.where?.ko, `${id}/${question.questionId}`).toMatch(/[\uac00-\ud7a3]/)
        expect(question.earned).toBe(0)
      }

      // The hand-in renders, in Korean for even exercises and English for odd ones.
      const locale = exercise.order % 2 === 0 ? 'ko' : 'en'
      const student = locale === 'ko' ? '김민준' : 'Ada Lovelace'
      const { html, zip } = await handIn(loaded, records, answers, locale, student)
      expect(html).toContain(exercise.title[locale])
      expect(html).toContain(student)
      for (const question of exercise.questions) expect(html).toContain(`data-question="${question.id}"`)
      if (locale === 'ko') expect(html).toMatch(/@font-face\{font-family:'Noto Sans KR'.*src:url\(data:font\/woff2;base64,/)
      handins.push({ file: `${student}-${id}.handin.zip`, bytes: zip })

      // Every exercise's hand-in prints as a Korean PDF whose text is text (pdftotext reads it back):
      // the frame, the answers' checks, and the evidence's invariants and chart words, not only titles.
      const koreanHtml = locale === 'ko' ? html : (await handIn(loaded, records, answers, 'ko', '김민준')).html
      const pdfFile = path.join(runsDir, `${id}.pdf`)
      fs.writeFileSync(pdfFile, await printPdf(koreanHtml))
      const text = execFileSync('pdftotext', ['-layout', pdfFile, '-'], { encoding: 'utf8' })
      expect(text).toContain('김민준')
      expect(text).toContain(exercise.title.ko)
      expect(text).toContain('답과 채점')
      expect(text).toContain('근거')
      expect(text).toContain('실험 시간')
      expect(text).toContain('선형화 가능')
      if (exercise.questions.some((question) => question.answer !== 'text')) expect(text).toContain('맞음')
    }, 240_000)
  })

  describe('grading the class', () => {
    it('grades every hand-in whole, and flags a run and an answer altered after the check', async () => {
      expect(handins.length).toBe(course.length)
      const altered = (bytes: Uint8Array, change: (files: Record<string, Uint8Array>) => void) => {
        const files = unzipSync(bytes)
        change(files)
        return zipSync(files)
      }
      const first = handins[0]!
      const runAltered = altered(first.bytes, (files) => {
        const runFile = Object.keys(files).find((name) => name.startsWith('runs/'))!
        files[runFile] = files[runFile]!.slice().fill(0, 100, 101)
      })
      const answerAltered = altered(handins[1]!.bytes, (files) => {
        const manifest = JSON.parse(strFromU8(files['handin.json']!))
        const id = Object.keys(manifest.answers)[0]!
        manifest.answers[id] = 'something else'
        files['handin.json'] = strToU8(JSON.stringify(manifest))
      })
      const inputs: GradeInput[] = []
      for (const { file, bytes } of [...handins, { file: 'run-altered.zip', bytes: runAltered }, { file: 'answer-altered.zip', bytes: answerAltered }]) inputs.push({ file, opened: await openHandin(bytes) })
      inputs.push({ file: 'not-a-handin.zip', error: 'not a hand-in: it has no handin.json' })
      const table = await gradeHandins(inputs, course.map(({ exercise, text }) => ({ exercise, text })))
      const byFile = new Map(table.rows.map((row) => [row.file, row]))
      for (const { file } of handins) expect(byFile.get(file), file).toMatchObject({ integrity: 'ok', problems: [] })
      expect(byFile.get('run-altered.zip')!.integrity).toBe('altered')
      expect(byFile.get('run-altered.zip')!.problems.map((problem) => problem.en).join('\n')).toMatch(/was altered after the answers were checked/)
      expect(byFile.get('run-altered.zip')!.problems.map((problem) => problem.ko).join('\n')).toMatch(/바뀌었습니다/)
      expect(byFile.get('answer-altered.zip')!.integrity).toBe('altered')
      expect(byFile.get('answer-altered.zip')!.problems.map((problem) => problem.en).join('\n')).toMatch(/manifest digest does not match/)
      expect(byFile.get('not-a-handin.zip')!.integrity).toBe('unreadable')
      expect(table.columns.length).toBe(course.reduce((sum, loaded) => sum + loaded.exercise.questions.length, 0))
      const csv = gradesCsv(table).trim().split('\n')
      const firstColumn = `${course[0]!.exercise.id}/${course[0]!.exercise.questions[0]!.id}`
      expect(csv[0]!.startsWith(`student,exercise,file,integrity,problems,score,possible,for the teacher,${firstColumn},`), csv[0]).toBe(true)
      expect(csv).toHaveLength(table.rows.length + 1)
      const koreanOne = course.find((loaded) => loaded.exercise.order % 2 === 0)!.exercise.id
      expect(csv.some((line) => line.startsWith(`김민준,${koreanOne},`))).toBe(true)
    })
  })
}
