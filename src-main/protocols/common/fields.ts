/**
 * The building blocks of experiment fields (zod), shared by the experiment's common part
 * (api/experiment.ts) and every protocol's options (its descriptor): one wording of each error and
 * one bound for protocol time, wherever a field is declared. Pure: zod only.
 */
import { z } from 'zod'
import { describeValue } from './describe.js'
import { ticksOf, type FormField, type OptionError } from '../descriptor.js'

export { describeValue }


/**
 * Protocol timing (election and request timeouts, heartbeats, lease drift, link delays, a slow
 * primary's hold) is at most a minute: with tickMs >= tickMsMin that stays far below the tick
 * counts the cores accept (Raft: 1,000,000), and a lab never needs longer.
 */
export const protocolMsMax = 60_000
/** Protocol time advances in ticks of a timer, which Node runs at 1 ms resolution at best. */
export const tickMsMin = 1
export const tickMsMax = 100

/** A value as an error message names it ("a list", "\"fast\"", "nothing"). */

const nodeNamePattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/
/** Names may be written as numbers in YAML (replicas 1 to 7); they are names all the same. */
export const nodeName = z
  .union([z.string(), z.number().int().min(0)])
  .transform((name) => String(name))
  .pipe(z.string().regex(nodeNamePattern, 'expected a node name of letters, digits, - or _ (at most 32)'))

export const positiveNumber = (what = 'a positive number') =>
  z.number({ error: (issue) => `expected ${what}, got ${describeValue(issue.input)}` }).positive(`expected ${what}`)
export const nonNegativeNumber = (what = 'a number >= 0') =>
  z.number({ error: (issue) => `expected ${what}, got ${describeValue(issue.input)}` }).min(0, `expected ${what}`)
/** Milliseconds of protocol timing: positive (or >= 0), at most protocolMsMax. */
export const protocolMs = (what = 'a positive number of ms') => positiveNumber(what).max(protocolMsMax, `expected at most ${protocolMsMax} ms`)
export const protocolMsOrZero = (what = 'a number >= 0') => nonNegativeNumber(what).max(protocolMsMax, `expected at most ${protocolMsMax} ms`)
export const positiveInt = (max: number) =>
  z
    .number({ error: (issue) => `expected a whole number, got ${describeValue(issue.input)}` })
    .int('expected a whole number')
    .min(1, 'expected at least 1')
    .max(max, `expected at most ${max}`)

/**
 * Election timing, the same fields wherever a protocol has elections (Raft, primary-backup), so the
 * experiment format has one meaning for each name.
 */
export const electionTimingFields = {
  /** [min, max]: each election timeout is drawn from this range. */
  electionTimeoutMs: z
    .tuple([protocolMs(), protocolMs()])
    .default([150, 300])
    .refine(([low, high]) => low <= high, { message: 'expected [min, max] with min <= max', params: { code: 'rangeOrder' } }),
  /** A leader (primary) is heard at least this often. */
  heartbeatMs: protocolMs().default(50),
}

/**
 * Election timing in ticks, as Raft and ParallelRaft run it: a timeout of at least two ticks and a
 * heartbeat at least one tick below it.
 */
/** The design form's fields for the election timing every leader-based protocol takes (with electionTimingErrors). */
export const electionTimingForm: readonly FormField[] = [
  { field: 'electionTimeoutMs', input: 'range', unit: 'ms' },
  { field: 'heartbeatMs', input: 'number', unit: 'ms' },
]

export function electionTimingTicks(options: { electionTimeoutMs: readonly [number, number]; heartbeatMs: number }, tickMs: number): { electionTimeoutTicks: [number, number]; heartbeatTicks: number } {
  const timeoutMin = Math.max(2, ticksOf(options.electionTimeoutMs[0], tickMs))
  const timeoutMax = Math.max(timeoutMin, ticksOf(options.electionTimeoutMs[1], tickMs))
  return { electionTimeoutTicks: [timeoutMin, timeoutMax], heartbeatTicks: Math.min(timeoutMin - 1, ticksOf(options.heartbeatMs, tickMs)) }
}

/** The rules election timing obeys in ticks: an election timeout of two ticks, a heartbeat of one, below the timeout. */
export function electionTimingErrors(options: { electionTimeoutMs: readonly [number, number]; heartbeatMs: number }, tickMs: number): OptionError[] {
  const errors: OptionError[] = []
  const [timeoutMin] = options.electionTimeoutMs
  if (options.heartbeatMs >= timeoutMin) errors.push({ path: 'cluster.heartbeatMs', message: `expected less than the election timeout (${timeoutMin} ms)`, code: 'heartbeatBelowTimeout', params: { timeoutMs: timeoutMin } })
  if (timeoutMin < 2 * tickMs) {
    errors.push({ path: 'cluster.electionTimeoutMs', message: `expected at least two ticks (2 × tickMs = ${2 * tickMs} ms), got ${timeoutMin} ms`, code: 'timeoutTwoTicks', params: { minMs: 2 * tickMs, got: timeoutMin } })
  }
  if (options.heartbeatMs < tickMs) errors.push({ path: 'cluster.heartbeatMs', message: `expected at least one tick (${tickMs} ms), got ${options.heartbeatMs} ms`, code: 'heartbeatOneTick', params: { tickMs, got: options.heartbeatMs } })
  return errors
}
