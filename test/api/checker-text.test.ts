/**
 * The checker's findings in Korean: every code api/checker-text.ts knows has a Korean text, and on
 * a corpus of real verdicts (test/checker/checker-text-corpus.ts) the Korean says the same facts as
 * the English: no number, quoted value or node name is dropped. A stored verdict without the coded
 * form (a run recorded before it) keeps its English, as does a code from a newer checker.
 */
import { describe, expect, it } from 'vitest'
import {
  checkerCodes, sayChecker, sayInvariantDetail, sayVerdictWitness, sayWitnessFacts, type CheckerCode, type CheckerMessage,
} from '../../src-main/api/checker-text.js'
import type { Verdict } from '../../src-main/api/summary.js'
import { buildCorpus } from '../checker/checker-text-corpus.js'

const hangul = /[\uac00-\ud7a3]/

/** Codes whose Korean is the data alone: text from the history or the caller, verbatim. */
const dataOnly = new Set<CheckerCode>(['reasonText', 'keyNotReadBack'])

/** Codes no corpus verdict reaches (the runner's reasons, budgets that run out in wall-clock time): their samples. */
const samples: CheckerMessage[] = [
  { code: 'finalReadsOff', params: {} },
  { code: 'tooManyKeysToReadBack', params: { keys: 5000, max: 1000 } },
  { code: 'localReads', params: { mode: 'local' } },
  { code: 'searchOutOfTime', params: {} },
  { code: 'searchTooLarge', params: {} },
  { code: 'historyOutOfTime', params: {} },
  { code: 'nothingInHistory', params: {} },
  { code: 'noneChecked', params: { total: 4 } },
  { code: 'casAbsentAfterDeletes', params: { key: 'x', deletes: 1, writersMore: false, writers: [{ code: 'opAt', params: { op: { f: 'delete', key: 'x', status: 'ok' }, invokeMs: 1, completeMs: 2 } }] } },
]

/** Every message in a verdict, nested ones included. */
function messagesOf(verdict: Verdict): CheckerMessage[] {
  const found: CheckerMessage[] = []
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit)
    else if (typeof value === 'object' && value !== null) {
      if (typeof (value as CheckerMessage).code === 'string' && typeof (value as CheckerMessage).params === 'object') found.push(value as CheckerMessage)
      Object.values(value).forEach(visit)
    }
  }
  visit(verdict)
  return found
}

/** Numbers, quoted values and capitalised names a sentence states: what a translation must keep. */
function facts(text: string): string[] {
  return [...new Set(text.match(/"[^"]*"|\d+(?:\.\d+)?|\b[A-Z][a-z]*\b/g) ?? [])]
}

describe('the checker in Korean', () => {
  it('every code has a Korean text with Hangul, and every code is said somewhere in the corpus or the samples', async () => {
    const corpus = await buildCorpus()
    const all = [...corpus.flatMap(({ verdict }) => messagesOf(verdict)), ...samples]
    const said = new Set(all.map((message) => message.code))
    expect(checkerCodes.filter((code) => !said.has(code)), 'codes without a corpus verdict or sample').toEqual([])
    for (const message of all) {
      const korean = sayChecker(message, 'ko')
      if (!dataOnly.has(message.code)) expect(korean, `${message.code}: ${korean}`).toMatch(hangul)
    }
  })

  it('says the same facts as the English: every number, quoted value and node name of each detail and witness', async () => {
    const corpus = await buildCorpus()
    // English words that start a sentence are not facts; names of nodes and the checker's own words are.
    const englishWords = new Set(['Key', 'Unknown', 'No', 'The', 'Next', 'Operations', 'Longest', 'Cannot', 'Times', 'It', 'KV'])
    let checked = 0
    for (const { source, verdict } of corpus) {
      const pairs: [string, string][] = verdict.invariants.map((invariant) => [invariant.detail, sayInvariantDetail(invariant, 'ko')])
      if (verdict.witness !== undefined) pairs.push([verdict.witness, sayVerdictWitness(verdict, 'ko')!])
      for (const [english, korean] of pairs) {
        expect(korean, source).not.toBe(english)
        expect(korean, source).toMatch(hangul)
        const missing = facts(english).filter((fact) => !englishWords.has(fact) && !korean.includes(fact))
        expect(missing, `${source}\n${english}\n${korean}`).toEqual([])
        checked += 1
      }
    }
    expect(checked).toBeGreaterThan(400)
  })

  it('the English of each message is the stored detail and witness (what the CLI prints)', async () => {
    for (const { verdict } of await buildCorpus()) {
      for (const invariant of verdict.invariants) expect(sayChecker(invariant.message!, 'en')).toBe(invariant.detail)
      if (verdict.witness !== undefined) expect(sayWitnessFacts(verdict.witnessFacts!, 'en')).toBe(verdict.witness)
    }
  })

  it('a run recorded before the codes, or a code from a newer checker, keeps its English detail and witness', () => {
    const old = { name: 'election-safety', ok: true, detail: '2 terms with a leader, never more than one leader in a term' }
    expect(sayInvariantDetail(old, 'ko')).toBe(old.detail)
    expect(sayInvariantDetail({ ...old, message: { code: 'fromTheFuture', params: {} } }, 'ko')).toBe(old.detail)
    expect(sayInvariantDetail({ ...old, message: { code: 'twoLeaders', params: { term: 'not a number' } } }, 'ko')).toBe(old.detail)
    expect(sayVerdictWitness({ witness: 'Key "x" is not linearizable' }, 'ko')).toBe('Key "x" is not linearizable')
    expect(sayVerdictWitness({ witness: 'text', witnessFacts: { kind: 'other' } }, 'ko')).toBe('text')
    expect(sayVerdictWitness({}, 'ko')).toBeUndefined()
  })

  it('a stale read in Korean names the overwrite, its time and the value read, with the operations verbatim', () => {
    const verdict: Pick<Verdict, 'witness' | 'witnessFacts'> = {
      witness: 'English',
      witnessFacts: { kind: 'key', witness: {
        key: 'k0', keyOps: 3, experimentTime: true, timeOriginNs: 0, prefixTotal: 1, valueAfterPrefix: '2',
        story: { code: 'staleRead', params: {
          subject: { code: 'getReturned', params: { key: 'k0', seen: '1', invokeMs: 30, completeMs: 31.5 } },
          overwrite: { f: 'put', key: 'k0', value: '2', status: 'ok' }, overwriteMs: 20, cas: false,
          sources: { code: 'staleWrites', params: { seen: '1', last: { f: 'put', key: 'k0', value: '1', status: 'ok' }, lastMs: 10 } },
        } },
        core: [{ f: 'get', key: 'k0', output: '1', status: 'ok', process: 2, invokeMs: 30, completeMs: 31.5 }],
        prefixShown: [{ f: 'put', key: 'k0', value: '2', status: 'ok', process: 1, invokeMs: 15, completeMs: 20 }],
        stuck: [{ f: 'get', key: 'k0', output: '1', status: 'ok', process: 2, invokeMs: 30, completeMs: 31.5 }],
      } },
    }
    const korean = sayVerdictWitness(verdict, 'ko')!
    expect(korean).toContain('키 "k0"는 선형화 가능하지 않습니다')
    expect(korean).toContain('30.000–31.500 ms의 get(k0)이 "1"를 돌려주었습니다. 그러나 put(k0, "2")가 그 읽기가 시작하기 전인 20.000 ms에 완료되었고')
    expect(korean).toContain('오래된 읽기 또는 잃어버린 쓰기')
    expect(korean).toContain('p2    get(k0) → "1"')
    expect(korean).toContain('시간은 실험 시간의 밀리초입니다')
  })
})
