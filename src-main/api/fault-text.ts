/**
 * A fault and a message type in the reader's language. A fault is said from its structured form
 * (the Fault union), never by translating the English line describeFault writes: English is that
 * line, unchanged; Korean has its own words for every kind (the exhaustive switch makes a new kind
 * fail to compile until it has them). Node names, behaviour names and numbers stay as they are.
 *
 * Message types keep their wire name (what the trace, the sequence diagram and the code say) with a
 * Korean label beside it: `AppendEntries (엔트리 추가)`.
 */
import { assertNever } from '../protocols/types.js'
import type { RaftMessageType } from '../protocols/raft/messages.js'
import type { PbftMessageType } from '../protocols/pbft/types.js'
import type { PrimaryBackupMessage } from '../protocols/primary-backup/core.js'
import type { MultiRaftMessage } from '../protocols/multiraft/core.js'
import type { ParallelRaftMessage } from '../protocols/parallel-raft/messages.js'
import { describeFault, type Fault, type LinkConditionsChange } from '../faults/fault.js'

export type FaultTextLocale = 'en' | 'ko'

/** The Korean for a target keyword; a node's own name stays as it is. */
const targetKo: Record<string, string> = {
  leader: '리더',
  follower: '팔로워',
  minority: '소수 노드들',
  random: '무작위 노드',
  crashed: '죽은 노드',
  paused: '멈춘 노드',
}

function target(name: string): string {
  return targetKo[name] ?? name
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`
}

/** Link conditions in Korean; like the English, a change that names nothing is "unchanged". */
export function describeConditionsKo(conditions: LinkConditionsChange): string {
  const parts: string[] = []
  if (conditions.delayMs !== undefined) parts.push(`지연 ${conditions.delayMs} ms`)
  if (conditions.jitterMs !== undefined) parts.push(`지터 ${conditions.jitterMs} ms`)
  if (conditions.loss !== undefined) parts.push(`손실 ${percent(conditions.loss)}`)
  if (conditions.duplicate !== undefined) parts.push(`중복 ${percent(conditions.duplicate)}`)
  if (conditions.reorder !== undefined) parts.push(`순서 바뀜 ${percent(conditions.reorder)}`)
  return parts.join(', ') || '변경 없음'
}

/** One line in Korean for a fault, as describeFault's English line says it. */
export function describeFaultKo(fault: Fault): string {
  switch (fault.kind) {
    case 'crash':
      return `${target(fault.target)} 죽이기`
    case 'restart':
      return `${target(fault.target)} 재시작`
    case 'pause':
      return `${target(fault.target)} 일시 정지`
    case 'resume':
      return `${target(fault.target)} 재개`
    case 'isolate':
      return `${target(fault.target)} 고립`
    case 'campaign':
      return `${target(fault.target)} 선거 시작`
    case 'partition': {
      const groups = fault.groups.map((group) => `{${group.join(',')}}`).join(fault.oneWay ? ' -/-> ' : ' | ')
      return `분할 ${groups}${fault.oneWay ? '(한 방향)' : ''}${fault.bridge === undefined ? '' : `, 다리 ${fault.bridge}`}`
    }
    case 'cut':
      return `링크 끊기 ${fault.between[0]} <-> ${fault.between[1]}`
    case 'cutOneWay':
      return `링크 끊기 ${fault.from} -> ${fault.to}(한 방향)`
    case 'heal':
      return '모두 복구'
    case 'network':
      return `네트워크 ${describeConditionsKo(fault.conditions)}`
    case 'link':
      return `링크 ${fault.from} -> ${fault.to} ${describeConditionsKo(fault.conditions)}`
    case 'clockSkew':
      return `${target(fault.target)}의 시계가 ${fault.factor}배 빠르기로 감`
    case 'slowDisk':
      return `${target(fault.target)} 디스크 느리게: fsync마다 +${fault.ms} ms${fault.jitterMs ? `, 무작위로 0..${fault.jitterMs} ms 더` : ''}`
    case 'byzantine': {
      const behaviour = typeof fault.behaviour === 'string' ? fault.behaviour : fault.behaviour.kind
      return behaviour === 'honest' ? `${target(fault.target)} 다시 정직하게` : `${target(fault.target)} 비잔틴 행동: ${behaviour}`
    }
    case 'addNode':
      return `노드 ${fault.node} 추가(학습자)`
    case 'promote':
      return `${fault.node} 투표자로 승격`
    case 'removeNode':
      return `노드 ${target(fault.target)} 제거`
    default:
      return assertNever(fault, 'fault')
  }
}

export function describeFaultIn(fault: Fault, locale: FaultTextLocale): string {
  return locale === 'ko' ? describeFaultKo(fault) : describeFault(fault)
}

/** Every message type a replica sends, as its wire name. */
export type WireMessageType = RaftMessageType | PbftMessageType | PrimaryBackupMessage['type'] | MultiRaftMessage['type'] | ParallelRaftMessage['type'] | 'Reply'

/** The Korean label of each message type (a type missing here fails to compile). */
export const messageTypeKo: Record<WireMessageType, string> = {
  RequestVote: '투표 요청',
  RequestVoteResponse: '투표 응답',
  PreVote: '사전 투표 요청',
  PreVoteResponse: '사전 투표 응답',
  AppendEntries: '엔트리 추가',
  AppendEntriesResponse: '엔트리 추가 응답',
  TimeoutNow: '지금 선거 시작',
  InstallSnapshot: '스냅숏 설치',
  InstallSnapshotResponse: '스냅숏 설치 응답',
  Request: '요청 전달',
  PrePrepare: '사전 준비',
  Prepare: '준비',
  Commit: '커밋',
  Checkpoint: '체크포인트',
  ViewChange: '뷰 변경',
  ViewChangeAck: '뷰 변경 확인',
  NewView: '새 뷰',
  Status: '상태 알림',
  CatchUp: '따라잡기',
  Reply: '클라이언트 응답',
  Heartbeat: '하트비트',
  Replicate: '복제',
  Batch: '그룹 묶음',
  Vote: '투표',
  Append: '추가',
  AppendAck: '추가 확인',
}

/** A message type as a report names it: the wire name, and in Korean its label beside it. */
export function messageTypeIn(type: string, locale: FaultTextLocale): string {
  if (locale === 'en') return type
  const label = (messageTypeKo as Record<string, string | undefined>)[type]
  return label === undefined ? type : `${type} (${label})`
}

/**
 * What the lab says of how a fault went, as values: InjectedFault.notes and FaultResult.notes,
 * beside the English `detail` / `error` they were written from (which stay as they are). `node`:
 * the node a note is about when the fault hit several. An error a node's action threw (`failed`)
 * is the lab's own English sentence and stays so inside the Korean.
 */
export type FaultNote = { node?: string } & (
  | { code: 'upAfter'; ms: number }
  | { code: 'leadershipTransferred'; to: string; ms: number }
  | { code: 'leadershipNotTransferred' }
  | { code: 'leadershipTransferTimedOut'; to: string; withinMs: number }
  | { code: 'noNodeMatched' }
  | { code: 'failed'; error: string }
  | { code: 'membershipRaftOnly'; protocol: string }
  | { code: 'runEnded' }
  | { code: 'runEndedWhileWaiting'; fault: Fault }
  | { code: 'runEndedWhileStarting'; ms: number }
  | { code: 'clusterNotRunning' }
  | { code: 'runNotInProgress'; runId: string }
  | { code: 'noRunInProgress' }
)

function faultNoteKo(note: FaultNote): string {
  switch (note.code) {
    case 'upAfter':
      return `${note.ms} ms 만에 다시 올라옴`
    case 'leadershipTransferred':
      return `제거하기 전에 리더 자리를 ${note.ms} ms 만에 ${note.to}에게 넘김`
    case 'leadershipNotTransferred':
      return '리더 자리를 넘기지 못함(살아 있는 다른 투표자가 없음): 리더가 스스로를 제거함'
    case 'leadershipTransferTimedOut':
      return `${note.withinMs} ms 안에 ${note.to}에게 리더 자리를 넘기지 못함: 리더가 스스로를 제거함`
    case 'noNodeMatched':
      return '그 순간 대상에 맞는 노드가 없었음'
    case 'failed':
      return `실패: ${note.error}`
    case 'membershipRaftOnly':
      return `실패: 멤버십 변경은 Raft(그룹 하나)에서만 됩니다. ${note.protocol}에서는 안 됩니다`
    case 'runEnded':
      return '수행하지 않음: 실행이 끝남'
    case 'runEndedWhileWaiting':
      return `수행하지 않음: 앞선 장애(${describeFaultKo(note.fault)})를 기다리는 동안 실행이 끝남`
    case 'runEndedWhileStarting':
      return `수행하지 않음: 노드가 아직 시작하는 중에 실행이 끝남(재시작을 시작하고 ${note.ms} ms 뒤)`
    case 'clusterNotRunning':
      return '클러스터가 돌고 있지 않습니다'
    case 'runNotInProgress':
      return `실행 ${note.runId}은(는) 진행 중이 아닙니다`
    case 'noRunInProgress':
      return '진행 중인 실행이 없습니다'
    default:
      return assertNever(note, 'fault note')
  }
}

/**
 * The lab's notes on a fault in Korean ("; " between them, each about one node when `node` says
 * so), or undefined when there are none: then the English detail is shown as recorded.
 */
export function faultNotesKo(notes: readonly FaultNote[] | undefined): string | undefined {
  if (notes === undefined || notes.length === 0) return undefined
  try {
    return notes.map((note) => `${note.node === undefined ? '' : `${note.node}: `}${faultNoteKo(note)}`).join('; ')
  } catch {
    // A note of a code this build does not know (a newer lab's file): the English stands.
    return undefined
  }
}

/** A fault's detail in the reader's language: English as recorded; Korean from its notes when it has them. */
export function faultDetailIn(english: string | undefined, notes: readonly FaultNote[] | undefined, locale: FaultTextLocale): string | undefined {
  return locale === 'ko' ? (faultNotesKo(notes) ?? english) : english
}
