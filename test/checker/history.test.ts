import { describe, expect, it } from 'vitest'
import { parseHistoryNdjson, operationsOf } from '../../src-main/checker/history.js'
import { parseTraceNdjson, parseFinalStates } from '../../src-main/checker/trace-io.js'

const line = (event: object): string => JSON.stringify(event)
const put = (process: number, time: number, type = 'invoke', value: unknown = '1') => line({ process, type, f: 'put', key: 'x', value, time })

function errorOf(text: string): string {
  const parsed = parseHistoryNdjson(text, 'history.ndjson')
  if (parsed.ok) throw new Error('expected a parse error')
  return parsed.error
}

describe('parseHistoryNdjson', () => {
  it('reads events, skips blank lines and sorts by time stably', () => {
    const text = [put(1, 30, 'ok'), '', put(1, 10), line({ process: 2, type: 'invoke', f: 'get', key: 'x', time: 30 }), '  '].join('\n')
    const parsed = parseHistoryNdjson(text, 'h.ndjson')
    expect(parsed.ok).toBe(true)
    if (!parsed.ok) return
    expect(parsed.value.map((event) => [event.process, event.type, event.time])).toEqual([[1, 'invoke', 10], [1, 'ok', 30], [2, 'invoke', 30]])
  })

  it('names the line when a line is not JSON', () => {
    expect(errorOf([put(1, 1), '{"process": 1, oops'].join('\n'))).toMatch(/^history\.ndjson:2: not valid JSON \(.*\); expected one history event object per line$/)
  })

  it('names the line and the field that is wrong', () => {
    expect(errorOf(line({ process: 1, type: 'okay', f: 'put', key: 'x', time: 1 }))).toBe('history.ndjson:1: expected "type" to be one of invoke, ok, fail, info, got "okay"')
    expect(errorOf(line({ process: 1, type: 'invoke', f: 'incr', key: 'x', time: 1 }))).toBe('history.ndjson:1: expected "f" to be one of get, put, delete, cas, range, got "incr"')
    expect(errorOf(line({ process: 1, type: 'invoke', f: 'get', key: 'x', time: '12' }))).toBe('history.ndjson:1: expected "time" to be a number of nanoseconds, got "12"')
    expect(errorOf(line({ process: 1.5, type: 'invoke', f: 'get', key: 'x', time: 1 }))).toBe('history.ndjson:1: expected "process" to be a whole number')
    expect(errorOf(line({ process: 1, type: 'invoke', f: 'get', time: 1 }))).toBe('history.ndjson:1: missing field "key"')
    expect(errorOf('[1, 2]')).toBe('history.ndjson:1: expected an object {process, type, f, key, value, time}, got a list')
  })

  it('checks values by operation', () => {
    expect(errorOf(put(1, 1, 'invoke', { v: 1 }))).toBe('history.ndjson:1: expected "value" of a put invoke to be the string written, got an object')
    expect(errorOf(line({ process: 1, type: 'invoke', f: 'cas', key: 'x', value: '1', time: 1 }))).toBe(
      'history.ndjson:1: expected "value" of a cas invoke to be [expected, new] (expected: a string or null for absent; new: a string), got "1"',
    )
    const getWithoutValue = [line({ process: 1, type: 'invoke', f: 'get', key: 'x', time: 1 }), line({ process: 1, type: 'ok', f: 'get', key: 'x', time: 2 })].join('\n')
    expect(errorOf(getWithoutValue)).toBe('history.ndjson:2: expected "value" of an ok get to be the value read (a string, or null when absent), got nothing')
  })

  it('rejects a completion with no invoke in flight', () => {
    expect(errorOf([put(1, 1), put(1, 2, 'ok'), put(1, 3, 'ok')].join('\n'))).toBe(
      'history.ndjson:3: process 1 reported "ok" for put but has no operation in flight (expected an invoke first)',
    )
  })

  it('rejects two invokes on one process without a completion between, naming both lines', () => {
    expect(errorOf([put(1, 1), put(1, 2)].join('\n'))).toBe(
      'history.ndjson:2: process 1 invoked put while its put from history.ndjson:1 had not completed (expected one operation in flight per process)',
    )
  })

  it('reports line numbers of the file even when events were out of order', () => {
    expect(errorOf([put(1, 50), put(1, 10)].join('\n'))).toBe(
      'history.ndjson:1: process 1 invoked put while its put from history.ndjson:2 had not completed (expected one operation in flight per process)',
    )
  })

  it('rejects a completion for another operation than the one in flight', () => {
    const text = [put(1, 1), line({ process: 1, type: 'ok', f: 'get', key: 'x', time: 2, value: null })].join('\n')
    expect(errorOf(text)).toBe('history.ndjson:2: process 1 completed get(x) but its operation in flight is put(x) from history.ndjson:1')
  })

  it('accepts numbers as values for hand-written histories', () => {
    const parsed = parseHistoryNdjson([put(1, 1, 'invoke', 7), put(1, 2, 'ok', 7)].join('\n'), 'h')
    expect(parsed.ok && operationsOf(parsed.value)[0].input).toEqual({ f: 'put', value: '7' })
  })

  it('treats an invoke that never completes as unknown outcome', () => {
    const parsed = parseHistoryNdjson(put(1, 1), 'h')
    expect(parsed.ok && operationsOf(parsed.value)[0]).toMatchObject({ status: 'info', completeNs: null })
  })
})

describe('operationsOf', () => {
  it('throws with the event index for an in-memory history that breaks pairing', () => {
    expect(() => operationsOf([{ process: 1, type: 'ok', f: 'get', key: 'x', time: 1, value: null }])).toThrow(
      'invalid history: history event 0: process 1 reported "ok" for get but has no operation in flight',
    )
  })
})

describe('trace and final-state files', () => {
  it('names the line and field of a bad trace event and passes unknown kinds through', () => {
    const good = parseTraceNdjson([line({ t: 1, node: 'A', kind: 'brand-new-kind', x: 1 }), line({ t: 2, node: 'A', kind: 'role', role: 'leader', term: 1 })].join('\n'), 'trace.ndjson')
    expect(good.ok && good.value.length).toBe(2)
    const bad = parseTraceNdjson([line({ t: 1, node: 'A', kind: 'note', text: 'hi' }), line({ t: 2, node: 'A', kind: 'apply', index: 3, term: 1 })].join('\n'), 'trace.ndjson')
    expect(bad).toEqual({ ok: false, error: 'trace.ndjson:2: expected "hash" of an apply event to be a string, got nothing' })
  })

  it('validates final-states.json', () => {
    expect(parseFinalStates('{"node": "A"}', 'final-states.json')).toEqual({ ok: false, error: 'final-states.json: expected a list of {node, appliedIndex, hash, kvDigest}, got an object' })
    expect(parseFinalStates('[{"node": "A", "appliedIndex": 3, "hash": "h"}]', 'f.json')).toEqual({ ok: false, error: 'f.json: item 0: expected "kvDigest" of a final state to be a string, got nothing' })
  })
})
