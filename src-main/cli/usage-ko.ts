/**
 * `lab <command> --help` for run, check, export, simulate (and simulate --from-run) and sweep: the
 * English usage of `lab run`, and every one of them in Korean for `--locale ko`. The commands and
 * options stay as typed; test/cli/help-locale.test.ts holds each Korean text to the options its
 * English one names.
 */
import { descriptorOf, protocolNames } from '../protocols/registry.js'
import { assertNever } from '../protocols/types.js'
import { faultProfiles } from '../sim/scenario.js'
import { safetyStepsDefault } from '../sim/simulation.js'

/** `lab run --help`: the run block of the lab's usage, on its own. */
export const runUsage = `usage: npm run lab -- run <experiment.yaml> [--json] [--check] [--runs-dir DIR] [--no-final-reads] [--locale en|ko]
  Runs the experiment on real replica processes; prints progress on stderr and a summary.
  --runs-dir DIR    where the run directory goes (default ./runs)
  --no-final-reads  do not read every key back from each replica after the workload
  --locale ko       say an invalid experiment's errors in Korean
  --json            print the summary as JSON on stdout
  --check           exit 1 when the verdict finds a violation (non-linearizable, a broken invariant, a
                    replica that died), 4 when it is undecided; 3 means the run could not complete
  Ctrl-C, SIGTERM or SIGHUP interrupts the run: its run directory is kept; exit 128 + n.`

const runUsageKo = `사용법: npm run lab -- run <experiment.yaml> [--json] [--check] [--runs-dir DIR] [--no-final-reads] [--locale en|ko]
  실험을 실제 복제본 프로세스로 실행합니다. 진행 상황은 stderr에, 요약은 stdout에 씁니다.
  --runs-dir DIR    실행 디렉터리를 둘 곳(기본: ./runs)
  --no-final-reads  워크로드가 끝난 뒤 각 복제본에서 모든 키를 다시 읽지 않습니다
  --locale ko       잘못된 실험의 오류를 한국어로 말합니다
  --json            요약을 JSON으로 stdout에 씁니다
  --check           판정이 위반(선형화 불가, 깨진 불변식, 죽은 복제본)이면 1로, 판단할 수 없으면 4로
                    끝납니다. 3은 실행이 끝까지 가지 못했다는 뜻입니다
  Ctrl-C, SIGTERM, SIGHUP은 실행을 멈춥니다. 실행 디렉터리는 남고 종료 코드는 128 + n입니다.`

const checkUsageKo = `사용법: lab check <run-dir | history.ndjson>... [--json] [--budget <기간, 예: 120s>]
  실행의 이력이 선형화 가능한지, 트레이스가 프로토콜 불변식을 지켰는지 검사합니다.
  대상이 여럿이면 이 프로세스에서 하나씩 검사합니다. 표 하나와 가장 나쁜 종료 코드를 냅니다.
  --json     판정을 JSON으로 씁니다(대상이 여럿이면 {target, exitCode, verdict | error}의 목록)
  --budget   선형화 가능성 탐색에 쓸 시간(기본: 키마다 10s, 모두 합해 60s), 대상마다
  종료 코드: 0 통과, 1 위반 발견, 2 판단 불가나 읽을 수 없는 입력.`

const exportUsageKo = `사용법: lab export <run-dir> [--out FILE.json | FILE.ndjson.gz] [--no-trace] [--no-history]
  실행을 앱이 가져올 수 있는 파일 하나로 씁니다(기본: ./<run id>.ndjson.gz).
  --no-trace    트레이스를 넣지 않습니다
  --no-history  이력을 넣지 않습니다`

function simulateUsageKo(): string {
  const mutations = protocolNames.map((name) => {
    const names = descriptorOf(name).mutations
    return `  ${name}의 변이: ${names.length > 0 ? names.join(', ') : '없음'}`
  })
  return `사용법: npm run lab -- simulate <${protocolNames.join('|')}> [옵션]
  --seed N              돌릴 시드(기본 1). 실패하면 그것을 다시 돌리는 명령을 출력합니다
  --seeds A..B | --seeds N
                        시드 A부터 B까지(또는 1부터 N까지) 돌리고 실패마다, 그리고 요약을 출력합니다
  --mutation NAME       일부러 넣은 버그로 코어를 만듭니다(여러 번 가능). 아래 목록(--help) 참고
  --faults PROFILE      ${faultProfiles.join(' | ')}(기본 all)
  --steps N             안전성 단계의 걸음 수(기본 ${safetyStepsDefault})
  --keep-going          처음 깨진 속성에서 멈추지 않고 속성마다 처음 깨진 곳을 알립니다
  --membership          네메시스가 노드를 더하고, 승격하고, 빼기도 합니다(raft)
  --verbose             시나리오와 모든 걸음을 출력합니다(시드 하나)
  --json                결과를 JSON으로 출력합니다
${mutations.join('\n')}`
}

const simulateFromRunUsageKo = `사용법: npm run lab -- simulate --from-run <run dir> [--verbose] [--json]
  실행의 장애를(실제로 일어난 그대로) 시뮬레이터에서 재생합니다. 클러스터, 설정, 시드는 그 실행의
  것이고 클라이언트는 시뮬레이터의 것입니다.
  --verbose  모든 걸음을 출력합니다
  --json     결과를 JSON으로 출력합니다`

const sweepUsageKo = `사용법: npm run lab -- sweep <sweep.yaml> [--runs-dir DIR] [--restart] [--dry-run] [--locale en|ko]
       npm run lab -- sweep report <sweep dir> [--format html|md|csv|json|pdf] [--out FILE] [--locale en|ko]
       npm run lab -- sweep schema
  스윕의 모든 셀을 실제 복제본 프로세스로 하나씩 DIR(기본 runs/sweeps/<스윕 이름>)에 실행합니다.
  같은 명령을 다시 내리면 멈춘 스윕을 이어서 합니다(끝난 실행은 다시 하지 않고, --restart는 그것을
  잊습니다). --dry-run은 셀 목록만 보여 줍니다.
  모든 실행이 끝나면 0, 끝나지 못한 것이 있으면 3, 스윕 파일이 잘못되었으면 2로 끝납니다.`

/** The commands whose `--help --locale ko` this file answers. */
export type KoreanUsageCommand = 'run' | 'check' | 'export' | 'simulate' | 'simulate --from-run' | 'sweep'

export function koreanUsage(command: KoreanUsageCommand): string {
  switch (command) {
    case 'run':
      return runUsageKo
    case 'check':
      return checkUsageKo
    case 'export':
      return exportUsageKo
    case 'simulate':
      return simulateUsageKo()
    case 'simulate --from-run':
      return simulateFromRunUsageKo
    case 'sweep':
      return sweepUsageKo
    default:
      return assertNever(command, 'usage command')
  }
}
