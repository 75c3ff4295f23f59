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
