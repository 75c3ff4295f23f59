/**
 * The hand-in report: one self-contained HTML page (the Korean font embedded, no scripts, no
 * network), printable to PDF as it is. Student and exercise, predictions beside what happened, each
 * answer with its check (the run's value and where to see it when wrong), what the runs had to show,
 * the steps done, and each run's evidence: verdict, charts, and the log grid where the lab draws one.
 */
import type { RunRecord } from '../run-file.js'
import { verdictWord, type VerdictWord } from '../report/analysis.js'
import { commitIndexChartOption, latencyChartOption, throughputChartOption } from '../report/charts.js'
import { escapeHtml as esc } from '../report/format.js'
import { invariantTitle } from '../report/invariant-text.js'
import { renderChartSvg } from '../report/svg.js'
import { describeMeasureValue, type AnswerValue, type ExerciseCheck, type QuestionStatus } from './check.js'
import type { HandinManifest } from './handin.js'
import type { Exercise, Localized } from './schema.js'
import { sayInvariantDetail, sayVerdictWitness } from '../checker-text.js'

export type ReportLocale = 'en' | 'ko'

export interface HandinReportInput {
  manifest: Omit<HandinManifest, 'digest'> & { digest?: string }
  exercise: Exercise
  runs: Record<string, RunRecord | undefined>
  check: ExerciseCheck
  /** @font-face rules embedding the Korean font (reportFontCss / the app's fonts), or '' without. */
  fontCss: string
  /**
   * The log grid of a run (entries by term, commit index, truncated entries struck through) as
   * inline SVG or HTML, when the lab can draw one: the seam for the trace viewer's grid.
   */
  renderLogGrid?: (record: RunRecord) => string | undefined
}

const words = {
  kicker: { en: 'Consensus Lab · hand-in', ko: 'Consensus Lab · 제출물' },
  student: { en: 'Student', ko: '학생' },
  exercise: { en: 'Exercise', ko: '연습' },
  made: { en: 'Made', ko: '작성' },
  digest: { en: 'Digest (SHA-256)', ko: '다이제스트(SHA-256)' },
  goal: { en: 'Goal', ko: '목표' },
  background: { en: 'Background', ko: '배경' },
  runs: { en: 'Runs', ko: '실행' },
  run: { en: 'Run', ko: '실행' },
  experiment: { en: 'Experiment', ko: '실험' },
  verdict: { en: 'Verdict', ko: '판정' },
  steps: { en: 'Steps done', ko: '한 단계' },
  predictions: { en: 'Predictions and what happened', ko: '예측과 실제 결과' },
  question: { en: 'Question', ko: '질문' },
  predicted: { en: 'Predicted', ko: '예측' },
  happened: { en: 'What happened', ko: '실제' },
  close: { en: 'Close?', ko: '근접?' },
  answers: { en: 'Answers and checks', ko: '답과 채점' },
  answer: { en: 'Answer', ko: '답' },
  check: { en: 'Check', ko: '채점' },
  runValue: { en: 'The run shows', ko: '실행 결과' },
  where: { en: 'Where to see it', ko: '확인할 곳' },
  score: { en: 'Score', ko: '점수' },
  teacherCount: { en: 'left for the teacher', ko: '교사 채점' },
  must: { en: 'What the runs had to show', ko: '실행이 보여야 했던 것' },
  evidence: { en: 'Evidence', ko: '근거' },
  linearizable: { en: 'Linearizable', ko: '선형화 가능' },
  invariants: { en: 'Invariants', ko: '불변식' },
  throughput: { en: 'Throughput', ko: '처리량' },
  latency: { en: 'Latency p50 / p99', ko: '지연 시간 p50 / p99' },
  commit: { en: 'Commit index per node', ko: '노드별 커밋 인덱스' },
  logGrid: { en: 'Log grid', ko: '로그 격자' },
  notMade: { en: 'not made', ko: '실행하지 않음' },
  yes: { en: 'yes', ko: '예' },
  no: { en: 'no', ko: '아니요' },
  files: {
    en: 'The runs are in runs/ of this hand-in: import them on the lab’s Runs page to reopen them. handin.json holds the answers and the digests the grader checks.',
    ko: '실행 파일은 이 제출물의 runs/ 폴더에 있습니다. 랩의 실행 기록 화면에서 가져오면 다시 열 수 있습니다. handin.json에는 답과 채점기가 확인하는 다이제스트가 있습니다.',
  },
  verdictWord: {
    PASS: { en: 'PASS', ko: '통과' },
    FAIL: { en: 'FAIL', ko: '실패' },
    UNDECIDED: { en: 'UNDECIDED', ko: '판정 불가' },
    'NOT CHECKED': { en: 'NOT CHECKED', ko: '검사 안 함' },
    INCOMPLETE: { en: 'INCOMPLETE', ko: '미완료' },
  } satisfies Record<VerdictWord, Localized>,
  linearizableValue: {
    yes: { en: 'yes', ko: '예' },
    no: { en: 'NO', ko: '아니요' },
    unknown: { en: 'unknown', ko: '알 수 없음' },
    notChecked: { en: 'not checked', ko: '검사 안 함' },
  },
  status: {
    right: { en: 'right', ko: '맞음' },
    wrong: { en: 'wrong', ko: '틀림' },
    teacher: { en: 'for the teacher', ko: '교사 채점' },
    unknown: { en: 'cannot tell', ko: '판단 불가' },
    unanswered: { en: 'no answer', ko: '답 없음' },
  } satisfies Record<QuestionStatus, Localized>,
} as const

/** The verdict's linearizability answer in words (formatLinearizable's, localized). */
function linearizableWord(value: boolean | 'unknown' | undefined): Localized {
  if (value === undefined) return words.linearizableValue.notChecked
  if (value === 'unknown') return words.linearizableValue.unknown
  return value ? words.linearizableValue.yes : words.linearizableValue.no
}

export function buildHandinReportHtml(input: HandinReportInput): string {
  const { manifest, exercise, check } = input
  const locale = manifest.locale
  const w = (text: Localized) => text[locale]
  const title = `${w(words.kicker)}: ${w(exercise.title)}`
  const body = [
    header(input, w),
    `<p class="description"><strong>${esc(w(words.goal))}.</strong> ${esc(w(exercise.goal))}</p>`,
    `<p class="description note">${esc(w(exercise.background))}</p>`,
    runsSection(input, w),
    predictionsSection(input, w),
    answersSection(input, w),
    mustSection(check, w),
    evidenceSection(input, w),
    `<p class="note">${esc(w(words.files))}</p>`,
  ].join('\n')
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Consensus Lab ${esc(manifest.labVersion)}">
<title>${esc(title)}</title>
<style>${input.fontCss}\n${styles}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`
}

type Words = (text: Localized) => string

function header(input: HandinReportInput, w: Words): string {
  const { manifest, exercise } = input
  const { score } = input.check
  return `<header>
<p class="kicker">${esc(w(words.kicker))}</p>
<h1>${exercise.order}. ${esc(w(exercise.title))}</h1>
<dl class="figures">
<div><dt>${esc(w(words.student))}</dt><dd data-field="student">${esc(manifest.student)}</dd></div>
<div><dt>${esc(w(words.exercise))}</dt><dd>${esc(exercise.id)}</dd></div>
<div><dt>${esc(w(words.score))}</dt><dd>${score.earned} / ${score.possible}${score.teacher > 0 ? ` (+${score.teacher} ${esc(w(words.teacherCount))})` : ''}</dd></div>
<div><dt>${esc(w(words.made))}</dt><dd>${esc(manifest.createdAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}</dd></div>
</dl>
${manifest.digest ? `<p class="run-id">${esc(w(words.digest))}: ${esc(manifest.digest)}</p>` : ''}
</header>`
}

function runsSection(input: HandinReportInput, w: Words): string {
  const rows = input.exercise.runs.map((run) => {
    const record = input.runs[run.id]
    const steps = input.check.runs.find((candidate) => candidate.run === run.id)?.steps ?? []
    const stepText = run.steps.map((step) => `${steps.find((done) => done.stepId === step.id)?.done ? '✓' : '✗'} ${step.id}`).join(', ')
    const word = record ? verdictWord(record.summary) : w(words.notMade)
    return `<tr><td>${esc(run.label ? w(run.label) : run.id)}</td><td>${esc(run.experiment)}</td><td class="mono">${esc(record?.summary.runId ?? '—')}</td><td>${esc(word)}</td><td>${esc(stepText || '—')}</td></tr>`
  })
  return `<section><h2>${esc(w(words.runs))}</h2><table><thead><tr><th>${esc(w(words.run))}</th><th>${esc(w(words.experiment))}</th><th>ID</th><th>${esc(w(words.verdict))}</th><th>${esc(w(words.steps))}</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`
}

function answerText(value: AnswerValue | undefined, w: Words): string {
  if (typeof value === 'boolean') return w(value ? words.yes : words.no)
  return describeMeasureValue(value)
}

function predictionsSection(input: HandinReportInput, w: Words): string {
  if (input.exercise.predict.length === 0) return ''
  const rows = input.exercise.predict.map((prediction) => {
    const compared = input.check.predictions.find((candidate) => candidate.predictionId === prediction.id)
    const happened = compared?.runValue !== undefined ? answerText(compared.runValue as AnswerValue, w) : compared?.reason ? w(compared.reason) : '—'
    const close = compared?.close === undefined ? '—' : w(compared.close ? words.yes : words.no)
    return `<tr><td>${esc(w(prediction.text))}</td><td>${esc(answerText(input.manifest.predictions[prediction.id], w))}</td><td>${esc(happened)}</td><td>${esc(close)}</td></tr>`
  })
  return `<section><h2>${esc(w(words.predictions))}</h2><table><thead><tr><th>${esc(w(words.question))}</th><th>${esc(w(words.predicted))}</th><th>${esc(w(words.happened))}</th><th>${esc(w(words.close))}</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`
}

function answersSection(input: HandinReportInput, w: Words): string {
  const rows = input.exercise.questions.map((question) => {
    const checked = input.check.questions.find((candidate) => candidate.questionId === question.id)
    const status = checked?.status ?? 'unanswered'
    const tone = status === 'right' ? 'ok' : status === 'wrong' ? 'bad' : ''
    const shows = checked?.runValue !== undefined ? answerText(checked.runValue as AnswerValue, w) : checked?.reason ? w(checked.reason) : ''
    return `<tr data-question="${esc(question.id)}"><td>${esc(w(question.text))}</td><td>${esc(answerText(checked?.answer, w))}</td><td class="status ${tone}">${esc(w(words.status[status]))}</td><td>${esc(status === 'right' ? '' : shows)}</td><td class="note">${esc(status === 'wrong' || status === 'unknown' ? (checked?.where ? w(checked.where) : '') : '')}</td></tr>`
  })
  const head = [words.question, words.answer, words.check, words.runValue, words.where].map((word) => `<th>${esc(w(word))}</th>`).join('')
  return `<section><h2>${esc(w(words.answers))}</h2><table class="answers"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></section>`
}

function mustSection(check: ExerciseCheck, w: Words): string {
  if (check.musts.length === 0) return ''
  const items = check.musts.map((must) => `<li class="${must.ok ? 'ok' : 'bad'}">${must.ok ? '✓' : '✗'} ${esc(w(must.text))}${must.ok || !must.reason ? '' : ` — ${esc(w(must.reason))}`}</li>`)
  return `<section><h2>${esc(w(words.must))}</h2><ul class="must">${items.join('')}</ul></section>`
}

const chartSize = { width: 760, height: 220 }

function evidenceSection(input: HandinReportInput, w: Words): string {
  const parts = input.exercise.runs.map((run) => {
    const record = input.runs[run.id]
    if (record === undefined) return `<h3>${esc(run.label ? w(run.label) : run.id)}</h3><p class="note">${esc(w(words.notMade))}</p>`
    const verdict = record.summary.verdict
    const locale = input.manifest.locale
    const invariants =
      verdict?.invariants
        .map((invariant) => {
          const title = invariantTitle(invariant.name, locale)
          const code = title === invariant.name ? '' : ` <span class="mono note">${esc(invariant.name)}</span>`
          return `<li class="${invariant.ok ? 'ok' : 'bad'}">${invariant.ok ? '✓' : '✗'} <strong>${esc(title)}</strong>${code} <span class="note">${esc(sayInvariantDetail(invariant, locale))}</span></li>`
        })
        .join('') ?? ''
    const grid = input.renderLogGrid?.(record)
    const charts = [
      [words.throughput, throughputChartOption(record, locale)],
      [words.latency, latencyChartOption(record, locale)],
      [words.commit, commitIndexChartOption(record, locale)],
    ] as const
    return [
      `<h3>${esc(run.label ? w(run.label) : run.id)} <span class="badge">${esc(w(words.verdictWord[verdictWord(record.summary)]))}</span></h3>`,
      verdict ? `<p>${esc(w(words.linearizable))}: <strong>${esc(w(linearizableWord(verdict.linearizable)))}</strong></p><ul class="must">${invariants}</ul>` : '',
      verdict?.witness ? `<pre class="witness">${esc(sayVerdictWitness(verdict, locale) ?? verdict.witness)}</pre>` : '',
      ...charts.map(([label, option]) => `<figure><figcaption><strong>${esc(w(label))}</strong></figcaption>${renderChartSvg(option, chartSize, w(label))}</figure>`),
      grid ? `<figure><figcaption><strong>${esc(w(words.logGrid))}</strong></figcaption>${grid}</figure>` : '',
    ].join('\n')
  })
  return `<section><h2>${esc(w(words.evidence))}</h2>${parts.join('\n')}</section>`
}

const styles = `
:root { color-scheme: light; --ink: #212529; --muted: #6c757d; --line: #dee2e6; --soft: #f8f9fa; --pass: #2b8a3e; --fail: #c92a2a; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; font: 14px/1.55 "Noto Sans KR", Arial, "Liberation Sans", sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 24px 28px 36px; }
header { border-bottom: 2px solid var(--ink); padding-bottom: 10px; margin-bottom: 14px; }
.kicker { margin: 0; color: var(--muted); letter-spacing: .06em; font-size: 11px; }
h1 { margin: 4px 0; font-size: 24px; line-height: 1.3; }
h2 { margin: 24px 0 8px; font-size: 17px; border-bottom: 1px solid var(--line); padding-bottom: 4px; break-after: avoid; }
h3 { margin: 16px 0 6px; font-size: 15px; break-after: avoid; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 8px; margin: 10px 0; }
.figures div { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; }
.figures dt { color: var(--muted); font-size: 11px; }
.figures dd { margin: 0; font-weight: 700; }
.run-id, .mono { font: 11.5px ui-monospace, Menlo, Consolas, "Liberation Mono", "Noto Sans KR", monospace; color: var(--muted); overflow-wrap: anywhere; }
.description { max-width: 80ch; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 12.5px; }
tr { break-inside: avoid; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: var(--soft); -webkit-print-color-adjust: exact; print-color-adjust: exact; }
td.status { white-space: nowrap; }
td.ok, li.ok { color: var(--pass); font-weight: 700; }
td.bad, li.bad { color: var(--fail); font-weight: 700; }
ul.must { list-style: none; padding-left: 0; margin: 4px 0; display: grid; gap: 2px; font-size: 13px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 11px; background: #e9ecef; }
.note { color: var(--muted); font-size: 12px; font-weight: 400; }
pre.witness { background: var(--soft); border-left: 4px solid var(--fail); padding: 8px 10px; font-size: 11px; white-space: pre-wrap; }
figure { margin: 10px 0 14px; break-inside: avoid; }
figcaption { font-size: 12px; color: #495057; }
svg.chart { width: 100%; height: auto; display: block; }
`
