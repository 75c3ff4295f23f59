import { z } from 'zod'
import { describeValue } from '../protocols/common/fields.js'

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

/** A duration written with its unit ("2s", "250ms"); parsed to milliseconds, at most timerMsMax. */
export const durationSchema = z
  .string({ error: (issue) => `expected a duration like 2s or 250ms, got ${describeValue(issue.input)}` })
  .transform((text, ctx) => {
    const ms = parseDurationMs(text)
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like 2s or 250ms, got ${JSON.stringify(text)}` })
      return z.NEVER
    }
    if (ms > timerMsMax) {
      ctx.addIssue({ code: 'custom', message: `expected at most ${timerMsMax} ms (about 24.8 days, the longest a timer can wait), got ${ms} ms` })
      return z.NEVER
    }
    return ms
  })

