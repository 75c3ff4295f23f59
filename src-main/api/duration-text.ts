/**
 * Durations and values as text, without the schema library: the checker and `lab check` load only
 * this (see duration.ts for the experiment schema's duration).
 */
import { describeValue } from '../protocols/common/describe.js'

export { describeValue }

const durationPattern = /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/

/** Parses "250ms", "2s", "1.5s", "1m" into milliseconds; returns undefined when malformed. */
export function parseDurationMs(text: string): number | undefined {
  const match = durationPattern.exec(text.trim())
  if (!match) return undefined
  const amount = Number(match[1])
  const unit = match[2]
  if (unit === 'ms') return amount
  if (unit === 's') return amount * 1000
  return amount * 60_000
}

export function formatDurationMs(ms: number): string {
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

/**
 * The longest wait a Node timer takes (2^31 - 1 ms, about 24.8 days): a longer setTimeout fires at
 * once, so every duration of an experiment stays at or below it.
 */
export const timerMsMax = 2 ** 31 - 1

