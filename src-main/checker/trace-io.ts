/**
 * trace.ndjson (one TraceEvent per line) and final-states.json, as the checker reads them.
 * Only the fields the invariants use are validated; unknown kinds pass through, so newer traces
 * still check.
 */
import type { TraceEvent } from '../api/trace.js'
import { describeValue } from '../api/duration-text.js'
import type { Result } from './history.js'
import type { FinalState } from './invariants.js'

type FieldKind = 'number' | 'string'

/** Fields each kind must carry for the invariants to read it. */
const requiredFields: Record<string, Record<string, FieldKind>> = {
  role: { role: 'string', term: 'number' },
  term: { term: 'number' },
  commit: { index: 'number' },
  apply: { index: 'number', term: 'number', hash: 'string' },
  truncate: { fromIndex: 'number', term: 'number' },
  process: { state: 'string' },
}

export function parseTraceNdjson(text: string, sourceName: string): Result<TraceEvent[]> {
  const events: TraceEvent[] = []
  const rows = text.split('\n')
  for (let index = 0; index < rows.length; index += 1) {
    const row = rows[index].trim()
    if (row === '') continue
    const parsed = parseTraceLine(row)
    if (!parsed.ok) return { ok: false, error: `${sourceName}:${index + 1}: ${parsed.error}` }
    events.push(parsed.value)
  }
  return { ok: true, value: events }
}

function parseTraceLine(row: string): Result<TraceEvent> {
  let json: unknown
  try {
    json = JSON.parse(row)
  } catch (error) {
    return { ok: false, error: `not valid JSON (${(error as Error).message}); expected one trace event object per line` }
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { ok: false, error: `expected an object {t, node, kind, ...}, got ${describeValue(json)}` }
  }
  const event = json as Record<string, unknown>
  const base = checkField(event, 't', 'number') ?? checkField(event, 'node', 'string') ?? checkField(event, 'kind', 'string')
  if (base) return { ok: false, error: base }
  const fields = requiredFields[event.kind as string] ?? {}
  for (const [field, kind] of Object.entries(fields)) {
    const kindName = event.kind as string
    const problem = checkField(event, field, kind, `${/^[aeiou]/.test(kindName) ? 'an' : 'a'} ${kindName} event`)
    if (problem) return { ok: false, error: problem }
  }
  return { ok: true, value: event as unknown as TraceEvent }
}

function checkField(event: Record<string, unknown>, field: string, kind: FieldKind, owner = 'a trace event'): string | undefined {
  const value = event[field]
  const fits = kind === 'number' ? typeof value === 'number' && Number.isFinite(value) : typeof value === 'string'
  if (fits) return undefined
  return `expected "${field}" of ${owner} to be a ${kind}, got ${describeValue(value)}`
}

/** final-states.json: [{node, appliedIndex, hash, kvDigest}, ...]. */
export function parseFinalStates(text: string, sourceName: string): Result<FinalState[]> {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return { ok: false, error: `${sourceName}: not valid JSON (${(error as Error).message})` }
  }
  if (!Array.isArray(json)) return { ok: false, error: `${sourceName}: expected a list of {node, appliedIndex, hash, kvDigest}, got ${describeValue(json)}` }
  const states: FinalState[] = []
  for (const [position, item] of json.entries()) {
    const record = (item ?? {}) as Record<string, unknown>
    const problem = typeof item !== 'object' || item === null
      ? `expected an object, got ${describeValue(item)}`
      : checkField(record, 'node', 'string', 'a final state') ?? checkField(record, 'appliedIndex', 'number', 'a final state')
        ?? checkField(record, 'hash', 'string', 'a final state') ?? checkField(record, 'kvDigest', 'string', 'a final state')
    if (problem) return { ok: false, error: `${sourceName}: item ${position}: ${problem}` }
    states.push({ node: record.node as string, appliedIndex: record.appliedIndex as number, hash: record.hash as string, kvDigest: record.kvDigest as string })
  }
  return { ok: true, value: states }
}
