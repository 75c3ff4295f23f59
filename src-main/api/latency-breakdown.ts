/**
 * Where an acknowledged operation's latency went, from what every run records: the history
 * (invoke and ok, with the log index or PBFT sequence number the operation took) and the trace's
 * `append`, `commit`, `apply` and `slot` events (trace.log), all on the run's one clock.
 *
 * Each operation is cut at a few instants into consecutive phases that add up to its latency:
 *
 * - Raft (and each MultiRaft group), at the leader that answered: invoke → the leader began writing
 *   the entry (client hop: the request's trip, redirects and the wait for the batching turn) → it
 *   was durable there (leader persist: write and fsync) → the leader's commit index reached it
 *   (replicate and ack: a majority durable and acknowledged) → the leader applied it (commit to
 *   apply) → the client had the answer (reply: the state machine's batch end, the answer's trip).
 * - PBFT: invoke → the first replica (the primary) pre-prepared its sequence number (request) → f+1
 *   replicas had pre-prepared it (pre-prepare) → f+1 were prepared (prepare quorum) → f+1 committed
 *   (commit quorum) → f+1 executed (execute) → the client had its matching replies (replies). An
 *   operation the client accepted on tentative replies (before f+1 replicas committed) has no
 *   commit quorum or execute phase: its replies phase holds its tentative execution.
 *
 * Instants are kept in order (one earlier than the one before counts as that one) and never later
 * than the answer, so the phases always add up to the latency the history measured. Pure: the
 * runner, `lab report` and the renderer use it alike.
 */
import type { HistoryEvent, TraceEvent } from './trace.js'
import type { ProtocolName } from './experiment.js'
import { descriptorOf, protocolNames } from '../protocols/registry.js'
import { assertNever } from '../protocols/types.js'

export const raftPhases = ['client-hop', 'leader-persist', 'replicate-ack', 'commit-to-apply', 'reply'] as const
export const pbftPhases = ['request', 'pre-prepare', 'prepare-quorum', 'commit-quorum', 'execute', 'replies'] as const
export type RaftPhase = (typeof raftPhases)[number]
export type PbftPhase = (typeof pbftPhases)[number]
export type LatencyPhase = RaftPhase | PbftPhase

/** The phases' names and what each holds: reports and the app both say them from here, in each language. */
export const phaseDescriptions: Record<LatencyPhase, { label: string; meaning: string }> = {
  'client-hop': { label: 'client hop', meaning: 'invoke until the leader began writing the entry: the trip, redirects, the wait for its batch' },
  'leader-persist': { label: 'leader persist', meaning: 'the leader wrote and fsynced it' },
  'replicate-ack': { label: 'replicate and ack', meaning: 'durable at the leader until committed: a majority durable and acknowledged' },
  'commit-to-apply': { label: 'commit to apply', meaning: 'committed until the leader applied it' },
  reply: { label: 'reply', meaning: 'applied until the client had the answer' },
  request: { label: 'request', meaning: 'invoke until the primary pre-prepared its sequence number' },
  'pre-prepare': { label: 'pre-prepare', meaning: 'until f+1 replicas had the pre-prepare' },
  'prepare-quorum': { label: 'prepare quorum', meaning: 'until f+1 replicas were prepared (2f matching prepares each)' },
  'commit-quorum': { label: 'commit quorum', meaning: 'until f+1 replicas committed (2f+1 commits each)' },
  execute: { label: 'execute', meaning: 'until f+1 replicas executed it' },
  replies: { label: 'replies', meaning: 'until the client had its matching replies' },
}

export const phaseDescriptionsKo: Record<LatencyPhase, { label: string; meaning: string }> = {
  'client-hop': { label: '클라이언트 → 리더 전달', meaning: '호출부터 리더가 엔트리를 쓰기 시작할 때까지: 오가는 길, 리다이렉트, 배치를 기다린 시간' },
  'leader-persist': { label: '리더 저장(fsync)', meaning: '리더가 엔트리를 쓰고 fsync한 시간' },
  'replicate-ack': { label: '복제와 확인 응답', meaning: '리더에 저장된 뒤 커밋될 때까지: 과반수가 저장하고 확인 응답' },
  'commit-to-apply': { label: '커밋에서 적용까지', meaning: '커밋된 뒤 리더가 적용할 때까지' },
  reply: { label: '응답', meaning: '적용된 뒤 클라이언트가 답을 받을 때까지' },
  request: { label: '요청 → 프라이머리', meaning: '호출부터 프라이머리가 시퀀스 번호를 pre-prepare할 때까지' },
  'pre-prepare': { label: 'pre-prepare 전파', meaning: 'f+1개 복제본이 pre-prepare를 받을 때까지' },
  'prepare-quorum': { label: 'prepare 쿼럼', meaning: 'f+1개 복제본이 prepared가 될 때까지(각각 일치하는 prepare 2f개)' },
  'commit-quorum': { label: 'commit 쿼럼', meaning: 'f+1개 복제본이 커밋할 때까지(각각 commit 2f+1개)' },
  execute: { label: '실행', meaning: 'f+1개 복제본이 실행할 때까지' },
  replies: { label: '응답 모으기', meaning: '클라이언트가 일치하는 응답을 다 받을 때까지' },
}

/** The phases' names alone (the app's message tables). */
export function phaseLabels(descriptions: Record<LatencyPhase, { label: string }>): Record<LatencyPhase, string> {
  return Object.fromEntries(Object.entries(descriptions).map(([phase, { label }]) => [phase, label])) as Record<LatencyPhase, string>
}

export interface LatencyPhaseSummary {
  phase: LatencyPhase
  p50Ms: number
  p99Ms: number
  meanMs: number
}

export interface LatencyBreakdownResult {
  /** Absent when no operation could be split (then `note` says why). */
  phases?: LatencyPhaseSummary[]
  /** Operations split, and the acknowledged ones there were. */
  operations: number
  acknowledged: number
  /** What the figures cover and what they leave out, or why there are none. */
  note: string
  /** The same as values, for a note in another language (latencyBreakdownNoteKo). */
  facts: LatencyBreakdownFacts
}

/** What a breakdown note says, as values: RunSummary.latencyBreakdownFacts. */
export type LatencyBreakdownFacts =
  | { code: 'noSteps'; protocol: string }
  | { code: 'traceOff' }
  | { code: 'traceUnreadable'; error: string }
  | { code: 'split'; split: number; acknowledged: number; stride: number; missing: [reason: string, count: number][]; tentative: number; leftOut: number; pbft: boolean }

/** Trace events kept for the breakdown at most; later ones are counted and left out (the note says so). */
export const breakdownEventsMax = 2_000_000
/** Operations split at most; past it, every k-th acknowledged operation is (an even sample). */
export const breakdownOperationsMax = 200_000
/** Events looked at around one operation's instant before giving up on it (a leader's turns are short). */
const scanStepsMax = 20_000

/** One acknowledged operation, times in ms since the run's epoch. */
export interface AcknowledgedOperation {
  process: number
  f: HistoryEvent['f']
  key: string
  invokeMs: number
  okMs: number
  node?: string
  index?: number
  group?: number
  seq?: number
}

/** Pairs each ok with its process's invoke (a process has one operation open at a time). */
export function acknowledgedOperations(history: Iterable<HistoryEvent>): AcknowledgedOperation[] {
  const open = new Map<number, HistoryEvent>()
  const operations: AcknowledgedOperation[] = []
  for (const event of history) {
    if (event.type === 'invoke') {
      open.set(event.process, event)
      continue
    }
    const invoke = open.get(event.process)
    open.delete(event.process)
    if (event.type !== 'ok' || invoke === undefined) continue
    operations.push({
      process: event.process, f: invoke.f, key: invoke.key, invokeMs: invoke.time / 1e6, okMs: event.time / 1e6,
      ...(event.node !== undefined ? { node: event.node } : {}),
      ...(event.index !== undefined ? { index: event.index } : {}),
      ...(event.group !== undefined ? { group: event.group } : {}),
      ...(event.seq !== undefined ? { seq: event.seq } : {}),
    })
  }
  return operations
}

const slotPhaseOrder = ['pre-prepared', 'prepared', 'committed', 'executed'] as const

/** The events one breakdown needs, kept compact (flat number arrays per node and group). */
export class BreakdownEvents {
  /** [fromIndex, toIndex, t, persistMs] of the appends a leader made of its own entries. */
  readonly appends = new Map<string, number[]>()
  /** [index, t] per node and group. */
  readonly commits = new Map<string, number[]>()
  readonly applies = new Map<string, number[]>()
  /** seq → view → phase (slotPhaseOrder position) → times, one per replica. */
  readonly slots = new Map<number, Map<number, number[][]>>()
  kept = 0
  leftOut = 0

  /** `wantedSeqs`: PBFT sequence numbers worth keeping (those of acknowledged operations). */
  constructor(private readonly wantedSeqs?: ReadonlySet<number>) {}

  add(event: TraceEvent): void {
    switch (event.kind) {
      case 'append':
        // Only a leader's own appends carry command labels: that is where its clients' entries begin.
        if (event.ops !== undefined) this.keep(this.appends, keyOf(event.node, event.group), [event.fromIndex, event.toIndex, event.t, event.persistMs])
        return
      case 'commit':
        return this.keep(this.commits, keyOf(event.node, event.group), [event.index, event.t])
      case 'apply':
        return this.keep(this.applies, keyOf(event.node, event.group), [event.index, event.t])
      case 'slot':
        return this.addSlot(event)
      default:
        return
    }
  }

  private addSlot(event: Extract<TraceEvent, { kind: 'slot' }>): void {
    if (this.wantedSeqs !== undefined && !this.wantedSeqs.has(event.seq)) return
    if (!this.room()) return
    let views = this.slots.get(event.seq)
    if (!views) this.slots.set(event.seq, (views = new Map()))
    let phases = views.get(event.view)
    if (!phases) views.set(event.view, (phases = slotPhaseOrder.map(() => [])))
    phases[slotPhaseOrder.indexOf(event.phase)]!.push(event.t)
  }

  private keep(into: Map<string, number[]>, key: string, values: number[]): void {
    if (!this.room()) return
    let list = into.get(key)
    if (!list) into.set(key, (list = []))
    list.push(...values)
  }

  private room(): boolean {
    if (this.kept < breakdownEventsMax) {
      this.kept += 1
      return true
    }
    this.leftOut += 1
    return false
  }
}

function keyOf(node: string, group: number | undefined): string {
  return group === undefined ? node : `${node}#${group}`
}

/** Why an operation could not be cut: the note's English, and its Korean by the same key. */
export const missingReasons = {
  noLogIndex: 'no log index (a read served without the log)',
  noAppend: 'no append of its entry at its leader',
  noCommit: 'no commit of its entry at its leader',
  noApply: 'no apply of its entry at its leader',
  noSeq: 'no sequence number',
  noSlotEvents: 'no slot events for its sequence number',
  fewPrepared: 'fewer than f+1 replicas prepared it in the trace',
  fewExecuted: 'fewer than f+1 replicas executed it in the trace',
} as const

const missingReasonsKo: Record<keyof typeof missingReasons, string> = {
  noLogIndex: '로그 인덱스 없음(로그를 거치지 않고 답한 읽기)',
  noAppend: '리더에서 그 엔트리를 추가한 기록 없음',
  noCommit: '리더에서 그 엔트리를 커밋한 기록 없음',
  noApply: '리더에서 그 엔트리를 적용한 기록 없음',
  noSeq: '시퀀스 번호 없음',
  noSlotEvents: '그 시퀀스 번호의 슬롯 이벤트 없음',
  fewPrepared: '트레이스에서 prepared가 된 복제본이 f+1개보다 적음',
  fewExecuted: '트레이스에서 실행한 복제본이 f+1개보다 적음',
}

/** The instants that cut one operation, or why it cannot be cut. */
export type OperationMarks = { marksMs: number[]; tentative?: boolean } | { missing: string }

/** Raft: [invoke, write began, durable, committed, applied, ok] at the leader that answered. */
export function raftMarks(operation: AcknowledgedOperation, events: BreakdownEvents): OperationMarks {
  if (operation.node === undefined || operation.index === undefined) return { missing: missingReasons.noLogIndex }
  const key = keyOf(operation.node, operation.group)
  const index = operation.index
  // An append of the index before the invoke holds an earlier entry (a term since overwritten): not this one.
  const append = lastBefore(events.appends.get(key), 4, operation.invokeMs, operation.okMs, (at, list) => list[at]! <= index && index <= list[at + 1]!)
  if (append === undefined) return { missing: missingReasons.noAppend }
  const writtenMs = append[2]!
  const writeStartMs = writtenMs - append[3]!
  const commitMs = firstFrom(events.commits.get(key), 2, writeStartMs, (value) => value >= index)
  if (commitMs === undefined) return { missing: missingReasons.noCommit }
  const applyMs = firstFrom(events.applies.get(key), 2, commitMs, (value) => value >= index)
  if (applyMs === undefined) return { missing: missingReasons.noApply }
  return { marksMs: ordered([operation.invokeMs, writeStartMs, writtenMs, commitMs, applyMs, operation.okMs]) }
}

/** PBFT: [invoke, primary pre-prepared, then f+1 replicas pre-prepared, prepared, committed, executed, ok]. */
export function pbftMarks(operation: AcknowledgedOperation, events: BreakdownEvents, f: number): OperationMarks {
  if (operation.seq === undefined) return { missing: missingReasons.noSeq }
  const views = events.slots.get(operation.seq)
  // The view that answered: the latest one in which the slot reached any phase before the answer.
  let phases: number[][] | undefined
  let latestView = -1
  for (const [view, times] of views ?? []) if (view > latestView && times.some((list) => list.some((t) => t <= operation.okMs))) [latestView, phases] = [view, times]
  if (phases === undefined) return { missing: missingReasons.noSlotEvents }
  const quorumAt = (list: number[]) => [...list].sort((a, b) => a - b)[f]
  const firstPrePrepared = Math.min(...phases[0]!)
  const [prePrepared, prepared, committed, executed] = phases.map(quorumAt)
  if (!Number.isFinite(firstPrePrepared) || prePrepared === undefined || prepared === undefined) return { missing: missingReasons.fewPrepared }
  const tentative = committed === undefined || committed > operation.okMs
  if (!tentative && executed === undefined) return { missing: missingReasons.fewExecuted }
  const rest = tentative ? [prepared, prepared] : [committed!, executed!]
  return { marksMs: ordered([operation.invokeMs, firstPrePrepared, prePrepared, prepared, ...rest, operation.okMs]), tentative }
}

/** Each instant at least the one before it and at most the last (the answer). */
function ordered(marksMs: number[]): number[] {
  const endMs = marksMs[marksMs.length - 1]!
  let previous = marksMs[0]!
  return marksMs.map((value, position) => {
    if (position === 0 || position === marksMs.length - 1) return value
    previous = Math.min(endMs, Math.max(previous, value))
    return previous
  })
}

/** The last record (of `width` numbers; its time at position 2) from `fromMs` to `untilMs` that matches. */
function lastBefore(list: number[] | undefined, width: number, fromMs: number, untilMs: number, matches: (at: number, list: number[]) => boolean): number[] | undefined {
  if (!list) return undefined
  let at = (upperBound(list, width, 2, untilMs) - 1) * width
  for (let steps = 0; at >= 0 && list[at + 2]! >= fromMs && steps < scanStepsMax; steps += 1, at -= width) if (matches(at, list)) return list.slice(at, at + width)
  return undefined
}

/** The time of the first [value, t] record at or after `fromMs` whose value matches. */
function firstFrom(list: number[] | undefined, width: number, fromMs: number, matches: (value: number) => boolean): number | undefined {
  if (!list) return undefined
  let at = lowerBound(list, width, 1, fromMs) * width
  for (let steps = 0; at < list.length && steps < scanStepsMax; steps += 1, at += width) if (matches(list[at]!)) return list[at + 1]
  return undefined
}

/** Records are in time order per node (a node's events reach the trace in the order it made them). */
function lowerBound(list: number[], width: number, timeAt: number, t: number): number {
  let [low, high] = [0, list.length / width]
  while (low < high) {
    const middle = (low + high) >>> 1
    if (list[middle * width + timeAt]! < t) low = middle + 1
    else high = middle
  }
  return low
}

function upperBound(list: number[], width: number, timeAt: number, t: number): number {
  let [low, high] = [0, list.length / width]
  while (low < high) {
    const middle = (low + high) >>> 1
    if (list[middle * width + timeAt]! <= t) low = middle + 1
    else high = middle
  }
  return low
}

/**
 * The breakdown of a run: p50, p99 and mean of each phase over the acknowledged operations that
 * could be split. `nodes`: the cluster's size (PBFT's f). Primary-backup has none: it answers when
 * it applies, and the run records no step of an operation inside the primary.
 */
export function computeLatencyBreakdown(protocol: ProtocolName, nodes: number, operations: readonly AcknowledgedOperation[], events: BreakdownEvents): LatencyBreakdownResult {
  const acknowledged = operations.length
  const names = phasesOf(protocol)
  if (names === undefined) {
    return { operations: 0, acknowledged, note: `${protocol} records no step of an operation inside it (its descriptor names no operationSteps): only its whole latency is measured`, facts: { code: 'noSteps', protocol } }
  }
  const stride = Math.max(1, Math.ceil(acknowledged / breakdownOperationsMax))
  const f = Math.floor((nodes - 1) / 3)
  const durations: number[][] = names.map(() => [])
  const missing = new Map<string, number>()
  let split = 0
  let tentative = 0
  for (let position = 0; position < acknowledged; position += stride) {
    const operation = operations[position]!
    const marks = protocol === 'pbft' ? pbftMarks(operation, events, f) : raftMarks(operation, events)
    if ('missing' in marks) {
      missing.set(marks.missing, (missing.get(marks.missing) ?? 0) + 1)
      continue
    }
    split += 1
    if (marks.tentative) tentative += 1
    for (let phase = 0; phase < names.length; phase += 1) durations[phase]!.push(marks.marksMs[phase + 1]! - marks.marksMs[phase]!)
  }
  const facts = { code: 'split' as const, split, acknowledged, stride, missing: [...missing].sort((a, b) => b[1] - a[1]), tentative, leftOut: events.leftOut, pbft: protocol === 'pbft' }
  const note = breakdownNote(facts)
  if (split === 0) return { operations: 0, acknowledged, note, facts }
  return { phases: names.map((phase, position) => summarizePhase(phase, durations[position]!)), operations: split, acknowledged, note, facts }
}

function summarizePhase(phase: LatencyPhase, values: number[]): LatencyPhaseSummary {
  const sorted = values.sort((a, b) => a - b)
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!
  const meanMs = sorted.reduce((sum, value) => sum + value, 0) / sorted.length
  return { phase, p50Ms: round3(at(0.5)), p99Ms: round3(at(0.99)), meanMs: round3(meanMs) }
}

function breakdownNote(facts: Extract<LatencyBreakdownFacts, { code: 'split' }>): string {
  const parts = [`${facts.split} of ${facts.acknowledged} acknowledged operations split`]
  if (facts.stride > 1) parts.push(`every ${facts.stride}th operation taken`)
  for (const [reason, count] of facts.missing) parts.push(`${count} left out: ${reason}`)
  if (facts.leftOut > 0) parts.push(`${facts.leftOut} trace events past the limit of ${breakdownEventsMax} not read`)
  if (facts.pbft) parts.push(`times are when f+1 replicas had reached each step; ${facts.tentative} answered on tentative replies (no commit or execute phase)`)
  if (facts.split === 0) parts.push('the trace holds no append, commit, apply or slot events for them (trace.log off?)')
  return parts.join('; ')
}

/** A breakdown note in Korean, from its values (the English note is the run's `latencyBreakdownNote`). */
export function latencyBreakdownNoteKo(facts: LatencyBreakdownFacts): string {
  switch (facts.code) {
    case 'noSteps':
      return `${facts.protocol}는 연산 안의 단계를 기록하지 않습니다(설명자에 operationSteps가 없음). 전체 지연 시간만 잽니다`
    case 'traceOff':
      return 'trace.log가 꺼져 있어 연산을 나눌 추가, 커밋, 슬롯 이벤트가 기록되지 않았습니다'
    case 'traceUnreadable':
      return `트레이스를 읽을 수 없었습니다: ${facts.error}`
    case 'split': {
      const parts = [`확인된 연산 ${facts.acknowledged}개 중 ${facts.split}개를 나눔`]
      if (facts.stride > 1) parts.push(`${facts.stride}개마다 하나씩 골라 씀`)
      for (const [reason, count] of facts.missing) {
        const key = (Object.keys(missingReasons) as (keyof typeof missingReasons)[]).find((name) => missingReasons[name] === reason)
        parts.push(`${count}개 뺌: ${key === undefined ? reason : missingReasonsKo[key]}`)
      }
      if (facts.leftOut > 0) parts.push(`한도 ${breakdownEventsMax}개를 넘는 트레이스 이벤트 ${facts.leftOut}개는 읽지 않음`)
      if (facts.pbft) parts.push(`시각은 복제본 f+1개가 각 단계에 이른 때이고, ${facts.tentative}개는 잠정 응답으로 답함(commit과 실행 단계 없음)`)
      if (facts.split === 0) parts.push('트레이스에 그 연산들의 추가, 커밋, 적용, 슬롯 이벤트가 없음(trace.log가 꺼졌나요?)')
      return parts.join('; ')
    }
    default:
      return assertNever(facts, 'breakdown facts')
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}

export function phasesOf(protocol: ProtocolName): readonly LatencyPhase[] | undefined {
  const steps = (protocolNames as readonly string[]).includes(protocol) ? descriptorOf(protocol).operationSteps : undefined
  return steps === 'log' ? raftPhases : steps === 'slots' ? pbftPhases : undefined
}
