/**
 * Checker benchmark: seeded linearizable histories of realistic shape, checked a few times each;
 * reports the median. `npm run bench -- checker`.
 */
import { checkLinearizability } from '../../checker/linearizability.js'
import { generateLinearizableHistory } from '../../checker/generate.js'

export interface BenchCase {
  ops: number
  keys: number
  processes: number
}

export interface BenchCheckerOptions {
  /** Runs per case; the median is reported. */
  runs?: number
  seed?: number
  cases?: BenchCase[]
  /** Where progress lines go; default stderr (stdout stays clean for --json). Pass () => {} for silence. */
  log?: (line: string) => void
}

export interface BenchCheckerRow {
  ops: number
  keys: number
  processes: number
  /** Median wall-clock milliseconds of the check (generation excluded). */
  ms: number
  runsMs: number[]
  linearizable: boolean | 'unknown'
}

export const benchCasesDefault: BenchCase[] = [
  { ops: 100_000, keys: 100, processes: 30 },
  { ops: 100_000, keys: 10, processes: 50 },
  { ops: 100_000, keys: 1, processes: 50 },
]

export function benchChecker(options: BenchCheckerOptions = {}): BenchCheckerRow[] {
  const runs = options.runs ?? 3
  const seed = options.seed ?? 1
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const rows: BenchCheckerRow[] = []
  for (const benchCase of options.cases ?? benchCasesDefault) {
    const history = generateLinearizableHistory({ seed, ...benchCase })
    const runsMs: number[] = []
    let linearizable: boolean | 'unknown' = true
    for (let run = 0; run < runs; run += 1) {
      const started = performance.now()
      linearizable = checkLinearizability(history).linearizable
      runsMs.push(performance.now() - started)
    }
    const row: BenchCheckerRow = { ...benchCase, ms: median(runsMs), runsMs, linearizable }
    rows.push(row)
    log(`checker: ${benchCase.ops} ops, ${benchCase.keys} keys, ${benchCase.processes} processes: median ${row.ms.toFixed(0)} ms over ${runs} runs (${runsMs.map((ms) => ms.toFixed(0)).join(', ')}); linearizable=${String(linearizable)}`)
  }
  return rows
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
