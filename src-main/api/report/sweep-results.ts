/**
 * A sweep's results: each cell's figures over its repetitions (median, spread, a 95% confidence
 * interval of the mean), the PBFT/Raft ratio between cells that differ only in protocol, and
 * whether two such cells can be told apart at all.
 */
import { axisOrder, cellLabel, criticalPathDelays, type AxisName, type CellCoordinates } from '../sweep.js'
import type { VerdictWord } from './analysis.js'

/** What one run of one cell left behind (read back from its summary.json). */
export interface SweepRunResult {
  cellId: string
  repetition: number
  seed: number
  /** The run's id (its directory's name), for the app to open it; empty when it never started. */
  runId: string
  /** Relative to the sweep's directory. */
  runDir: string
  completed: boolean
  error?: string
  verdict: VerdictWord
  p50Ms: number | null
  p99Ms: number | null
  throughput: number
  opsOk: number
  opsFail: number
  lostWrites?: number
  latencyBreakdown?: { phase: string; p50Ms: number; p99Ms: number }[]
  elapsedMs: number
}

export interface Spread {
  median: number
  min: number
  max: number
  mean: number
  /** 95% confidence interval of the mean (Student's t); absent with one repetition. */
  ci95?: [number, number]
}

export interface SweepCellResult {
  id: string
  label: string
  coordinates: CellCoordinates
  protocol: string
  nodes: number
  delayMs: number
  runs: number
  runsCompleted: number
  verdicts: Partial<Record<VerdictWord, number>>
  p50Ms?: Spread
  p99Ms?: Spread
  throughput?: Spread
  lostWrites: number
  /** Median over repetitions of each phase's p50, where the runs recorded a breakdown. */
  latencyBreakdown?: { phase: string; p50Ms: number }[]
  /** Replica-link delays on a write's critical path times the cell's link delay (see criticalPathDelays). */
  theoryMs: number
  theoryNote: string
}

export interface ProtocolRatio {
  /** The cell both differ from only in protocol, without its protocol. */
  label: string
  baseline: string
  other: string
  p50: number | null
  p99: number | null
  throughput: number | null
  /** Whether the two cells' p50 95% intervals are apart; undefined with one repetition. */
  p50Distinguishable?: boolean
}

export interface SweepSummary {
  name: string
  description: string
  varied: AxisName[]
  repetitions: number
  cells: SweepCellResult[]
  ratios: ProtocolRatio[]
}

export interface PlannedCell {
  id: string
  label: string
  coordinates: CellCoordinates
  protocol: string
  nodes: number
  delayMs: number
}

/** Two-sided 95% Student's t critical values for 1..30 degrees of freedom. */
const tCritical95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
]

export function spreadOf(values: readonly number[]): Spread | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length
  const spread: Spread = { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, mean }
  if (values.length >= 2) {
    const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1)
    const half = tCritical95[Math.min(values.length - 1, tCritical95.length) - 1]! * Math.sqrt(variance / values.length)
    spread.ci95 = [mean - half, mean + half]
  }
  return spread
}

/** Intervals that overlap cannot tell the two apart at 95%; undefined when either has none. */
export function distinguishable(a: Spread | undefined, b: Spread | undefined): boolean | undefined {
  if (a?.ci95 === undefined || b?.ci95 === undefined) return undefined
  return a.ci95[1] < b.ci95[0] || b.ci95[1] < a.ci95[0]
}

export function summarizeSweep(meta: { name: string; description: string; varied: AxisName[]; repetitions: number }, planned: readonly PlannedCell[], results: readonly SweepRunResult[]): SweepSummary {
  const cells = planned.map((cell) => cellResult(cell, results.filter((result) => result.cellId === cell.id)))
  return { ...meta, cells, ratios: protocolRatios(cells) }
}

function cellResult(cell: PlannedCell, runs: readonly SweepRunResult[]): SweepCellResult {
  // Only runs that completed measure the protocol; a failed run's figures are partial.
  const measured = runs.filter((run) => run.completed)
  const numbers = (pick: (run: SweepRunResult) => number | null) => measured.map(pick).filter((value): value is number => value !== null && Number.isFinite(value))
  const verdicts: Partial<Record<VerdictWord, number>> = {}
  for (const run of runs) verdicts[run.verdict] = (verdicts[run.verdict] ?? 0) + 1
  const theory = criticalPathDelays(cell.protocol)
  const result: SweepCellResult = {
    ...cell,
    runs: runs.length,
    runsCompleted: measured.length,
    verdicts,
    lostWrites: runs.reduce((sum, run) => sum + (run.lostWrites ?? 0), 0),
    theoryMs: theory.delays * cell.delayMs,
    theoryNote: `${theory.delays} × ${cell.delayMs} ms: ${theory.note}`,
  }
  const p50 = spreadOf(numbers((run) => run.p50Ms))
  const p99 = spreadOf(numbers((run) => run.p99Ms))
  const throughput = spreadOf(numbers((run) => run.throughput))
  if (p50) result.p50Ms = p50
  if (p99) result.p99Ms = p99
  if (throughput) result.throughput = throughput
  const breakdown = breakdownOf(measured)
  if (breakdown) result.latencyBreakdown = breakdown
  return result
}

function breakdownOf(runs: readonly SweepRunResult[]): { phase: string; p50Ms: number }[] | undefined {
  const withBreakdown = runs.filter((run) => run.latencyBreakdown && run.latencyBreakdown.length > 0)
  if (withBreakdown.length === 0) return undefined
  const phases = withBreakdown[0]!.latencyBreakdown!.map((phase) => phase.phase)
  return phases.map((phase) => ({
    phase,
    p50Ms: spreadOf(withBreakdown.map((run) => run.latencyBreakdown!.find((entry) => entry.phase === phase)?.p50Ms ?? 0))!.median,
  }))
}

/**
 * Pairs each cell of the first protocol on the protocol axis with the cells that differ from it only
 * in protocol (with faultTolerance, their node counts differ too, by design): PBFT over Raft.
 */
function protocolRatios(cells: readonly SweepCellResult[]): ProtocolRatio[] {
  const byRest = new Map<string, SweepCellResult[]>()
  for (const cell of cells) {
    if (cell.coordinates.protocol === undefined) return []
    const { protocol: _protocol, ...rest } = cell.coordinates
    const key = JSON.stringify(axisOrder.map((axis) => (rest as Record<string, unknown>)[axis] ?? null))
    byRest.set(key, [...(byRest.get(key) ?? []), cell])
  }
  const ratios: ProtocolRatio[] = []
  for (const group of byRest.values()) {
    const baseline = group.find((cell) => cell.protocol === 'raft') ?? group[0]!
    for (const other of group) {
      if (other === baseline) continue
      const { protocol: _protocol, ...rest } = baseline.coordinates
      ratios.push({
        label: cellLabel(rest),
        baseline: baseline.id,
        other: other.id,
        p50: ratioOf(other.p50Ms?.median, baseline.p50Ms?.median),
        p99: ratioOf(other.p99Ms?.median, baseline.p99Ms?.median),
        throughput: ratioOf(other.throughput?.median, baseline.throughput?.median),
        p50Distinguishable: distinguishable(other.p50Ms, baseline.p50Ms),
      })
    }
  }
  return ratios
}

function ratioOf(value: number | undefined, base: number | undefined): number | null {
  return value === undefined || base === undefined || base <= 0 ? null : value / base
}

export const sweepCsvHeader = [
  'cell', 'protocol', 'nodes', 'fault_tolerance', 'delay_ms', 'clients', 'rate', 'durability', 'variant', 'runs', 'runs_completed',
  'p50_ms_median', 'p50_ms_min', 'p50_ms_max', 'p50_ms_ci95_low', 'p50_ms_ci95_high',
  'p99_ms_median', 'p99_ms_min', 'p99_ms_max', 'throughput_median', 'throughput_min', 'throughput_max',
  'theory_ms', 'verdicts', 'lost_writes',
] as const

/** The same columns named in Korean, for the file saved from the Korean page (`--locale ko`). */
export const sweepCsvHeaderKo: Record<(typeof sweepCsvHeader)[number], string> = {
  cell: '셀', protocol: '프로토콜', nodes: '노드 수', fault_tolerance: '견디는 장애 수(f)', delay_ms: '링크 지연(ms)', clients: '클라이언트 수',
  rate: '요청률(연산/초)', durability: '내구성', variant: '변형', runs: '실행 수', runs_completed: '완료한 실행 수',
  p50_ms_median: 'p50(ms) 중앙값', p50_ms_min: 'p50(ms) 최소', p50_ms_max: 'p50(ms) 최대', p50_ms_ci95_low: 'p50(ms) 95% 신뢰구간 하한', p50_ms_ci95_high: 'p50(ms) 95% 신뢰구간 상한',
  p99_ms_median: 'p99(ms) 중앙값', p99_ms_min: 'p99(ms) 최소', p99_ms_max: 'p99(ms) 최대',
  throughput_median: '처리량(연산/초) 중앙값', throughput_min: '처리량(연산/초) 최소', throughput_max: '처리량(연산/초) 최대',
  theory_ms: '이론 지연(ms)', verdicts: '판정', lost_writes: '잃어버린 쓰기',
}

/**
 * One row per cell; empty fields where a figure does not exist (never a made-up zero). `locale`
 * names the columns (Korean for the Korean page); the rows are the same in every language.
 */
export function sweepCsv(summary: SweepSummary, locale: 'en' | 'ko' = 'en'): string {
  const number = (value: number | undefined) => (value === undefined ? '' : String(Math.round(value * 1000) / 1000))
  const rows = summary.cells.map((cell) => {
    const at = cell.coordinates
    return [
      cell.id, cell.protocol, String(cell.nodes), at.faultTolerance === undefined ? '' : String(at.faultTolerance), String(cell.delayMs),
      at.clients === undefined ? '' : String(at.clients), at.rate === undefined ? '' : String(at.rate), at.durability ?? '', at.variant ?? '',
      String(cell.runs), String(cell.runsCompleted),
      number(cell.p50Ms?.median), number(cell.p50Ms?.min), number(cell.p50Ms?.max), number(cell.p50Ms?.ci95?.[0]), number(cell.p50Ms?.ci95?.[1]),
      number(cell.p99Ms?.median), number(cell.p99Ms?.min), number(cell.p99Ms?.max),
      number(cell.throughput?.median), number(cell.throughput?.min), number(cell.throughput?.max),
      number(cell.theoryMs), Object.entries(cell.verdicts).map(([word, count]) => `${word} ${count}`).join('; '), String(cell.lostWrites),
    ]
  })
  const header = locale === 'ko' ? sweepCsvHeader.map((column) => sweepCsvHeaderKo[column]) : [...sweepCsvHeader]
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n'
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}
