/**
 * Validation errors in the reader's language. Every error keeps its English `message` (what the
 * CLI has always printed and what tests and scripts match) and carries a stable `code` with its
 * values (`params`); this module says a coded error in Korean. The app and `lab validate --locale
 * ko` read it here, so both speak alike. An error without a known code stays in English: a missing
 * text never hides an error.
 *
 * Codes come from three places: zod's own issue kinds (the schema's bounds and types, see
 * codeOfIssue), `params.code` on the schema's refinements, and validate.ts's and the protocol
 * descriptors' own rules (OptionError.code).
 */
import type { z } from 'zod'

export const validationLocales = ['en', 'ko'] as const
export type ValidationLocale = (typeof validationLocales)[number]

/** Values an error names: numbers, names, lists already joined. Never a sentence in one language. */
export type ErrorParams = Readonly<Record<string, string | number | boolean | undefined>>

/** What a coded error is: its code and the values its text needs. */
export interface ErrorCode {
  code: string
  params?: ErrorParams
}

/** An error at a path of a document (FieldError in validate.ts is this). */
export interface CodedError extends Partial<ErrorCode> {
  path: string
  message: string
}

/**
 * A value as an error names it, in no language: a scalar as written ("fast" quoted, 10), and the
 * words `list`, `mapping` or `nothing` for the rest, which each language says its own way.
 */
export function neutralValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'list'
  if (value !== null && typeof value === 'object') return 'mapping'
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value)
  return text.length <= neutralValueCharsMax ? text : `${text.slice(0, neutralValueCharsMax)}...`
}
const neutralValueCharsMax = 60

/** zod's issue as a code: its kind, bounds and the value it refused (with `reportInput`). */
export function codeOfIssue(issue: z.core.$ZodIssue): ErrorCode {
  const path = issue.path.map(String)
  const unit = unitOf(path[path.length - 1])
  switch (issue.code) {
    case 'invalid_type':
      // A duration is a string to zod; its type error is worded as a duration (api/duration.ts).
      if (issue.message.startsWith('expected a duration')) return { code: 'duration', params: { got: neutralValue(issue.input) } }
      return { code: 'type', params: { expected: issue.expected, got: neutralValue(issue.input) } }
    case 'too_big':
      return { code: 'tooBig', params: { max: Number(issue.maximum), inclusive: issue.inclusive !== false, origin: issue.origin, unit } }
    case 'too_small':
      return { code: 'tooSmall', params: { min: Number(issue.minimum), inclusive: issue.inclusive !== false, origin: issue.origin, unit } }
    case 'invalid_value':
      return { code: 'oneOf', params: { values: issue.values.map(String).join(', '), got: neutralValue(issue.input) } }
    case 'unrecognized_keys':
      return { code: 'unknownFields', params: { keys: issue.keys.join(', ') } }
    case 'invalid_union':
      return { code: 'form' }
    case 'invalid_format':
      return { code: issue.format === 'regex' && /node name/.test(issue.message) ? 'nodeName' : 'format', params: { got: neutralValue(issue.input) } }
    case 'custom': {
      const params = issue.params as Partial<ErrorCode> & Record<string, unknown> | undefined
      return typeof params?.code === 'string' ? { code: params.code, params: (params.params ?? params) as ErrorParams } : { code: 'custom' }
    }
    case 'not_multiple_of':
    case 'invalid_key':
    case 'invalid_element':
      return { code: 'form' }
    default:
      return { code: 'custom' }
  }
}

/** Field names carry their unit last (house style): electionTimeoutMs is in ms. */
function unitOf(field: string | undefined): string | undefined {
  if (field === undefined) return undefined
  if (/Ms$/.test(field) || field === 'ms') return 'ms'
  if (/Bytes$/.test(field)) return 'bytes'
  return undefined
}

/** The error as the reader's language says it; English is the message itself. */
export function fieldErrorText(error: CodedError, locale: ValidationLocale): string {
  if (locale === 'en' || error.code === undefined) return error.message
  const text = korean[error.code]
  return text === undefined ? error.message : text(error.params ?? {})
}

/** Errors one a line, each with its path (and the file when given), as the CLI prints them. */
export function formatFieldErrors(errors: readonly CodedError[], source?: string, locale: ValidationLocale = 'en'): string {
  const where = source ? `${source}: ` : ''
  const top = locale === 'ko' ? '(최상위)' : '(top level)'
  return errors.map((error) => `${where}${error.path || top}: ${fieldErrorText(error, locale)}`).join('\n')
}

// ---- Korean ------------------------------------------------------------------------------------

const koValueWords: Record<string, string> = { nothing: '없음', list: '목록', mapping: '매핑' }
const got = (params: ErrorParams) => {
  const value = String(params.got ?? 'nothing')
  return koValueWords[value] ?? value
}
/** What a field expects, with its object particle (을/를 follows the last syllable). */
const koExpected: Record<string, string> = {
  number: '숫자를',
  int: '정수를',
  string: '문자열을',
  boolean: 'true 또는 false를',
  array: '목록을',
  tuple: '목록을',
  object: '매핑({키: 값})을',
  record: '매핑({키: 값})을',
}
const withUnit = (value: unknown, params: ErrorParams) => (params.unit === 'ms' ? `${String(value)} ms` : params.unit === 'bytes' ? `${String(value)}바이트` : String(value))

type KoreanText = (params: ErrorParams) => string

/** The YAML parser's own errors (the yaml package's codes), as a student reads them. */
const koYamlProblems: Record<string, string> = {
  MISSING_CHAR: '닫는 따옴표나 괄호가 없습니다(이 줄에서 연 것이 닫히지 않았습니다).',
  BAD_INDENT: '들여쓰기가 맞지 않습니다.',
  TAB_AS_INDENT: '들여쓰기에 탭을 썼습니다. YAML은 공백으로만 들여씁니다.',
  DUPLICATE_KEY: '같은 키가 두 번 있습니다.',
  BLOCK_AS_IMPLICIT_KEY: '키 자리에 블록(여러 줄 값)이 왔습니다. 키 뒤에 콜론(:)이 빠졌을 수 있습니다.',
  MULTILINE_IMPLICIT_KEY: '키가 여러 줄에 걸쳐 있습니다. 키 뒤에 콜론(:)이 빠졌을 수 있습니다.',
  UNEXPECTED_TOKEN: '이 자리에 올 수 없는 문자가 있습니다.',
  BAD_SCALAR_START: '값을 이 문자로 시작할 수 없습니다. 따옴표로 감싸 보세요.',
  BAD_DQ_ESCAPE: '큰따옴표 문자열 안의 이스케이프(\\...)가 잘못되었습니다.',
  BLOCK_IN_FLOW: '{ } 나 [ ] 안에는 여러 줄 블록을 쓸 수 없습니다.',
  KEY_OVER_1024_CHARS: '키가 1024자보다 깁니다.',
  MULTIPLE_DOCS: '문서가 여러 개입니다(---). 파일 하나에는 문서 하나만 씁니다.',
  BAD_ALIAS: '별칭(*이름)이 잘못되었습니다.',
  MULTIPLE_ANCHORS: '한 값에 앵커(&)가 여러 개입니다.',
  MULTIPLE_TAGS: '한 값에 태그(!)가 여러 개입니다.',
  BAD_DIRECTIVE: '지시문(%)이 잘못되었습니다.',
  TAG_RESOLVE_FAILED: '알 수 없는 태그(!)입니다.',
}

/** What a file was meant to be (the `kind` of a file refusal), with its subject particle. */
const koFileKinds: Record<string, string> = {
  experiment: '실험 파일(YAML 또는 JSON)',
  exercise: '연습 파일(YAML)',
  sweep: '스윕 파일(YAML 또는 JSON)',
}
const koFileProblems: Record<string, string> = {
  directory: '폴더입니다',
  'not-regular': '일반 파일이 아닙니다',
  'not-text': '텍스트 파일이 아닙니다',
}

/** What an exercise id names (exerciseIdTwice) and the kind of value a measure gives. */
const koIdKinds: Record<string, string> = { run: '실행', step: '단계', question: '질문' }
/** The part of a command checkCommandBytes found too large. */
const koCommandParts: Record<string, string> = { key: '키', value: '값', command: '명령' }

/**
 * Why a protocol takes smaller commands than a frame allows, in Korean from its values (PBFT: the
 * batches a new-view message carries); a reason given only as an English sentence stays so.
 */
function commandLimitWhyKo(p: ErrorParams): string {
  if (p.batches === undefined) return String(p.why)
  return `복제본 ${p.n}개(f = ${p.f})와 checkpointInterval ${p.interval}(로그 창 ${p.window})인 PBFT는 new-view 메시지 하나에 배치를 최대 ${p.batches}개 싣습니다`
}

const koValueKinds: Record<string, string> = { node: '노드', nodes: '노드 목록', number: '숫자', duration: '시간', boolean: '참/거짓', text: '글', texts: '글 목록' }

const korean: Record<string, KoreanText> = {
  // zod's own kinds
  type: (p) => `${koExpected[String(p.expected)] ?? `${String(p.expected)} 값을`} 써야 합니다. 받은 값: ${got(p)}`,
  tooBig: (p) =>
    p.origin === 'array' || p.origin === 'set' ? `최대 ${p.max}개까지 쓸 수 있습니다.`
      : p.origin === 'string' ? `최대 ${p.max}자까지 쓸 수 있습니다.`
      : p.inclusive ? `${withUnit(p.max, p)} 이하여야 합니다.` : `${withUnit(p.max, p)}보다 작아야 합니다.`,
  tooSmall: (p) =>
    p.origin === 'array' || p.origin === 'set' ? `적어도 ${p.min}개가 있어야 합니다.`
      : p.origin === 'string' ? (Number(p.min) <= 1 ? '비어 있으면 안 됩니다.' : `적어도 ${p.min}자여야 합니다.`)
      : p.inclusive ? `${withUnit(p.min, p)} 이상이어야 합니다.` : `${withUnit(p.min, p)}보다 커야 합니다.`,
  oneOf: (p) => `다음 중 하나여야 합니다: ${p.values}. 받은 값: ${got(p)}`,
  unknownFields: (p) => `알 수 없는 필드: ${p.keys}`,
  form: () => '이 필드가 받는 형식이 아닙니다.',
  format: (p) => `형식이 맞지 않습니다. 받은 값: ${got(p)}`,
  nodeName: () => '노드 이름은 영문자, 숫자, - 또는 _ 로 쓰고 영문자나 숫자로 시작해야 합니다(최대 32자).',
  // the schema's refinements and parsers
  duration: (p) => `2s나 250ms처럼 단위를 붙인 시간을 써야 합니다. 받은 값: ${got(p)}`,
  durationAboveTimer: (p) => `최대 ${p.max} ms(약 24.8일, 타이머가 기다릴 수 있는 가장 긴 시간)까지입니다. 받은 값: ${p.got} ms`,
  positiveDuration: (p) => `0보다 긴 시간을 써야 합니다(예: ${p.example}).`,
  keepAliveBelowTtl: () => 'keepAliveEvery는 ttl보다 짧아야 합니다. 그렇지 않으면 모든 리스가 만료됩니다.',
  rangeOrder: () => '[최소, 최대] 순서로, 최소가 최대보다 크지 않게 써야 합니다.',
  mixEmpty: () => '가중치가 0보다 큰 연산이 적어도 하나 있어야 합니다.',
  valueTooLarge: (p) => `값은 최대 ${p.max}바이트까지입니다.`,
  faultShape: (p) => `{at: 2s, crash: leader} 같은 장애를 써야 합니다. 받은 값: ${got(p)}`,
  faultUnknown: (p) => `알 수 없는 장애 ${p.kinds}: 다음 중 하나여야 합니다: ${p.expected}`,
  faultOneKind: (p) => `장애 하나에는 다음 중 정확히 하나만 씁니다: ${p.expected}${p.got ? `. 받은 값: ${p.got}` : ''}`,
  faultExtraFields: (p) => `다른 필드가 없는 ${p.kind} 장애여야 합니다. 예: ${p.example}`,
  // validate.ts
  notAFile: (p) => `${koFileProblems[String(p.problem)] ?? String(p.problem)}. ${koFileKinds[String(p.kind)] ?? String(p.kind)}이어야 합니다.`,
  fileTooLarge: (p) => `파일이 너무 큽니다(${p.size}). ${koFileKinds[String(p.kind)] ?? String(p.kind)}은 최대 ${p.max}자까지입니다.`,
  fileUnreadable: (p) => `${koFileKinds[String(p.kind)] ?? String(p.kind)}을 읽을 수 없습니다(${p.reason === 'ENOENT' ? '그런 파일이 없습니다' : p.reason === 'EACCES' ? '읽을 권한이 없습니다' : String(p.reason)}).`,
  notAnExercise: (p) => `id, title, runs, questions가 있는 매핑이어야 합니다. 받은 값: ${got(p)}`,
  notASweep: (p) => `name, base 또는 experiment, axes가 있는 매핑이어야 합니다. 받은 값: ${got(p)}`,
  sweepBaseOrExperiment: () => 'base(실험 파일)와 experiment(파일 안에 쓴 실험) 중 정확히 하나를 써야 합니다.',
  sweepTooManyCells: (p) => `셀은 최대 ${p.max}개까지입니다. 축들이 만드는 셀: ${p.got}개`,
  sweepAxesExclusive: (p) => `축 ${p.first}와(과) ${p.second}는 함께 쓸 수 없습니다. 둘 중 하나만 쓰세요.`,
  sweepSameCell: (p) => `${p.cell}와(과) 같은 셀입니다(한 축에 같은 값이 두 번 있습니다).`,
  // exercise files: fields that name each other
  exerciseTooLong: (p) => `연습 파일은 최대 ${p.max}자까지입니다. 받은 길이: ${p.got}자`,
  exerciseIdTwice: (p) => `${koIdKinds[String(p.what)] ?? String(p.what)} id ${p.id}가 두 번 쓰였습니다${p.what === 'question' ? '(예측과 질문은 id를 함께 씁니다)' : ''}.`,
  exerciseUnknownRun: (p) => `알 수 없는 실행 ${p.run}: 다음 중 하나여야 합니다: ${p.runs}`,
  exerciseUnknownStep: (p) => `실행 ${p.run}에 ${p.step} 단계가 없습니다${p.steps ? `. 다음 중 하나여야 합니다: ${p.steps}` : '(이 실행에는 단계가 없습니다)'}.`,
  measureTakesNo: (p) => `${p.measure}는 ${p.param}를 받지 않습니다.`,
  measureNeedsMoment: (p) => `${p.measure}에는 step과 fault 중 정확히 하나(재기 시작하는 순간)가 필요합니다.`,
  measureNeeds: (p) => `${p.measure}에는 ${p.param}가 필요합니다.`,
  measureAnswerMismatch: (p) => `${p.measure}는 ${koValueKinds[String(p.value)] ?? String(p.value)} 값을 내므로 ${p.answer} 답과 비교할 수 없습니다(${p.fitting} 중 하나를 쓰세요).`,
  choiceNeedsOptions: () => '선택형 답(choice)에는 보기(options)가 필요합니다.',
  textTakesNoCheck: () => '글로 쓰는 답(text)은 교사가 채점하므로 check를 받지 않습니다.',
  answerNeedsCheck: (p) => `${p.answer} 답에는 check가 필요합니다(교사가 채점하게 하려면 answer: text로 쓰세요).`,
  textTooLong: (p) => `실험은 최대 ${p.max}자까지입니다. 받은 길이: ${p.got}자`,
  yamlSyntax: (p) => `YAML이나 JSON으로 읽을 수 없습니다: ${p.line}번째 줄: ${koYamlProblems[String(p.yamlCode)] ?? p.detail}`,
  yamlAliases: (p) => `쓸 수 없는 YAML 문서입니다: 펼칠 YAML 별칭(alias)이 ${p.max}개를 넘습니다.`,
  yamlUnusable: (p) => `쓸 수 없는 YAML 문서입니다: ${p.detail}`,
  notAnExperiment: (p) => `protocol, cluster, workload가 있는 매핑이어야 합니다. 받은 값: ${got(p)}`,
  duplicateNodes: (p) => `노드 이름이 겹칩니다: ${p.names}`,
  unknownNode: (p) => `알 수 없는 노드 "${p.name}": 다음 중 하나여야 합니다: ${p.nodes}${p.keywords ? `, 또는 ${p.keywords}` : ''}`,
  discoveryInstance: (p) => `1부터 ${p.max}까지의 인스턴스 번호를 써야 합니다.`,
  timeWithinRun: (p) => `실행 시간(${p.durationMs} ms) 안의 시각이어야 합니다.${p.got === undefined ? '' : ` 받은 값: ${p.got} ms`}`,
  workloadEmpty: () => 'clients, rate 또는 script가 있어야 합니다. 이대로는 워크로드가 아무것도 보내지 않습니다.',
  nodeInTwoGroups: (p) => `${p.name}이(가) 두 그룹에 모두 있습니다.`,
  bridgeInGroup: (p) => `${p.name}은(는) 다리(bridge)이면서 그룹에도 있습니다.`,
  sameNodeTwice: () => '서로 다른 두 노드를 써야 합니다.',
  membershipRaftOnly: (p) => `멤버십 변경은 Raft(그룹 하나)에서만 됩니다. ${p.protocol}에서는 쓸 수 없습니다.`,
  nodeNameTaken: (p) => `${p.name}은(는) 이미 이 클러스터의 노드입니다. 추가하는 노드에는 새 이름이 필요합니다.`,
  promoteNotAdded: (p) => `${p.name}은(는) 추가된 적이 없습니다. promote에는 앞선 addNode로 추가한 노드를 써야 합니다${p.added ? `(${p.added})` : ''}.`,
  warmupTooLong: (p) => `warmup + duration(${p.total} ms)은 타이머가 기다릴 수 있는 가장 긴 시간인 ${p.max} ms 이하여야 합니다.`,
  nemesisTooMany: (p) => `장애가 약 ${p.expected}번 생기는데, 한 실행에 넣을 수 있는 ${p.max}번보다 많습니다. meanInterval이나 faultDuration을 늘리세요.`,
  fieldOnlyFor: (p) => `${p.field}는 ${p.protocols}에서만 씁니다. ${p.protocol}에서는 쓸 수 없습니다.`,
  groupsOnlyFor: (p) => `그룹 여러 개(MultiRaft)는 ${p.protocols}에서만 씁니다. ${p.protocol}에서는 쓸 수 없습니다.`,
  noByzantine: (p) => `${p.protocol}에는 비잔틴 동작이 없습니다.`,
  notABehaviour: (p) => `${p.kind}는 ${p.protocol}의 동작이 아닙니다. 다음 중 하나여야 합니다: ${p.kinds}`,
  valueBytesTooLarge: (p) => `이 프로토콜 설정에서는 명령 하나가 최대 ${p.limit}바이트입니다(${commandLimitWhyKo(p)}). valueBytes ${p.valueBytes}인 ${p.op}는 ${p.bytes}바이트이므로 valueBytes를 ${p.room} 이하로 쓰세요.`,
  commandTooLarge: (p) => (p.part === undefined ? `명령이 너무 큽니다(${p.detail}).` : `명령이 너무 큽니다: ${koCommandParts[String(p.part)] ?? String(p.part)} ${p.partBytes}바이트가 허용되는 ${p.partMax}바이트보다 큽니다${p.why === undefined ? '' : `(${commandLimitWhyKo(p)})`}.`),
  scriptForm: (p) => `스크립트 명령은 ${p.expected} 형식이어야 합니다. 받은 값: ${p.got}`,
  forgedValueTooLarge: (p) => `위조한 쓰기 ${p.bytes}바이트가 이 설정에서 명령 하나에 허용되는 ${p.limit}바이트보다 큽니다(${commandLimitWhyKo(p)}).`,
  // protocol descriptors (options.check)
  heartbeatBelowTimeout: (p) => `하트비트는 선거 타임아웃(${p.timeoutMs} ms)보다 짧아야 합니다.`,
  timeoutTwoTicks: (p) => `선거 타임아웃은 적어도 두 틱(2 × tickMs = ${p.minMs} ms)이어야 합니다. 받은 값: ${p.got} ms`,
  heartbeatOneTick: (p) => `하트비트는 적어도 한 틱(${p.tickMs} ms)이어야 합니다. 받은 값: ${p.got} ms`,
  leaseNeedsCheckQuorum: () => '리스 읽기에는 checkQuorum: true가 필요합니다(리더의 소식을 듣는 동안 팔로워가 투표 요청을 무시해야 합니다).',
  leaseDriftBelowTimeout: (p) => `선거 타임아웃(${p.timeoutMs} ms)보다 작아야 합니다.`,
  singleGroupForLeases: () => '리스와 watch는 그룹이 하나일 때만 씁니다(cluster.groups: 1).',
  singleGroupForByzantine: () => '거짓말하는 Raft 노드는 그룹이 하나일 때만 씁니다(cluster.groups: 1). MultiRaft에는 비잔틴 동작이 없습니다.',
  rangeSplitCount: (p) => `그룹 ${p.groups}개에는 분할 지점 ${p.expected}개가 필요합니다. 받은 개수: ${p.got}`,
  rangeSplitOrder: () => '분할 지점은 커지는 순서로 써야 합니다.',
  pbftTooFewReplicas: (p) => `PBFT에는 복제본이 적어도 4개 필요합니다(n >= 3f + 1, f >= 1). 받은 개수: ${p.n}`,
  pbftFaultsTooMany: (p) => `복제본 ${p.n}개인 PBFT는 최대 f = ${p.fMax}까지 견딥니다(n >= 3f + 1). f = ${p.f}에는 복제본 ${p.needed}개가 필요합니다.`,
  pbftCheckpointTooLarge: (p) =>
    `복제본 ${p.n}개(f = ${p.f})와 checkpointInterval ${p.interval}(로그 창 ${p.window})인 PBFT는 new-view 메시지 하나에 배치를 최대 ${p.batches}개 싣습니다. 작은 요청 하나짜리 배치도 프레임(${p.frameBytes}바이트)에 들어가지 않습니다. ${p.fitting ? `checkpointInterval을 ${p.fitting} 이하로 하거나 복제본을 줄이세요.` : '복제본을 줄이세요.'}`,
}
