/**
 * Measures: what a run showed, as pure functions of its record. Each gives a value, the value in
 * words, and where in the lab a student sees it; or, when the run cannot tell (a step not done, a
 * verdict undecided, a record from before the lab counted it), why not, in English and Korean.
 */
import { verdictWord } from '../report/analysis.js'
import type { TraceEvent } from '../trace.js'
import { measureCatalog, type MeasureName } from './measure-names.js'
import type { Localized, MeasureSpec } from './schema.js'
import { leaderAt, type LeaderTenure, type RunView } from './run-view.js'
import type { StepProgress } from './steps.js'

export type MeasureValue = string | number | boolean | string[] | null

export type MeasureResult =
  | { ok: true; value: MeasureValue; where: Localized }
  | { ok: false; reason: Localized; where: Localized }

export interface MeasureContext {
  view: RunView
  /** The run's steps as done (for measures that start at a step). */
  steps: readonly StepProgress[]
}

const L = (en: string, ko: string): Localized => ({ en, ko })

/** Where a student sees each measure in the lab (the Live run page and the verdict, both kept in Runs). */
const where = {
  roles: L('Live run → “Roles and terms per node” and the Event log (kind role)', '실시간 실행 → “노드별 역할과 term”, 이벤트 로그(role)'),
  votes: L('Live run → Event log (kind vote)', '실시간 실행 → 이벤트 로그(vote)'),
  leaderless: L('Live run → “Roles and terms per node” (the shaded time has no leader)', '실시간 실행 → “노드별 역할과 term”(음영 구간은 리더가 없던 시간)'),
  verdict: L('Live run → Verdict', '실시간 실행 → 판정'),
  verdictNumbers: L('Live run → Verdict (the figures under it)', '실시간 실행 → 판정(아래 수치)'),
  truncate: L('Live run → Event log (kind truncate)', '실시간 실행 → 이벤트 로그(truncate)'),
  script: L('Live run → Verdict → Scripted commands', '실시간 실행 → 판정 → 스크립트 명령'),
  commit: L('Live run → “Commit index per node” and the Runs page (final states)', '실시간 실행 → “노드별 커밋 인덱스”, 실행 기록(최종 상태)'),
  cluster: L('Design → Protocol and cluster', '설계 → 프로토콜과 클러스터'),
  latency: L('Runs → the run → latency by operation', '실행 기록 → 해당 실행 → 연산별 지연 시간'),
  discovery: L('Live run → Event log (kind note) and the run report (service discovery)', '실시간 실행 → 이벤트 로그(note), 실행 보고서(서비스 디스커버리)'),
  snapshot: L('Live run → Event log (message InstallSnapshot) and the run report (final states)', '실시간 실행 → 이벤트 로그(InstallSnapshot 메시지), 실행 보고서(최종 상태)'),
  configuration: L('Live run → the cluster canvas and the run report (final states: each node’s configuration)', '실시간 실행 → 클러스터 그림, 실행 보고서(최종 상태: 노드별 구성)'),
} satisfies Record<string, Localized>

export function measure(spec: MeasureSpec, context: MeasureContext): MeasureResult {
  const name: MeasureName = spec.measure
  const { view } = context
  const summary = view.record.summary
  const term = spec.term ?? 0
  // A run that broke shows nothing an exercise may rely on: every measure says why instead.
  if (!summary.completed) return unknown(L(`the run did not complete: ${summary.error ?? ''}`, `실행이 끝까지 진행되지 않았습니다: ${summary.error ?? ''}`), where.verdict)
  switch (name) {
    case 'leader-of-term':
      return value(view.tenures.find((tenure) => tenure.term === term)?.node ?? null, where.roles)
    case 'term-had-leader':
      return value(view.tenures.some((tenure) => tenure.term === term), where.roles)
    case 'candidates-of-term':
      return value(distinct(roleEvents(view.events, 'candidate').filter((event) => event.term === term).map((event) => event.node)), where.roles)
    case 'voters-for':
      return value(
        distinct(view.events.filter((event) => event.kind === 'vote' && event.term === term && event.votedFor === spec.node && event.node !== spec.node).map((event) => event.node)),
        where.votes,
      )
    case 'first-leader':
    case 'first-leader-term': {
      const first = view.tenures[0]
      if (first === undefined) return unknown(L('no node ever led in this run', '이 실행에서는 어느 노드도 리더가 되지 못했습니다'), where.roles)
      return value(name === 'first-leader' ? first.node : first.term, where.roles)
    }
    case 'leader-after':
    case 'term-after':
    case 'leaderless-after':
      return afterMoment(name, spec, context)
    case 'leader-changes':
      return value(summary.leaderChanges, where.verdictNumbers)
    case 'final-term':
      return value(summary.terms, where.roles)
    case 'most-leaders-at-once':
      return value(mostAtOnce(view.tenures), where.roles)
    case 'most-leaders-in-a-term':
      return value(mostInATerm(view.tenures), where.roles)
    case 'linearizable':
    case 'verdict-passed':
    case 'broken-invariants':
      return verdictMeasure(name, view)
    case 'lost-writes': {
      const lost = summary.lostWrites
      if (lost === undefined) return unknown(L('this run was recorded before the lab counted lost writes', '이 실행은 잃어버린 쓰기를 세기 전에 기록되었습니다'), where.verdictNumbers)
      if (!lost.finalReadsFound) return unknown(L('the run has no final reads, so lost writes cannot be told', '최종 읽기가 없어 잃어버린 쓰기를 알 수 없습니다'), where.verdictNumbers)
      // A key not read back could hide a loss: the count would only be a lower bound.
      if (lost.keysUnchecked > 0) return unknown(L(`${lost.keysUnchecked} keys were not read back at the end, so lost writes cannot be counted`, `키 ${lost.keysUnchecked}개를 마지막에 다시 읽지 못해 잃어버린 쓰기를 셀 수 없습니다`), where.verdictNumbers)
      return value(lost.lost, where.verdictNumbers)
    }
    case 'stale-reads':
      return value(summary.reads.stale, where.verdictNumbers)
    case 'truncated-nodes':
      return value(distinct(truncations(view.events).map((event) => event.node)), where.truncate)
    case 'truncated-from': {
      const own = truncations(view.events).filter((event) => event.node === spec.node)
      if (own.length === 0) return unknown(L(`${spec.node} discarded no entries in this run`, `이 실행에서 ${spec.node}는 엔트리를 버리지 않았습니다`), where.truncate)
      return value(Math.min(...own.map((event) => event.fromIndex)), where.truncate)
    }
    case 'truncated-commands':
      return truncatedCommands(view)
    case 'script-outcome':
    case 'script-ok':
    case 'script-value':
      return scriptMeasure(name, spec.command ?? '', view)
    case 'caught-up':
      return caughtUp(spec.node ?? '', view)
    case 'snapshot-installed':
      return snapshotInstalled(spec.node ?? '', view)
    case 'final-voters':
      return finalVoters(view)
    case 'faults-tolerated': {
      const { experiment } = view.record
      const n = experiment.cluster.nodes.length
      const f = experiment.protocol === 'pbft' ? ((experiment.cluster as { f?: number }).f ?? Math.floor((n - 1) / 3)) : Math.floor((n - 1) / 2)
      return value(f, where.cluster)
    }
    case 'latency-p50': {
      const latency = summary.latencyByOperationMs?.[spec.operation ?? 'get']
      if (latency === undefined || latency.count === 0) return unknown(L(`no ${spec.operation} succeeded in this run`, `이 실행에서 성공한 ${spec.operation} 연산이 없습니다`), where.latency)
      return value(latency.p50, where.latency)
    }
    case 'throughput':
      return value(summary.throughput, where.verdictNumbers)
    case 'group-leaders': {
      const groups = summary.groups
      if (groups === undefined || groups.length === 0) return unknown(L('this run has a single Raft group', '이 실행에는 Raft 그룹이 하나뿐입니다'), where.roles)
      return value(distinct(groups.map((group) => group.leaders[0]).filter((node): node is string => node !== undefined)).length, where.roles)
    }
    case 'instance-gone-after':
      return instanceGone(spec.instance ?? 0, view)
    case 'watch-events-missed': {
      const discovery = summary.discovery
      if (discovery === undefined) return unknown(L('this run has no service discovery', '이 실행에는 서비스 디스커버리가 없습니다'), where.discovery)
      return value(discovery.watchers.reduce((sum, watcher) => sum + watcher.missingCount, 0), where.discovery)
    }
    default: {
      const unhandled: never = name
      throw new Error(`unknown measure ${String(unhandled)}`)
    }
  }
}

function value(result: MeasureValue, whereToSee: Localized): MeasureResult {
  return { ok: true, value: result, where: whereToSee }
}

function unknown(reason: Localized, whereToSee: Localized): MeasureResult {
  return { ok: false, reason, where: whereToSee }
}

function distinct(nodes: string[]): string[] {
  return [...new Set(nodes)].sort()
}

function roleEvents(events: readonly TraceEvent[], role: string) {
  return events.filter((event): event is Extract<TraceEvent, { kind: 'role' }> => event.kind === 'role' && event.role === role && (event.group ?? 0) === 0)
}

function truncations(events: readonly TraceEvent[]) {
  return events.filter((event): event is Extract<TraceEvent, { kind: 'truncate' }> => event.kind === 'truncate' && (event.group ?? 0) === 0)
}

/** The moment a measure starts from: when a step was done, or when a fault of the run happened. */
export function momentOf(spec: MeasureSpec, context: MeasureContext): { ok: true; atMs: number; targets: readonly string[] } | { ok: false; reason: Localized } {
  if (spec.step !== undefined) {
    const step = context.steps.find((candidate) => candidate.stepId === spec.step)
    if (step?.done && step.atMs !== undefined) return { ok: true, atMs: step.atMs, targets: step.targets ?? [] }
    return { ok: false, reason: L(`the step “${spec.step}” was not done in this run`, `이 실행에서 “${spec.step}” 단계를 하지 않았습니다`) }
  }
  const words = spec.fault ?? ''
  const fault = context.view.record.summary.faults.find((candidate) => candidate.action.startsWith(words) && !candidate.detail?.startsWith('failed'))
  if (fault === undefined) return { ok: false, reason: L(`no “${words}” fault happened in this run`, `이 실행에는 “${words}” 장애가 없었습니다`) }
  return { ok: true, atMs: fault.atMs, targets: fault.targets }
}

function afterMoment(name: 'leader-after' | 'term-after' | 'leaderless-after', spec: MeasureSpec, context: MeasureContext): MeasureResult {
  const whereToSee = name === 'leaderless-after' ? where.leaderless : where.roles
  const moment = momentOf(spec, context)
  if (!moment.ok) return unknown(moment.reason, whereToSee)
  const { tenures } = context.view
  const before = tenures.filter((tenure) => tenure.fromMs <= moment.atMs)
  const termBefore = Math.max(-1, ...before.map((tenure) => tenure.term))
  const next = tenures.find((tenure) => tenure.fromMs > moment.atMs && tenure.term > termBefore)
  if (next === undefined) return unknown(L('no new leader took over after that moment', '그 뒤로 새 리더가 나오지 않았습니다'), whereToSee)
  if (name === 'leader-after') return value(next.node, whereToSee)
  if (name === 'term-after') return value(next.term, whereToSee)
  // The fault's targets (a crashed or cut-off leader) lead nobody from that moment, even while the
  // rest of the cluster has not yet seen their tenure end.
  const effective = tenures.filter((tenure) => !moment.targets.includes(tenure.node) || tenure.fromMs > moment.atMs)
  return value(Math.round(uncoveredMs(effective, moment.atMs, next.fromMs)), whereToSee)
}

/** The part of [fromMs, toMs] in which no tenure ran: time without a leader, as the summary counts it. */
function uncoveredMs(tenures: readonly LeaderTenure[], fromMs: number, toMs: number): number {
  const overlapping = tenures
    .filter((tenure) => tenure.toMs > fromMs && tenure.fromMs < toMs)
    .map((tenure) => [Math.max(fromMs, tenure.fromMs), Math.min(toMs, tenure.toMs)] as const)
    .sort((a, b) => a[0] - b[0])
  let covered = 0
  let until = fromMs
  for (const [start, end] of overlapping) {
    if (end <= until) continue
    covered += end - Math.max(start, until)
    until = end
  }
  return toMs - fromMs - covered
}

function mostAtOnce(tenures: readonly LeaderTenure[]): number {
  const edges = tenures.flatMap((tenure) => [
    { atMs: tenure.fromMs, delta: 1 },
    { atMs: tenure.toMs, delta: -1 },
  ])
  // Ends before starts at the same instant: a hand-over is not two leaders at once.
  edges.sort((a, b) => a.atMs - b.atMs || a.delta - b.delta)
  let current = 0
  let most = 0
  for (const edge of edges) {
    current += edge.delta
    most = Math.max(most, current)
  }
  return most
}

function mostInATerm(tenures: readonly LeaderTenure[]): number {
  const byTerm = new Map<number, Set<string>>()
  for (const tenure of tenures) byTerm.set(tenure.term, (byTerm.get(tenure.term) ?? new Set()).add(tenure.node))
  return Math.max(0, ...[...byTerm.values()].map((nodes) => nodes.size))
}

function verdictMeasure(name: 'linearizable' | 'verdict-passed' | 'broken-invariants', view: RunView): MeasureResult {
  const summary = view.record.summary
  const verdict = summary.verdict
  if (verdict === undefined) {
    const why = summary.completed ? L('the run has no verdict (the checker did not run)', '이 실행에는 판정이 없습니다(검사기가 실행되지 않음)') : L(`the run did not complete: ${summary.error ?? ''}`, `실행이 끝까지 진행되지 않았습니다: ${summary.error ?? ''}`)
    return unknown(why, where.verdict)
  }
  if (name === 'broken-invariants') return value(verdict.invariants.filter((invariant) => !invariant.ok).map((invariant) => invariant.name), where.verdict)
  if (name === 'linearizable') {
    if (verdict.linearizable === 'unknown') return unknown(L('the checker could not decide whether the history is linearizable', '검사기가 선형화 가능 여부를 결정하지 못했습니다'), where.verdict)
    return value(verdict.linearizable, where.verdict)
  }
  const word = verdictWord(summary)
  if (word === 'PASS' || word === 'FAIL') return value(word === 'PASS', where.verdict)
  return unknown(L(`the verdict is ${word}`, `판정이 ${word}입니다`), where.verdict)
}

/**
 * The commands of the entries a node discarded. The trace's truncate events say from which index
 * and in which term; the entries themselves are in them only when the lab records them (the log
 * grid's truncation events): until then this says why it cannot tell.
 */
function truncatedCommands(view: RunView): MeasureResult {
  const events = truncations(view.events) as (Extract<TraceEvent, { kind: 'truncate' }> & { entries?: { command?: string }[] })[]
  if (events.length === 0) return value([], where.truncate)
  if (events.some((event) => event.entries === undefined)) {
    return unknown(L('this run’s trace records where logs were cut, not the commands cut', '이 실행의 trace에는 로그가 잘린 위치만 있고 잘린 명령은 없습니다'), where.truncate)
  }
  return value(distinct(events.flatMap((event) => (event.entries ?? []).map((entry) => entry.command ?? '').filter(Boolean))), where.truncate)
}

function scriptMeasure(name: 'script-outcome' | 'script-ok' | 'script-value', command: string, view: RunView): MeasureResult {
  const step = view.record.summary.script?.find((candidate) => candidate.command === command)
  if (step === undefined) return unknown(L(`the run did not send “${command}”`, `이 실행은 “${command}” 명령을 보내지 않았습니다`), where.script)
  if (name === 'script-outcome') return value(step.outcome, where.script)
  if (name === 'script-ok') return value(step.outcome === 'ok', where.script)
  if (step.outcome !== 'ok') return unknown(L(`“${command}” did not succeed (${step.outcome})`, `“${command}” 명령이 성공하지 못했습니다(${step.outcome})`), where.script)
  const read = step.value
  return value(read === null || read === undefined ? null : typeof read === 'string' ? read : JSON.stringify(read), where.script)
}

function caughtUp(node: string, view: RunView): MeasureResult {
  const states = view.record.finalStates
  const own = states.find((state) => state.node === node)
  if (own === undefined) return unknown(L(`the run has no final state of ${node}`, `${node}의 최종 상태가 없습니다`), where.commit)
  const most = Math.max(...states.map((state) => state.appliedIndex))
  const reference = states.find((state) => state.appliedIndex === most)!
  return value(own.appliedIndex === most && own.hash === reference.hash, where.commit)
}

/** What a replica's final state says of snapshots and membership (its status, as the replica reported it). */
interface FinalStatus {
  snapshotsInstalled?: number
  configuration?: { voters?: string[]; committed?: boolean }
}

const statusOf = (state: { [field: string]: unknown }): FinalStatus => (typeof state.status === 'object' && state.status !== null ? (state.status as FinalStatus) : {})

/**
 * Raft §7: whether `node` installed a snapshot from a leader after its process last started (the
 * count restarts with the process, so this is the catching-up of its last life).
 */
function snapshotInstalled(node: string, view: RunView): MeasureResult {
  const own = view.record.finalStates.find((state) => state.node === node)
  if (own === undefined) return unknown(L(`the run has no final state of ${node}`, `${node}의 최종 상태가 없습니다`), where.snapshot)
  const installed = statusOf(own).snapshotsInstalled
  if (installed === undefined) return unknown(L('this run was recorded before replicas counted installed snapshots', '이 실행은 복제본이 설치한 스냅샷을 세기 전에 기록되었습니다'), where.snapshot)
  return value(installed > 0, where.snapshot)
}

/**
 * The voters of the configuration the cluster ended with: the one its running replicas agree on.
 * Unknown when they end in different configurations (a change still under way) or report none.
 */
function finalVoters(view: RunView): MeasureResult {
  const configurations = view.record.finalStates.map((state) => statusOf(state).configuration).filter((configuration) => configuration?.voters !== undefined)
  if (configurations.length === 0) return unknown(L('no replica reported its configuration (a cluster without membership changes, or a run recorded before)', '구성을 알린 복제본이 없습니다(멤버십 변경이 없는 클러스터이거나 그 전에 기록된 실행)'), where.configuration)
  const sets = distinct(configurations.map((configuration) => [...configuration!.voters!].sort().join(',')))
  if (sets.length > 1) return unknown(L(`the replicas ended in different configurations: ${sets.join(' / ')}`, `복제본들이 서로 다른 구성으로 끝났습니다: ${sets.join(' / ')}`), where.configuration)
  return value(sets[0]!.split(','), where.configuration)
}

function instanceGone(instance: number, view: RunView): MeasureResult {
  const report = view.record.summary.discovery?.instances.find((candidate) => candidate.id === instance)
  if (report === undefined) return unknown(L(`the run has no instance ${instance}`, `이 실행에는 인스턴스 ${instance}이(가) 없습니다`), where.discovery)
  if (report.stoppedAtMs === undefined) return unknown(L(`instance ${instance} never died in this run`, `이 실행에서 인스턴스 ${instance}은(는) 죽지 않았습니다`), where.discovery)
  if (report.disappearedAtMs === undefined) return unknown(L(`instance ${instance}’s key never disappeared`, `인스턴스 ${instance}의 키가 사라지지 않았습니다`), where.discovery)
  return value(Math.round(report.disappearedAtMs - report.stoppedAtMs), where.discovery)
}

/** The kind of value a measure gives (for validation: an answer kind must fit it). */
export function measureValueKind(name: MeasureName) {
  return measureCatalog[name].value
}

export { leaderAt }
