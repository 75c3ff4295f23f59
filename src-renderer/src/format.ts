/** Formatting shared by the screens; pure. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, ms) / 1000
  const minutes = Math.floor(total / 60)
  const seconds = total - minutes * 60
  return `${String(minutes).padStart(2, '0')}:${seconds.toFixed(1).padStart(4, '0')}`
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–'
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`
  if (ms >= 10) return `${ms.toFixed(0)} ms`
  return `${ms.toFixed(2)} ms`
}

const countFormat = new Intl.NumberFormat('en-US')

export function formatCount(value: number): string {
  return countFormat.format(Math.round(value))
}

/** Seconds since the run's epoch with milliseconds, e.g. 12.345 s. */
export function formatRunTime(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`
}
