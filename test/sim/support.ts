/**
 * Seed selection and failure reports for the simulator's tests.
 *
 *   SIM_SEED=1234 npx vitest run test/sim     replay one seed in every randomized test
 *   SIM_SEEDS=20000 npx vitest run test/sim   run more seeds (per protocol) than CI does
 *
 * Every failure names its seed, the CLI command that replays it step by step, and the vitest one.
 */
import { describeFailure, simulate, type SimOptions, type SimResult } from '../../src-main/sim/index.js'

/** The seed SIM_SEED asks to replay, if any. */
export function replaySeed(): number | undefined {
  const text = process.env.SIM_SEED
  if (text === undefined || text === '') return undefined
  const seed = Number(text)
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`SIM_SEED must be a whole number, got ${JSON.stringify(text)}`)
  return seed
}

/** How many seeds a test runs: SIM_SEEDS when set, else its CI default. */
export function seedCount(ciDefault: number): number {
  const text = process.env.SIM_SEEDS
  if (text === undefined || text === '') return ciDefault
  const count = Number(text)
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`SIM_SEEDS must be a positive whole number, got ${JSON.stringify(text)}`)
  return count
}

/**
 * Seeds 1..total split into `parts` contiguous shares (so vitest's two workers share one protocol's
 * seeds); SIM_SEED runs that seed in the first share only.
 */
export function seedShare(total: number, part: number, parts: number): number[] {
  const replay = replaySeed()
  if (replay !== undefined) return part === 0 ? [replay] : []
  const size = Math.ceil(total / parts)
  const first = part * size + 1
  const last = Math.min(total, first + size - 1)
  return last < first ? [] : Array.from({ length: last - first + 1 }, (_, offset) => first + offset)
}

export function vitestReplay(seed: number, file: string): string {
  return `SIM_SEED=${seed} npx vitest run ${file}`
}

/** What a batch of seeds covered, so a test can show (and assert) that the faults really happened. */
export interface Coverage {
  seeds: number
  steps: number
  /** Seeds per value of each drawn setting and of the nemesis focus, e.g. {clusterSize: {3: 1210, 5: 790}}. */
  drawn: Record<string, Record<string, number>>
  crashes: number
  crashesMidReady: number
  cuts: number
  pauses: number
  lost: number
  duplicated: number
  clientOps: { ok: number; fail: number; info: number }
  committed: number
  virtualSeconds: number
  /** The widened faults: leadership transfers, slow fsyncs, and follower reads (those that were stale). */
  transfers: number
  slowSyncs: number
  followerReads: number
  staleReadsAllowed: number
  /** Seeds with slow timers or a slow disk drawn, and seeds with big values. */
  slowNodeSeeds: number
  bigValueSeeds: number
  /** Raft §7: snapshots taken and installed (from a leader) over the sweep. */
  snapshotsTaken: number
  snapshotsInstalled: number
}

export function emptyCoverage(): Coverage {
  return {
    seeds: 0, steps: 0, drawn: {}, crashes: 0, crashesMidReady: 0, cuts: 0, pauses: 0, lost: 0, duplicated: 0,
    clientOps: { ok: 0, fail: 0, info: 0 }, committed: 0, virtualSeconds: 0,
    transfers: 0, slowSyncs: 0, followerReads: 0, staleReadsAllowed: 0, slowNodeSeeds: 0, bigValueSeeds: 0,
    snapshotsTaken: 0, snapshotsInstalled: 0,
  }
}

/** Settings worth counting (the rest, like timeouts, have too many values to list). */
const countedSettings = ['clusterSize', 'preVote', 'checkQuorum', 'batchEntriesMax', 'readMode', 'snapshotEntries']

export function addCoverage(coverage: Coverage, result: SimResult): void {
  coverage.seeds += 1
  coverage.steps += result.steps
  const drawn: [string, unknown][] = [['focus', result.focus], ...countedSettings.map((name): [string, unknown] => [name, result.settings[name]])]
  for (const [name, value] of drawn) {
    if (value === undefined) continue
    const counts = (coverage.drawn[name] ??= {})
    counts[String(value)] = (counts[String(value)] ?? 0) + 1
  }
  coverage.crashes += result.counts.crashes
  coverage.crashesMidReady += result.counts.crashesMidReady
  coverage.cuts += result.counts.cuts
  coverage.pauses += result.counts.pauses
  coverage.lost += result.network.lost
  coverage.duplicated += result.network.duplicated
  coverage.clientOps.ok += result.clients.ok
  coverage.clientOps.fail += result.clients.fail
  coverage.clientOps.info += result.clients.info
  coverage.committed += result.committedIndex
  coverage.virtualSeconds += result.timeUs / 1e6
  coverage.transfers += result.counts.transfers
  coverage.slowSyncs += result.counts.slowSyncs
  coverage.followerReads += result.counts.followerReads
  coverage.staleReadsAllowed += result.counts.staleReadsAllowed
  coverage.snapshotsTaken += result.counts.snapshotsTaken ?? 0
  coverage.snapshotsInstalled += result.counts.snapshotsInstalled ?? 0
  if (result.scenario.some((line) => line.includes('x late') || line.includes('fsync') || /slow timers every/.test(line))) coverage.slowNodeSeeds += 1
  if (result.scenario.some((line) => line.includes('of writes big'))) coverage.bigValueSeeds += 1
}

/** Runs each seed; returns the failures as printable reports (empty when all passed). */
export function runSeeds(
  seeds: readonly number[], options: Omit<SimOptions, 'seed'>, file: string, coverage?: Coverage, each?: (result: SimResult) => void,
): string[] {
  const failures: string[] = []
  for (const seed of seeds) {
    const result = simulate({ ...options, seed })
    if (coverage !== undefined) addCoverage(coverage, result)
    each?.(result)
    if (!result.ok) failures.push(describeFailure(result, vitestReplay(seed, file)))
  }
  return failures
}
