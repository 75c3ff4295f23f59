/**
 * What each verdict invariant is called and what it promises, in English and Korean, for the run
 * view (VerdictPanel) and the reports. The checker's detail sentence (which values, where it broke)
 * is data and stays as the checker wrote it; this is the name and the rule a student reads beside it.
 */
export type TextLocale = 'en' | 'ko'

interface InvariantText {
  title: Record<TextLocale, string>
  explain: Record<TextLocale, string>
}

const text = (titleEn: string, explainEn: string, titleKo: string, explainKo: string): InvariantText => ({
  title: { en: titleEn, ko: titleKo },
  explain: { en: explainEn, ko: explainKo },
})

export const invariantTexts: Readonly<Record<string, InvariantText>> = {
  'election-safety': text(
    'Election safety',
    'At most one leader per term (one primary per view in PBFT).',
    '선거 안전성',
    '한 term에 리더는 많아야 하나입니다(PBFT에서는 view 하나에 프라이머리 하나).',
  ),
  'state-machine-safety': text(
    'State machine safety',
    'Nodes that applied the same index applied the same sequence of commands.',
    '상태 기계 안전성',
    '같은 인덱스까지 적용한 노드들은 같은 순서의 명령을 적용했습니다.',
  ),
  'committed-never-lost': text(
    'Committed entries are never lost',
    'A node never changes what it applied at an index, and never truncates its log at or below what it committed.',
    '커밋된 엔트리는 사라지지 않음',
    '노드는 한 인덱스에 적용한 것을 바꾸지 않고, 커밋한 위치나 그 아래에서 로그를 잘라 내지 않습니다.',
  ),
  'commit-monotonic': text(
    'The commit index only grows',
    "While a process runs, its node's commit index never goes down.",
    '커밋 인덱스는 줄지 않음',
    '프로세스가 살아 있는 동안 그 노드의 커밋 인덱스는 내려가지 않습니다.',
  ),
  'leader-append-only': text(
    'Leader append-only',
    'A leader never overwrites or deletes entries of its own log.',
    '리더는 덧붙이기만 함',
    '리더는 자기 로그의 엔트리를 덮어쓰거나 지우지 않습니다.',
  ),
  'leader-completeness': text(
    'Leader completeness',
    'A new leader holds every entry committed before its election.',
    '리더 완전성',
    '새 리더는 자신이 선출되기 전에 커밋된 엔트리를 모두 가지고 있습니다.',
  ),
  'election-safety-per-configuration': text(
    'Election safety per configuration',
    'Every leader was elected under the newest committed configuration or one change from it, so no two leaders were elected by disjoint majorities; no term had two leaders (runs that change membership).',
    '구성별 선거 안전성',
    '모든 리더는 가장 최근에 커밋된 구성이나 그로부터 한 번 바뀐 구성에서 선출되었으므로, 겹치지 않는 두 과반이 각각 리더를 뽑은 적이 없습니다. 한 term에 리더가 둘인 적도 없습니다(멤버십을 바꾸는 실행).',
  ),
  'final-state-agreement': text(
    'Final states agree',
    'Nodes that end at the same applied index hold the same state.',
    '최종 상태 일치',
    '같은 인덱스까지 적용하고 끝난 노드들은 같은 상태를 가집니다.',
  ),
  'replicas-healthy': text(
    'Replicas stayed healthy',
    'No replica process exited unless the experiment stopped it.',
    '복제본 정상 동작',
    '실험이 멈춘 경우가 아니면 어떤 복제본 프로세스도 스스로 종료되지 않았습니다.',
  ),
  'acknowledged-writes-kept': text(
    'Acknowledged writes kept',
    'Every write the cluster acknowledged is there at the end, unless a later write replaced it.',
    '확인된 쓰기 유지',
    '클러스터가 확인해 준 쓰기는 끝까지 남아 있습니다. 그 뒤의 쓰기가 덮어쓴 경우만 예외입니다.',
  ),
  'watch-complete': text(
    'Watches miss nothing',
    'Every watcher saw every change under its prefix, in order, none missing.',
    'watch 누락 없음',
    '모든 watch가 자기 접두사 아래의 변경을 빠짐없이 순서대로 받았습니다.',
  ),
  'lease-expiry': text(
    'Leases expire',
    "A dead instance's key disappears once its lease runs out.",
    '리스 만료',
    '죽은 인스턴스의 키는 리스가 끝나면 사라집니다.',
  ),
  'live-leases-kept': text(
    'Live leases kept',
    "A live instance's key stays registered while it keeps its lease alive.",
    '살아 있는 리스 유지',
    '리스를 계속 갱신하는 살아 있는 인스턴스의 키는 등록된 채로 남습니다.',
  ),
}

/** The invariant's name in the locale; an invariant without words yet shows its code name. */
export function invariantTitle(name: string, locale: TextLocale): string {
  return invariantTexts[name]?.title[locale] ?? name
}

export function invariantExplanation(name: string, locale: TextLocale): string | undefined {
  return invariantTexts[name]?.explain[locale]
}
