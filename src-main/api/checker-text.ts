/**
 * What the checker says, in the reader's language. The checker (src-main/checker) builds each
 * invariant's finding and each witness's story as a coded message, `{code, params}`, holding only
 * facts: node names, indexes, hashes, times in ms, keys, values and operations. This module is the
 * one place that words them: English here is the `detail` and `witness` text the checker stores
 * (what the CLI prints, what older runs hold), Korean is the same facts for the Korean verdict
 * panel, run report and hand-in. Pure: the renderer and the reports import it.
 *
 * A message this module cannot say (a code from a newer checker, params of the wrong shape) is
 * never dropped: the reader falls back to the stored English (sayInvariantDetail, sayVerdictWitness).
 */
export type CheckerLocale = 'en' | 'ko'

/** A key's value as the checker names it: a string, or null when the key is absent. */
export type CheckerValue = string | null

/** One client operation, as facts (the witness rows and the stories name them). */
export interface CheckerOperation {
  f: 'get' | 'put' | 'delete' | 'cas' | 'range'
  key: string
  /** put: value; cas: [expected, new]. */
  value?: CheckerValue | [CheckerValue, string]
  /** get's result, when it returned. */
  output?: CheckerValue
  status: 'ok' | 'info' | 'fail'
}

/** A client operation with its times, for the witness's rows. */
export interface CheckerOperationRow extends CheckerOperation {
  process: number
  /** Milliseconds after the witness's time origin. */
  invokeMs: number
  /** null when the outcome is unknown. */
  completeMs: number | null
}

export type CheckerParam =
  | string | number | boolean | null
  | CheckerMessage | CheckerOperation
  | readonly (CheckerMessage | CheckerOperation | string | null)[]
  | readonly [CheckerValue, string]

/** A finding of the checker as a code and the facts its sentence needs. */
export interface CheckerMessage {
  code: CheckerCode
  params: Readonly<Record<string, CheckerParam>>
}

/** A failing key's witness as facts: what describeWitness prints, in any language. */
export interface WitnessFacts {
  key: string
  /** Operations on the key the search considered. */
  keyOps: number
  /** Why the key cannot be linearized (the explanation). */
  story: CheckerMessage
  core: CheckerOperationRow[]
  /** The tail of the longest linearizable prefix that is shown; `prefixTotal` counts it all. */
  prefixShown: CheckerOperationRow[]
  prefixTotal: number
  valueAfterPrefix: CheckerValue
  stuck: CheckerOperationRow[]
  /** Times count from the experiment's 0 s; else from `timeOriginNs` of the history. */
  experimentTime: boolean
  timeOriginNs: number
}

/** The verdict's witness as facts: a failing key's, or why the answer is unknown. */
export type VerdictWitnessFacts = { kind: 'key'; witness: WitnessFacts } | { kind: 'message'; message: CheckerMessage }

type Params = CheckerMessage['params']
type Say = (message: CheckerMessage) => string
type Texts = Record<CheckerCode, (p: Params, say: Say) => string>

// ---- reading params (a wrong shape throws, and the reader falls back to the stored English) ----

function num(p: Params, name: string): number {
  const value = p[name]
  if (typeof value !== 'number') throw new Error(`param ${name} is not a number`)
  return value
}
function str(p: Params, name: string): string {
  const value = p[name]
  if (typeof value !== 'string') throw new Error(`param ${name} is not a string`)
  return value
}
function value(p: Params, name: string): CheckerValue {
  const found = p[name]
  if (found !== null && typeof found !== 'string') throw new Error(`param ${name} is not a value`)
  return found
}
function message(p: Params, name: string): CheckerMessage {
  const found = p[name]
  if (!isMessage(found)) throw new Error(`param ${name} is not a message`)
  return found
}
function messages(p: Params, name: string): CheckerMessage[] {
  const found = p[name]
  if (!Array.isArray(found) || !found.every(isMessage)) throw new Error(`param ${name} is not a list of messages`)
  return found as CheckerMessage[]
}
function operation(p: Params, name: string): CheckerOperation {
  const found = p[name]
  if (!isOperation(found)) throw new Error(`param ${name} is not an operation`)
  return found
}
function operations(p: Params, name: string): CheckerOperation[] {
  const found = p[name]
  if (!Array.isArray(found) || !found.every(isOperation)) throw new Error(`param ${name} is not a list of operations`)
  return found as CheckerOperation[]
}
function strings(p: Params, name: string): string[] {
  const found = p[name]
  if (!Array.isArray(found) || !found.every((item) => typeof item === 'string')) throw new Error(`param ${name} is not a list of names`)
  return found as string[]
}
function isMessage(found: unknown): found is CheckerMessage {
  return typeof found === 'object' && found !== null && !Array.isArray(found) && typeof (found as CheckerMessage).code === 'string' && typeof (found as CheckerMessage).params === 'object'
}
function isOperation(found: unknown): found is CheckerOperation {
  return typeof found === 'object' && found !== null && typeof (found as CheckerOperation).f === 'string' && typeof (found as CheckerOperation).key === 'string'
}

// ---- words both languages share: numbers, times, hashes and values stay as the run wrote them ----

const at = (ms: number): string => `${ms.toFixed(3)} ms`
const shortHash = (hash: string): string => (hash.length > 12 ? hash.slice(0, 12) + '…' : hash)

/** A time and interval of the witness, from the origin in ms (never confirmed: no end). */
function interval(p: Params, locale: CheckerLocale): string {
  const invokeMs = num(p, 'invokeMs')
  const completeMs = p.completeMs
  if (typeof completeMs !== 'number') return `${invokeMs.toFixed(3)} ms (${locale === 'en' ? 'never confirmed' : '확인되지 않음'})`
  return `${invokeMs.toFixed(3)}–${completeMs.toFixed(3)} ms`
}

export function sayValue(found: CheckerValue | undefined, locale: CheckerLocale): string {
  if (found === null || found === undefined) return locale === 'en' ? 'absent' : '없음'
  return JSON.stringify(found)
}

/** put(x, "1"), get(x) → "1", cas(x, "1"→"2"), delete(x); the outcome when it is not ok. */
export function sayOperation(op: CheckerOperation, locale: CheckerLocale): string {
  const v = (found: CheckerValue | undefined) => sayValue(found, locale)
  let text: string
  switch (op.f) {
    case 'put': text = `put(${op.key}, ${v(op.value as CheckerValue)})`; break
    case 'delete': text = `delete(${op.key})`; break
    case 'get': text = op.status === 'ok' ? `get(${op.key}) → ${v(op.output)}` : `get(${op.key})`; break
    case 'cas': {
      const [expected, next] = Array.isArray(op.value) ? op.value : [null, '']
      text = `cas(${op.key}, ${v(expected)}→${v(next)})`
      break
    }
    case 'range': text = `range(${op.key})`; break
    default: throw new Error(`unknown operation ${String((op as { f: unknown }).f)}`)
  }
  if (op.status === 'info') text += locale === 'en' ? ' (outcome unknown)' : ' (결과 모름)'
  if (op.status === 'fail') text += locale === 'en' ? ' (failed)' : ' (실패)'
  return text
}

// ---- English ----

const irregularPlurals: Record<string, string> = { index: 'indexes', primary: 'primaries', crash: 'crashes' }
const pluralOf = (word: string): string => irregularPlurals[word] ?? `${word}s`
const plural = (count: number, word: string): string => `${count} ${count === 1 ? word : pluralOf(word)}`

function experimentTimeEn(ms: number): string {
  return ms < 0 ? `${(-ms / 1000).toFixed(2)} s before the start` : `${(ms / 1000).toFixed(2)} s`
}

const enOp = (p: Params, name: string): string => sayOperation(operation(p, name), 'en')
const enValue = (p: Params, name: string): string => sayValue(value(p, name), 'en')
const enOpsAt = (p: Params, name: string, say: Say): string => messages(p, name).map(say).join(', ')

/** Texts of lists: the items joined by "; ", then how many more were left out. */
function listEn(p: Params, say: Say): string {
  const more = num(p, 'more')
  const moreNodes = p.moreNodes === undefined ? '' : ` (${strings(p, 'moreNodes').join(', ')})`
  return messages(p, 'items').map(say).join('; ') + (more > 0 ? `; and ${more} more${moreNodes}` : '')
}

const en: Texts = {
  list: listEn,
  inGroup: (p, say) => `group ${num(p, 'group')}: ${say(message(p, 'finding'))}`,
  allGroups: (p, say) => `all ${num(p, 'groups')} groups: ${say(message(p, 'finding'))}`,
  faultyExcluded: (p, say) => `${say(message(p, 'finding'))} (faulty nodes ${strings(p, 'nodes').join(', ')} excluded)`,

  noLeader: (p) => `no node became ${str(p, 'leaderWord')} in the trace; nothing to compare`,
  oneLeaderPerTerm: (p) => `${plural(num(p, 'terms'), str(p, 'termWord'))} with a ${str(p, 'leaderWord')}, never more than one ${str(p, 'leaderWord')} in a ${str(p, 'termWord')}`,
  twoLeaders: (p) => `${str(p, 'termWord')} ${num(p, 'term')} had two ${pluralOf(str(p, 'leaderWord'))}: ${str(p, 'first')} (from ${at(num(p, 'firstMs'))}) and ${str(p, 'second')} (from ${at(num(p, 'secondMs'))})`,

  noExit: (p) => {
    const crashes = num(p, 'crashes')
    const removals = num(p, 'removals')
    const stopped = [...(crashes > 0 ? [plural(crashes, 'crash')] : []), ...(removals > 0 ? [plural(removals, 'removal')] : [])]
    return `no replica exited on its own${stopped.length > 0 ? ` (${stopped.join(' and ')} by the experiment)` : ''}`
  },
  exitedOnItsOwn: (p) => `${str(p, 'node')} exited on its own at ${experimentTimeEn(num(p, 'atMs'))}: ${p.reason === null ? 'no reason recorded' : str(p, 'reason')}`,

  noApplies: () => 'no apply events in the trace; nothing to compare',
  appliedHashesEqual: (p) => `${plural(num(p, 'indexes'), 'index')} reported by two or more nodes, all with equal applied hashes`,
  firstDivergence: (p) => {
    const index = num(p, 'index')
    const divergent = num(p, 'divergent')
    return `first divergence at index ${index} ${str(p, 'first')} applied hash ${shortHash(str(p, 'firstHash'))} (term ${num(p, 'firstTerm')}, ${at(num(p, 'firstMs'))}) `
      + `but ${str(p, 'other')} applied ${shortHash(str(p, 'otherHash'))} (term ${num(p, 'otherTerm')}, ${at(num(p, 'otherMs'))}): their applied sequences differ at or before index ${index}`
      + (divergent > 1 ? ` (${divergent} divergent indices in all)` : '')
  },

  noAppliedLost: (p) => `${plural(num(p, 'applies'), 'apply report')}: no node changed an applied entry or truncated below its commit index`,
  appliedEntryChanged: (p) => `${str(p, 'node')} applied index ${num(p, 'index')} with hash ${shortHash(str(p, 'firstHash'))} at ${at(num(p, 'firstMs'))}, then with ${shortHash(str(p, 'hash'))} at ${at(num(p, 'ms'))}: an applied entry changed`,
  truncatedBelowCommit: (p) => `${str(p, 'node')} truncated its log from index ${num(p, 'fromIndex')} at ${at(num(p, 'ms'))} although it had committed or applied up to index ${num(p, 'kept')}`,

  noCommits: () => 'no commit events in the trace; nothing to check',
  commitsMonotonic: (p) => `${plural(num(p, 'commits'), 'commit report')}, never decreasing between restarts`,
  commitDecreased: (p) => `${str(p, 'node')} reported commit index ${num(p, 'index')} at ${at(num(p, 'ms'))} after ${num(p, 'lastIndex')} at ${at(num(p, 'lastMs'))} without restarting`,

  noLeaderTruncated: () => 'no leader truncated its own log',
  leaderTruncated: (p) => `${str(p, 'node')}, leader of term ${num(p, 'term')} since ${at(num(p, 'sinceMs'))}, truncated its own log from index ${num(p, 'fromIndex')} at ${at(num(p, 'ms'))}`,

  leadersComplete: (p) => `${plural(num(p, 'elections'), 'election')}: every new leader applied earlier applied entries identically`,
  leaderIncomplete: (p) => {
    const term = num(p, 'term')
    const still = p.stillLeader === true ? `as leader of term ${term}` : `after leading term ${term}`
    return `${str(p, 'first')} applied index ${num(p, 'index')} (hash ${shortHash(str(p, 'firstHash'))}) at ${at(num(p, 'firstMs'))}; ${str(p, 'node')} was elected for term ${term} at ${at(num(p, 'electedMs'))} and then applied a different entry there (hash ${shortHash(str(p, 'hash'))}) ${still}`
  },

  noFinalStates: () => 'no final states reported; nothing to compare',
  finalStatesAgree: (p, say) => `${messages(p, 'groups').map(say).join('; ')}; nodes at the same index agree on hash and KV digest`,
  nodesAtIndex: (p) => `${strings(p, 'nodes').join(', ')} at index ${num(p, 'index')}`,
  finalHashNotTraced: (p) => `${str(p, 'node')} ends at index ${num(p, 'index')} with hash ${shortHash(str(p, 'hash'))} but reported ${shortHash(str(p, 'traced'))} there at ${at(num(p, 'ms'))}`,
  finalHashesDiffer: (p) => `${str(p, 'first')} and ${str(p, 'other')} both end at index ${num(p, 'index')} but with different hashes (${shortHash(str(p, 'firstHash'))} vs ${shortHash(str(p, 'otherHash'))})`,
  finalKvDiffers: (p) => `${str(p, 'first')} and ${str(p, 'other')} applied the same sequence up to index ${num(p, 'index')} but hold different KV contents (digest ${shortHash(str(p, 'firstDigest'))} vs ${shortHash(str(p, 'otherDigest'))})`,

  configuration: (p) => {
    const learners = strings(p, 'learners')
    const index = num(p, 'index')
    return `voters ${strings(p, 'voters').join(', ')}${learners.length === 0 ? '' : `, learners ${learners.join(', ')}`} (${index === 0 ? 'the starting members' : `entry ${index}`})`
  },
  unknownConfiguration: () => 'an unknown configuration',
  configurationsKept: (p, say) => `${num(p, 'elections')} election(s): each leader was elected under the newest committed configuration or one change from it, and no term had two leaders (${p.newest === null ? 'none reported committed' : `newest committed: ${say(message(p, 'newest'))}`})`,
  twoLeadersConfigured: (p, say) => `term ${num(p, 'term')} had two leaders: ${str(p, 'first')} (elected under ${say(message(p, 'firstConfig'))}) and ${str(p, 'second')} (elected under ${say(message(p, 'secondConfig'))})`,
  leaderTooFarFromCommitted: (p, say) => `term ${num(p, 'term')} at ${at(num(p, 'ms'))}: ${str(p, 'leader')} was elected under ${say(message(p, 'elected'))}, ${num(p, 'apart')} changes from the newest committed configuration, ${say(message(p, 'newest'))}: `
    + 'a majority of one need not overlap a majority of the other'
    + messages(p, 'stillLeading').map((other) => `; ${say(other)}`).join(''),
  stillLeading: (p, say) => `${str(p, 'node')} still led term ${num(p, 'term')}, elected under ${say(message(p, 'config'))}`,

  noWriteAcknowledged: () => 'no write was acknowledged, so none could be lost',
  writesNotReadBack: (p, say) => `unknown: ${plural(num(p, 'writes'), 'acknowledged write')}, not read back at the end: ${say(message(p, 'reason'))}`,
  noFinalReads: (p) => `unknown: ${plural(num(p, 'writes'), 'acknowledged write')}, and the history holds no final reads to compare them with`,
  writesLost: (p, say) => {
    const more = num(p, 'more')
    return `${num(p, 'lost')} of ${plural(num(p, 'writes'), 'acknowledged write')} lost: ${messages(p, 'examples').map(say).join('; ')}${more > 0 ? `; and ${more} more` : ''}${unreadEn(p, say)}`
  },
  writeLost: (p) => `${enOp(p, 'write')} by process ${num(p, 'process')} was acknowledged, but ${str(p, 'key')} read back at the end as ${enValue(p, 'final')}, which no write that may have followed it wrote`,
  noneLostSomeUnread: (p, say) => `unknown: none of ${plural(num(p, 'writes'), 'acknowledged write')} on the ${plural(num(p, 'keys'), 'key')} read back was lost${unreadEn(p, say)}`,
  writesKept: (p) => `${plural(num(p, 'writes'), 'acknowledged write')} on ${plural(num(p, 'keys'), 'key')}, every key read back at the end: each write is its key's final value or was followed by the write that is`,
  keyNotReadBack: (p) => `${str(p, 'key')} (${p.error === null ? 'no answer' : str(p, 'error')})`,
  keyNeverRead: (p) => `${str(p, 'key')} (not read: the final reads ran out of time)`,
  finalReadsOff: () => 'final reads were turned off for this run',
  tooManyKeysToReadBack: (p) => `the workload has ${num(p, 'keys')} keys, more than the ${num(p, 'max')} read back at the end`,
  localReads: (p) => `reads in ${str(p, 'mode')} mode answer from each node's own copy, which may lag, so a final read cannot show that a write was lost`,
  reasonText: (p) => str(p, 'text'),

  getReturned: (p) => `get(${str(p, 'key')}) at ${interval(p, 'en')} returned ${enValue(p, 'seen')}`,
  casSucceeded: (p) => `${enOp(p, 'op')} at ${interval(p, 'en')} succeeded, so ${str(p, 'key')} held ${enValue(p, 'seen')}`,
  opAt: (p) => `${enOp(p, 'op')} at ${interval(p, 'en')}`,
  readOfUnwritten: (p, say) => `${say(message(p, 'subject'))}, but no operation that could have taken effect ever wrote ${enValue(p, 'seen')} to ${str(p, 'key')}.`,
  readFromFuture: (p, say) => `${say(message(p, 'subject'))}, but the first write of ${enValue(p, 'seen')}, ${enOp(p, 'write')}, only began at ${at(num(p, 'beganMs'))}, after that had returned.`,
  casConflict: (p, say) => {
    const seen = enValue(p, 'seen')
    const key = str(p, 'key')
    return `${num(p, 'count')} cas operations on ${key} succeeded from ${seen} (${enOpsAt(p, 'away', say)}${p.awayMore === true ? ', ...' : ''}), but ${say(message(p, 'written'))}, and each successful cas moves ${key} away from ${seen}: at most ${num(p, 'sources')} of them can have succeeded.`
  },
  casStartedAbsent: () => 'the key started absent and was never deleted',
  casAbsentAfterDeletes: (p, say) => {
    const deletes = num(p, 'deletes')
    return `${str(p, 'key')} was absent only at the start and after ${deletes} delete${deletes === 1 ? '' : 's'} (${enOpsAt(p, 'writers', say)}${p.writersMore === true ? ', ...' : ''})`
  },
  casWrittenTimes: (p, say) => {
    const sources = num(p, 'sources')
    return `${enValue(p, 'seen')} was written only ${sources === 1 ? 'once' : `${sources} times`} (${enOpsAt(p, 'writers', say)}${p.writersMore === true ? ', ...' : ''})`
  },
  staleRead: (p, say) => {
    const what = p.cas === true ? 'the cas' : 'the read'
    return `${say(message(p, 'subject'))}, but ${enOp(p, 'overwrite')} completed at ${at(num(p, 'overwriteMs'))}, before ${what} began, and ${say(message(p, 'sources'))}, so ${what} saw a value that had already been overwritten (stale read or lost write).`
  },
  staleWrites: (p) => `every write of ${enValue(p, 'seen')} had completed before it began (the last, ${enOp(p, 'last')}, at ${at(num(p, 'lastMs'))}); nothing wrote ${enValue(p, 'seen')} after it`,
  staleDeletes: (p) => `every delete of ${str(p, 'key')} had completed before it began (the last at ${at(num(p, 'lastMs'))}); nothing deleted ${str(p, 'key')} after it`,
  staleNeverDeleted: (p) => `nothing ever deleted ${str(p, 'key')}`,
  noValidOrder: (p, say) => {
    const key = str(p, 'key')
    const others = operations(p, 'others')
    const othersText = others.length === 0
      ? 'no other operation was pending that could change it first'
      : `the ${num(p, 'otherCount')} other pending operation${num(p, 'otherCount') === 1 ? '' : 's'} (${others.map((other) => sayOperation(other, 'en')).join(', ')}${p.othersMore === true ? ', ...' : ''}) cannot take effect in that state either`
    const source = p.lastWriter === null ? '' : ` (last written by ${say(message(p, 'lastWriter'))})`
    return `No order of the ${num(p, 'count')} operations on ${key} agrees with both real time and the results. `
      + `The longest valid order found places ${num(p, 'placed')} of them and leaves ${key} = ${enValue(p, 'state')}${source}. `
      + `Next, ${say(message(p, 'blocked'))} had to take effect before it returned, but it needs ${key} = ${enValue(p, 'needs')}, and ${othersText}.`
  },

  nothingInHistory: () => 'Unknown: the history holds no operation, so there is nothing to judge.',
  noneAcknowledged: (p) => `Unknown: none of the ${num(p, 'total')} operations was acknowledged (${num(p, 'ok')} ok, ${num(p, 'fail')} fail, ${num(p, 'info')} info), so there is nothing to judge.`,
  noneChecked: (p) => `Unknown: none of the ${num(p, 'total')} operations was acknowledged and checked (acknowledged range reads span keys and are not checked), so there is nothing to judge.`,
  keysUndecided: (p, say) => `Unknown: the checker could not decide ${num(p, 'unknown')} of ${num(p, 'keys')} keys within its budget: ${messages(p, 'listed').map(say).join('; ')}${p.more === true ? '; ...' : ''}. It never guesses; rerun with a larger budget (lab check <run-dir> --budget 5m) or a shorter history.`,
  keyUndecided: (p, say) => `${JSON.stringify(str(p, 'key'))} (${num(p, 'ops')} operations: ${p.reason === null ? 'over budget' : say(message(p, 'reason'))})`,
  searchExceededSteps: (p) => `search exceeded ${num(p, 'steps')} steps`,
  searchOutOfTime: () => 'search ran out of time',
  searchTooLarge: () => 'search space too large for memory',
  historyOutOfTime: () => 'not checked: the time budget for the whole history ran out',
}

function unreadEn(p: Params, say: Say): string {
  const keys = num(p, 'unreadKeys')
  if (keys === 0) return ''
  const listed = messages(p, 'unread')
  return `; ${plural(keys, 'key')} could not be read back: ${listed.map(say).join(', ')}${keys > listed.length ? ', ...' : ''}`
}

// ---- Korean: the same facts; names, numbers, times, hashes, keys and values as the run wrote them ----

const termKo = (p: Params): string => (str(p, 'termWord') === 'view' ? '뷰' : '임기')
const leaderKo = (p: Params): string => (str(p, 'leaderWord') === 'primary' ? '프라이머리' : '리더')
const koOp = (p: Params, name: string): string => sayOperation(operation(p, name), 'ko')
const koValue = (p: Params, name: string): string => sayValue(value(p, name), 'ko')

function experimentTimeKo(ms: number): string {
  return ms < 0 ? `시작 ${(-ms / 1000).toFixed(2)} s 전` : `${(ms / 1000).toFixed(2)} s`
}

function listKo(p: Params, say: Say): string {
  const more = num(p, 'more')
  const moreNodes = p.moreNodes === undefined ? '' : ` (${strings(p, 'moreNodes').join(', ')})`
  return messages(p, 'items').map(say).join('; ') + (more > 0 ? `; 그 밖에 ${more}건${moreNodes}` : '')
}

function unreadKo(p: Params, say: Say): string {
  const keys = num(p, 'unreadKeys')
  if (keys === 0) return ''
  const listed = messages(p, 'unread')
  return `; 키 ${keys}개는 다시 읽지 못했습니다: ${listed.map(say).join(', ')}${keys > listed.length ? ', ...' : ''}`
}

const ko: Texts = {
  list: listKo,
  inGroup: (p, say) => `그룹 ${num(p, 'group')}: ${say(message(p, 'finding'))}`,
  allGroups: (p, say) => `그룹 ${num(p, 'groups')}개 모두: ${say(message(p, 'finding'))}`,
  faultyExcluded: (p, say) => `${say(message(p, 'finding'))} (결함 노드 ${strings(p, 'nodes').join(', ')} 제외)`,

  noLeader: (p) => `트레이스에서 ${leaderKo(p)}가 된 노드가 없어 비교할 것이 없습니다`,
  oneLeaderPerTerm: (p) => `${leaderKo(p)}가 있던 ${termKo(p)} ${num(p, 'terms')}개, 한 ${termKo(p)}에 ${leaderKo(p)}는 늘 하나 이하`,
  twoLeaders: (p) => `${termKo(p)} ${num(p, 'term')}에 ${leaderKo(p)}가 둘이었습니다: ${str(p, 'first')} (${at(num(p, 'firstMs'))}부터)와 ${str(p, 'second')} (${at(num(p, 'secondMs'))}부터)`,

  noExit: (p) => {
    const crashes = num(p, 'crashes')
    const removals = num(p, 'removals')
    const stopped = [...(crashes > 0 ? [`크래시 ${crashes}번`] : []), ...(removals > 0 ? [`제거 ${removals}번`] : [])]
    return `스스로 종료한 레플리카가 없습니다${stopped.length > 0 ? ` (실험이 일으킨 ${stopped.join(', ')})` : ''}`
  },
  exitedOnItsOwn: (p) => `${str(p, 'node')}가 ${experimentTimeKo(num(p, 'atMs'))}에 스스로 종료했습니다: ${p.reason === null ? '기록된 이유 없음' : str(p, 'reason')}`,

  noApplies: () => '트레이스에 적용(apply) 이벤트가 없어 비교할 것이 없습니다',
  appliedHashesEqual: (p) => `둘 이상의 노드가 보고한 인덱스 ${num(p, 'indexes')}개, 모두 적용 해시가 같음`,
  firstDivergence: (p) => {
    const index = num(p, 'index')
    const divergent = num(p, 'divergent')
    return `인덱스 ${index}에서 처음 갈라졌습니다: ${str(p, 'first')}는 해시 ${shortHash(str(p, 'firstHash'))}를 적용했고 (임기 ${num(p, 'firstTerm')}, ${at(num(p, 'firstMs'))}) `
      + `${str(p, 'other')}는 ${shortHash(str(p, 'otherHash'))}를 적용했습니다 (임기 ${num(p, 'otherTerm')}, ${at(num(p, 'otherMs'))}): 두 노드가 적용한 순서는 인덱스 ${index}나 그 전에서 다릅니다`
      + (divergent > 1 ? ` (갈라진 인덱스는 모두 ${divergent}개)` : '')
  },

  noAppliedLost: (p) => `적용 보고 ${num(p, 'applies')}건: 적용한 항목을 바꾸거나 커밋 인덱스 아래로 로그를 잘라 낸 노드가 없습니다`,
  appliedEntryChanged: (p) => `${str(p, 'node')}가 인덱스 ${num(p, 'index')}를 ${at(num(p, 'firstMs'))}에 해시 ${shortHash(str(p, 'firstHash'))}로, ${at(num(p, 'ms'))}에 다시 ${shortHash(str(p, 'hash'))}로 적용했습니다: 적용한 항목이 바뀌었습니다`,
  truncatedBelowCommit: (p) => `${str(p, 'node')}가 인덱스 ${num(p, 'kept')}까지 커밋하거나 적용했는데도 ${at(num(p, 'ms'))}에 인덱스 ${num(p, 'fromIndex')}부터 로그를 잘라 냈습니다`,

  noCommits: () => '트레이스에 커밋 이벤트가 없어 확인할 것이 없습니다',
  commitsMonotonic: (p) => `커밋 보고 ${num(p, 'commits')}건, 재시작 사이에 줄어든 적 없음`,
  commitDecreased: (p) => `${str(p, 'node')}가 재시작 없이 ${at(num(p, 'lastMs'))}의 ${num(p, 'lastIndex')} 다음에 ${at(num(p, 'ms'))}에 커밋 인덱스 ${num(p, 'index')}를 보고했습니다`,

  noLeaderTruncated: () => '자기 로그를 잘라 낸 리더가 없습니다',
  leaderTruncated: (p) => `${at(num(p, 'sinceMs'))}부터 임기 ${num(p, 'term')}의 리더였던 ${str(p, 'node')}가 ${at(num(p, 'ms'))}에 인덱스 ${num(p, 'fromIndex')}부터 자기 로그를 잘라 냈습니다`,

  leadersComplete: (p) => `선출 ${num(p, 'elections')}번: 새 리더마다 앞서 적용된 항목을 똑같이 적용했습니다`,
  leaderIncomplete: (p) => {
    const term = num(p, 'term')
    const still = p.stillLeader === true ? `임기 ${term}의 리더로서` : `임기 ${term}을 이끈 뒤에`
    return `${str(p, 'first')}가 ${at(num(p, 'firstMs'))}에 인덱스 ${num(p, 'index')}를 적용했는데 (해시 ${shortHash(str(p, 'firstHash'))}), ${str(p, 'node')}는 ${at(num(p, 'electedMs'))}에 임기 ${term}의 리더로 선출된 뒤 ${still} 그 자리에 다른 항목을 적용했습니다 (해시 ${shortHash(str(p, 'hash'))})`
  },

  noFinalStates: () => '보고된 최종 상태가 없어 비교할 것이 없습니다',
  finalStatesAgree: (p, say) => `${messages(p, 'groups').map(say).join('; ')}; 같은 인덱스의 노드는 해시와 KV 다이제스트가 같습니다`,
  nodesAtIndex: (p) => `${strings(p, 'nodes').join(', ')}: 인덱스 ${num(p, 'index')}`,
  finalHashNotTraced: (p) => `${str(p, 'node')}는 인덱스 ${num(p, 'index')}에서 해시 ${shortHash(str(p, 'hash'))}로 끝났지만 ${at(num(p, 'ms'))}에 그 인덱스에서 ${shortHash(str(p, 'traced'))}를 보고했습니다`,
  finalHashesDiffer: (p) => `${str(p, 'first')}와 ${str(p, 'other')}는 둘 다 인덱스 ${num(p, 'index')}에서 끝났지만 해시가 다릅니다 (${shortHash(str(p, 'firstHash'))} 대 ${shortHash(str(p, 'otherHash'))})`,
  finalKvDiffers: (p) => `${str(p, 'first')}와 ${str(p, 'other')}는 인덱스 ${num(p, 'index')}까지 같은 순서를 적용했지만 KV 내용이 다릅니다 (다이제스트 ${shortHash(str(p, 'firstDigest'))} 대 ${shortHash(str(p, 'otherDigest'))})`,

  configuration: (p) => {
    const learners = strings(p, 'learners')
    const index = num(p, 'index')
    return `투표자 ${strings(p, 'voters').join(', ')}${learners.length === 0 ? '' : `, 학습자 ${learners.join(', ')}`} (${index === 0 ? '처음 멤버' : `항목 ${index}`})`
  },
  unknownConfiguration: () => '알 수 없는 구성',
  configurationsKept: (p, say) => `선출 ${num(p, 'elections')}번: 리더마다 가장 최근에 커밋된 구성이나 그 구성과 한 번 바뀐 구성에서 선출되었고, 리더가 둘인 임기는 없었습니다 (${p.newest === null ? '커밋된 구성 보고 없음' : `가장 최근에 커밋된 구성: ${say(message(p, 'newest'))}`})`,
  twoLeadersConfigured: (p, say) => `임기 ${num(p, 'term')}에 리더가 둘이었습니다: ${str(p, 'first')} (${say(message(p, 'firstConfig'))}에서 선출)와 ${str(p, 'second')} (${say(message(p, 'secondConfig'))}에서 선출)`,
  leaderTooFarFromCommitted: (p, say) => `임기 ${num(p, 'term')}, ${at(num(p, 'ms'))}: ${str(p, 'leader')}는 ${say(message(p, 'elected'))}에서 선출되었는데, 가장 최근에 커밋된 구성 ${say(message(p, 'newest'))}와 ${num(p, 'apart')}번 바뀐 차이가 있습니다: `
    + '한쪽의 과반수가 다른 쪽의 과반수와 겹친다는 보장이 없습니다'
    + messages(p, 'stillLeading').map((other) => `; ${say(other)}`).join(''),
  stillLeading: (p, say) => `${str(p, 'node')}는 아직 임기 ${num(p, 'term')}의 리더였습니다 (${say(message(p, 'config'))}에서 선출)`,

  noWriteAcknowledged: () => '확인 응답을 받은 쓰기가 없어 잃을 쓰기도 없습니다',
  writesNotReadBack: (p, say) => `알 수 없음: 확인 응답을 받은 쓰기 ${num(p, 'writes')}건을 끝에 다시 읽지 않았습니다: ${say(message(p, 'reason'))}`,
  noFinalReads: (p) => `알 수 없음: 확인 응답을 받은 쓰기 ${num(p, 'writes')}건이 있지만, 견줄 최종 읽기가 히스토리에 없습니다`,
  writesLost: (p, say) => {
    const more = num(p, 'more')
    return `확인 응답을 받은 쓰기 ${num(p, 'writes')}건 중 ${num(p, 'lost')}건을 잃었습니다: ${messages(p, 'examples').map(say).join('; ')}${more > 0 ? `; 그 밖에 ${more}건` : ''}${unreadKo(p, say)}`
  },
  writeLost: (p) => `프로세스 ${num(p, 'process')}의 ${koOp(p, 'write')}는 확인 응답을 받았지만, 끝에 다시 읽은 ${str(p, 'key')}는 ${koValue(p, 'final')}였고, 그 뒤에 왔을 수 있는 어떤 쓰기도 그 값을 쓰지 않았습니다`,
  noneLostSomeUnread: (p, say) => `알 수 없음: 다시 읽은 키 ${num(p, 'keys')}개에서는 확인 응답을 받은 쓰기 ${num(p, 'writes')}건 중 잃은 것이 없습니다${unreadKo(p, say)}`,
  writesKept: (p) => `키 ${num(p, 'keys')}개에 확인 응답을 받은 쓰기 ${num(p, 'writes')}건, 모든 키를 끝에 다시 읽었습니다: 쓰기마다 그 키의 최종 값이거나, 최종 값을 쓴 쓰기가 뒤따랐습니다`,
  keyNotReadBack: (p) => `${str(p, 'key')} (${p.error === null ? '응답 없음' : str(p, 'error')})`,
  keyNeverRead: (p) => `${str(p, 'key')} (읽지 못함: 최종 읽기 시간이 다 됨)`,
  finalReadsOff: () => '이 실행은 최종 읽기를 껐습니다',
  tooManyKeysToReadBack: (p) => `워크로드의 키가 ${num(p, 'keys')}개로, 끝에 다시 읽는 ${num(p, 'max')}개보다 많습니다`,
  localReads: (p) => `${str(p, 'mode')} 모드의 읽기는 뒤처질 수 있는 각 노드 자신의 사본에서 답하므로, 최종 읽기로는 쓰기를 잃었는지 보일 수 없습니다`,
  reasonText: (p) => str(p, 'text'),

  getReturned: (p) => `${interval(p, 'ko')}의 get(${str(p, 'key')})이 ${koValue(p, 'seen')}를 돌려주었습니다`,
  casSucceeded: (p) => `${interval(p, 'ko')}의 ${koOp(p, 'op')}가 성공했으므로 ${str(p, 'key')}는 ${koValue(p, 'seen')}였습니다`,
  opAt: (p) => `${interval(p, 'ko')}의 ${koOp(p, 'op')}`,
  readOfUnwritten: (p, say) => `${say(message(p, 'subject'))}. 그러나 효력이 있었을 수 있는 어떤 연산도 ${str(p, 'key')}에 ${koValue(p, 'seen')}를 쓴 적이 없습니다.`,
  readFromFuture: (p, say) => `${say(message(p, 'subject'))}. 그러나 ${koValue(p, 'seen')}의 첫 쓰기인 ${koOp(p, 'write')}는 그 연산이 돌아온 뒤인 ${at(num(p, 'beganMs'))}에야 시작했습니다.`,
  casConflict: (p, say) => {
    const seen = koValue(p, 'seen')
    const key = str(p, 'key')
    return `${key}에서 ${seen}로부터 성공한 cas 연산이 ${num(p, 'count')}개입니다 (${messages(p, 'away').map(say).join(', ')}${p.awayMore === true ? ', ...' : ''}). 그러나 ${say(message(p, 'written'))}. 성공한 cas는 저마다 ${key}를 ${seen}에서 벗어나게 하므로, 그중 많아야 ${num(p, 'sources')}개만 성공할 수 있습니다.`
  },
  casStartedAbsent: () => '그 키는 처음에 없었고 한 번도 삭제되지 않았습니다',
  casAbsentAfterDeletes: (p, say) => `${str(p, 'key')}가 없던 때는 처음과 삭제 ${num(p, 'deletes')}번 뒤뿐입니다 (${messages(p, 'writers').map(say).join(', ')}${p.writersMore === true ? ', ...' : ''})`,
  casWrittenTimes: (p, say) => `${koValue(p, 'seen')}는 ${num(p, 'sources')}번만 쓰였습니다 (${messages(p, 'writers').map(say).join(', ')}${p.writersMore === true ? ', ...' : ''})`,
  staleRead: (p, say) => {
    const what = p.cas === true ? '그 cas' : '그 읽기'
    return `${say(message(p, 'subject'))}. 그러나 ${koOp(p, 'overwrite')}가 ${what}가 시작하기 전인 ${at(num(p, 'overwriteMs'))}에 완료되었고, ${say(message(p, 'sources'))}. 그러므로 ${what}는 이미 덮어쓴 값을 보았습니다 (오래된 읽기 또는 잃어버린 쓰기).`
  },
  staleWrites: (p) => `${koValue(p, 'seen')}의 쓰기는 모두 그 전에 완료되었고 (마지막은 ${at(num(p, 'lastMs'))}의 ${koOp(p, 'last')}), 그 뒤로 ${koValue(p, 'seen')}를 쓴 연산은 없습니다`,
  staleDeletes: (p) => `${str(p, 'key')}의 삭제는 모두 그 전에 완료되었고 (마지막은 ${at(num(p, 'lastMs'))}), 그 뒤로 ${str(p, 'key')}를 삭제한 연산은 없습니다`,
  staleNeverDeleted: (p) => `${str(p, 'key')}를 삭제한 연산은 한 번도 없습니다`,
  noValidOrder: (p, say) => {
    const key = str(p, 'key')
    const others = operations(p, 'others')
    const othersText = others.length === 0
      ? '그보다 먼저 값을 바꿀 수 있는, 대기 중인 다른 연산도 없습니다'
      : `대기 중인 다른 연산 ${num(p, 'otherCount')}개 (${others.map((other) => sayOperation(other, 'ko')).join(', ')}${p.othersMore === true ? ', ...' : ''})도 그 상태에서는 효력을 낼 수 없습니다`
    const source = p.lastWriter === null ? '' : ` (마지막으로 쓴 연산: ${say(message(p, 'lastWriter'))})`
    return `${key}에 대한 연산 ${num(p, 'count')}개를 실제 시간과 결과 둘 다에 맞게 늘어놓는 순서가 없습니다. `
      + `찾은 가장 긴 유효한 순서는 그중 ${num(p, 'placed')}개를 놓고 ${key} = ${koValue(p, 'state')}${source}로 끝납니다. `
      + `다음으로 ${say(message(p, 'blocked'))}가 돌아오기 전에 효력을 내야 했지만, 그러려면 ${key} = ${koValue(p, 'needs')}여야 하고, ${othersText}.`
  },

  nothingInHistory: () => '알 수 없음: 히스토리에 연산이 없어 판단할 것이 없습니다.',
  noneAcknowledged: (p) => `알 수 없음: 연산 ${num(p, 'total')}개 중 확인 응답을 받은 것이 없어 (ok ${num(p, 'ok')}, fail ${num(p, 'fail')}, info ${num(p, 'info')}) 판단할 것이 없습니다.`,
  noneChecked: (p) => `알 수 없음: 연산 ${num(p, 'total')}개 중 확인 응답을 받고 검사된 것이 없어 (확인된 range 읽기는 여러 키에 걸쳐 검사하지 않습니다) 판단할 것이 없습니다.`,
  keysUndecided: (p, say) => `알 수 없음: 검사기가 예산 안에 키 ${num(p, 'keys')}개 중 ${num(p, 'unknown')}개를 판정하지 못했습니다: ${messages(p, 'listed').map(say).join('; ')}${p.more === true ? '; ...' : ''}. 검사기는 추측하지 않습니다. 예산을 늘리거나(lab check <run-dir> --budget 5m) 더 짧은 히스토리로 다시 실행하세요.`,
  keyUndecided: (p, say) => `${JSON.stringify(str(p, 'key'))} (연산 ${num(p, 'ops')}개: ${p.reason === null ? '예산 초과' : say(message(p, 'reason'))})`,
  searchExceededSteps: (p) => `탐색이 ${num(p, 'steps')}단계를 넘었습니다`,
  searchOutOfTime: () => '탐색 시간이 다 됐습니다',
  searchTooLarge: () => '탐색 공간이 메모리에 비해 너무 큽니다',
  historyOutOfTime: () => '검사하지 않음: 히스토리 전체의 시간 예산이 다 됐습니다',
}

/** Every code the checker says; `ko` and `en` must each have a text for all of them (the compiler holds them to it). */
export const checkerCodes = [
  'list', 'inGroup', 'allGroups', 'faultyExcluded',
  'noLeader', 'oneLeaderPerTerm', 'twoLeaders', 'noExit', 'exitedOnItsOwn',
  'noApplies', 'appliedHashesEqual', 'firstDivergence', 'noAppliedLost', 'appliedEntryChanged', 'truncatedBelowCommit',
  'noCommits', 'commitsMonotonic', 'commitDecreased', 'noLeaderTruncated', 'leaderTruncated', 'leadersComplete', 'leaderIncomplete',
  'noFinalStates', 'finalStatesAgree', 'nodesAtIndex', 'finalHashNotTraced', 'finalHashesDiffer', 'finalKvDiffers',
  'configuration', 'unknownConfiguration', 'configurationsKept', 'twoLeadersConfigured', 'leaderTooFarFromCommitted', 'stillLeading',
  'noWriteAcknowledged', 'writesNotReadBack', 'noFinalReads', 'writesLost', 'writeLost', 'noneLostSomeUnread', 'writesKept',
  'keyNotReadBack', 'keyNeverRead', 'finalReadsOff', 'tooManyKeysToReadBack', 'localReads', 'reasonText',
  'getReturned', 'casSucceeded', 'opAt', 'readOfUnwritten', 'readFromFuture', 'casConflict', 'casStartedAbsent', 'casAbsentAfterDeletes',
  'casWrittenTimes', 'staleRead', 'staleWrites', 'staleDeletes', 'staleNeverDeleted', 'noValidOrder',
  'nothingInHistory', 'noneAcknowledged', 'noneChecked', 'keysUndecided', 'keyUndecided',
  'searchExceededSteps', 'searchOutOfTime', 'searchTooLarge', 'historyOutOfTime',
] as const
export type CheckerCode = (typeof checkerCodes)[number]

const texts: Record<CheckerLocale, Texts> = { en, ko }

/** The message in `locale`; throws on a code or params this module does not know (see the fallbacks below). */
export function sayChecker(found: CheckerMessage, locale: CheckerLocale): string {
  const text = (texts[locale] as Partial<Texts>)[found.code]
  if (text === undefined) throw new Error(`no ${locale} text for checker code ${JSON.stringify(found.code)}`)
  const say: Say = (inner) => sayChecker(inner, locale)
  return text(found.params, say)
}

/** The message in `locale`, or `fallback` (the stored English) when it cannot be said. */
function sayOr(found: unknown, locale: CheckerLocale, fallback: string): string {
  if (locale === 'en' || !isMessage(found)) return fallback
  try {
    return sayChecker(found, locale)
  } catch {
    return fallback
  }
}

/** An invariant's detail in `locale`: its message said, or its stored English (older runs, unknown codes). */
export function sayInvariantDetail(invariant: { detail: string; message?: unknown }, locale: CheckerLocale): string {
  return sayOr(invariant.message, locale, invariant.detail)
}

/** The verdict's witness in `locale`: its facts said, or the stored English text. */
export function sayVerdictWitness(verdict: { witness?: string; witnessFacts?: unknown }, locale: CheckerLocale): string | undefined {
  if (verdict.witness === undefined) return undefined
  const facts = verdict.witnessFacts
  if (locale === 'en' || typeof facts !== 'object' || facts === null) return verdict.witness
  try {
    return sayWitnessFacts(facts as VerdictWitnessFacts, locale)
  } catch {
    // A witness this module cannot say keeps its English.
    return verdict.witness
  }
}

/** The witness facts in `locale`; throws on facts this module does not know. */
export function sayWitnessFacts(facts: VerdictWitnessFacts, locale: CheckerLocale): string {
  switch (facts.kind) {
    case 'message': return sayChecker(facts.message, locale)
    case 'key': return sayWitness(facts.witness, locale)
    default: throw new Error(`unknown witness kind ${JSON.stringify((facts as { kind: unknown }).kind)}`)
  }
}

function row(operation: CheckerOperationRow, locale: CheckerLocale): string {
  const unknown = locale === 'en' ? '(outcome unknown)' : '(결과 모름)'
  const times = operation.completeMs === null
    ? `${operation.invokeMs.toFixed(3)} ms – ${unknown}`
    : `${operation.invokeMs.toFixed(3)}–${operation.completeMs.toFixed(3)} ms`
  return `p${operation.process}`.padEnd(6) + sayOperation(operation, locale).padEnd(34) + ' ' + times
}

const witnessWords = {
  en: {
    header: (key: string, ops: number) => `Key ${JSON.stringify(key)} is not linearizable (${ops} operations on it).`,
    involved: 'Operations involved:',
    prefix: (total: number, shown: number, omitted: number, key: string, after: string) =>
      `Longest linearizable prefix: ${total} operation${total === 1 ? '' : 's'}${omitted > 0 ? `, the last ${shown} shown` : ''}; ${key} = ${after} after it.`,
    stuck: 'Cannot be placed next (the first had to take effect before it returned):',
    experimentTime: "Times are milliseconds of experiment time (0 = the workload's start, the fault schedule's clock).",
    historyTime: (originNs: number) => `Times are milliseconds after t = ${originNs} ns of the history.`,
  },
  ko: {
    header: (key: string, ops: number) => `키 ${JSON.stringify(key)}는 선형화 가능하지 않습니다 (이 키의 연산 ${ops}개).`,
    involved: '관련된 연산:',
    prefix: (total: number, shown: number, omitted: number, key: string, after: string) =>
      `선형화 가능한 가장 긴 앞부분: 연산 ${total}개${omitted > 0 ? `, 마지막 ${shown}개를 보임` : ''}; 그 뒤 ${key} = ${after}.`,
    stuck: '다음에 놓을 수 없는 연산 (첫 연산은 돌아오기 전에 효력을 내야 했음):',
    experimentTime: '시간은 실험 시간의 밀리초입니다 (0 = 워크로드 시작, 결함 일정의 시계).',
    historyTime: (originNs: number) => `시간은 히스토리의 t = ${originNs} ns 뒤의 밀리초입니다.`,
  },
} as const

/** A failing key's witness: explanation, the operations involved, the prefix's tail, what cannot come next. */
export function sayWitness(witness: WitnessFacts, locale: CheckerLocale): string {
  const words = witnessWords[locale]
  const lines: string[] = [words.header(witness.key, witness.keyOps), sayChecker(witness.story, locale), '', words.involved]
  for (const operation of witness.core) lines.push('  ' + row(operation, locale))
  const shown = witness.prefixShown
  const omitted = witness.prefixTotal - shown.length
  lines.push('', words.prefix(witness.prefixTotal, shown.length, omitted, witness.key, sayValue(witness.valueAfterPrefix, locale)))
  shown.forEach((operation, index) => lines.push(`  ${String(omitted + index + 1).padStart(5)}. ` + row(operation, locale)))
  lines.push('', words.stuck)
  for (const operation of witness.stuck) lines.push('  ' + row(operation, locale))
  lines.push('', witness.experimentTime ? words.experimentTime : words.historyTime(witness.timeOriginNs))
  return lines.join('\n')
}
