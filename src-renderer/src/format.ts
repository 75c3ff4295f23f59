/** Formatting shared by the screens; pure. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, ms) / 1000
  const minutes = Math.floor(total / 60)
  const seconds = total - minutes * 60
  return `${String(minutes).padStart(2, '0')}:${seconds.toFixed(1).padStart(4, '0')}`
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–'
  if (ms === 0) return '0 ms'
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`
  if (ms >= 10) return `${ms.toFixed(0)} ms`
  return `${ms.toFixed(2)} ms`
}

const countFormat = new Intl.NumberFormat('en-US')

export function formatCount(value: number): string {
  return countFormat.format(Math.round(value))
}

/** Experiment time (0 = the workload's start; the start-up is negative) with milliseconds, e.g. 12.345 s. */
export function formatRunTime(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`
}

export { formatBytes } from '../../src-main/api/report/format'

/** A stored run's time in the person's language: "2026-11-27 17:16" style, local time. */
export function formatDateTime(iso: string, locale: string): string {
  const time = Date.parse(iso)
  if (!Number.isFinite(time)) return '–'
  return new Intl.DateTimeFormat(locale === 'ko' ? 'ko-KR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(time)
}

/** 1.5 s, 42 s, 3 min 05 s. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–'
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(ms < 10_000 ? 1 : 0))} s`
  const minutes = Math.floor(ms / 60_000)
  const seconds = Math.round((ms - minutes * 60_000) / 1000)
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`
}

/** The verdict word as an i18n key (verdictWord.<key>) and a badge tone. */
export function verdictKey(word: string): string {
  return word.toLowerCase().replace(/\s+/g, '-')
}

export function verdictTone(word: string): 'ok' | 'bad' | 'warn' | '' {
  if (word === 'PASS') return 'ok'
  if (word === 'FAIL') return 'bad'
  if (word === 'UNDECIDED' || word === 'INCOMPLETE') return 'warn'
  return ''
}

/** Roles the messages name (roleName.*); a role a future protocol adds shows as it is reported until it gets its words. */
const namedRoles = new Set(['leader', 'candidate', 'precandidate', 'follower', 'primary', 'backup', 'view-changing', 'down', 'unknown'])

/** A role as the reader's language says it. */
export function roleWord(t: (key: string) => string, role: string): string {
  return namedRoles.has(role) ? t(`roleName.${role}`) : role
}
