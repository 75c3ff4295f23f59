import { z } from 'zod'
import { describeValue, parseDurationMs, timerMsMax } from './duration-text.js'

export { describeValue, formatDurationMs, parseDurationMs, timerMsMax } from './duration-text.js'

/** A duration written with its unit ("2s", "250ms"); parsed to milliseconds, at most timerMsMax. */
export const durationSchema = z
  .string({ error: (issue) => `expected a duration like 2s or 250ms, got ${describeValue(issue.input)}` })
  .transform((text, ctx) => {
    const ms = parseDurationMs(text)
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like 2s or 250ms, got ${JSON.stringify(text)}`, params: { code: 'duration', got: JSON.stringify(text) } })
      return z.NEVER
    }
    if (ms > timerMsMax) {
      ctx.addIssue({ code: 'custom', message: `expected at most ${timerMsMax} ms (about 24.8 days, the longest a timer can wait), got ${ms} ms`, params: { code: 'durationAboveTimer', max: timerMsMax, got: ms } })
      return z.NEVER
    }
    return ms
  })
