/**
 * Does an exercise run's steps the way a student would in the failure injector, for the headless
 * `lab exercise run` and the tests: each step's fault is injected through the run's own injector
 * once its conditions hold (a leader exists, not before its time, long enough after the previous
 * step). What it did lands in the run's fault log, where the step checks read it, exactly as they
 * read a student's clicks.
 */
import type { FaultResult, LiveFrame } from '../../api/lab-api.js'
import type { Fault } from '../../api/experiment.js'
import { nodeTargetOf } from '../../faults/fault.js'
import type { Step } from '../../api/exercise/schema.js'

/** A step whose fault found no target (no leader at that instant) is tried again, this many times. */
export const stepAttemptsMax = 50

export interface AutopilotRun {
  inject(fault: Fault): Promise<FaultResult>
  experimentTimeMs(): number | undefined
}

export interface AutopilotLog {
  stepId: string
  atMs: number
  ok: boolean
  targets: string[]
  error?: string
}

export class StepAutopilot {
  readonly log: AutopilotLog[] = []
  private next = 0
  private attempts = 0
  private busy = false
  private previousDoneMs = 0

  constructor(
    private readonly run: AutopilotRun,
    private readonly steps: readonly Step[],
  ) {}

  get done(): boolean {
    return this.next >= this.steps.length
  }

  /** Called with every live frame of the run (ten a second). */
  onFrame(frame: LiveFrame): void {
    const step = this.steps[this.next]
    const nowMs = this.run.experimentTimeMs()
    if (step === undefined || this.busy || nowMs === undefined || this.attempts >= stepAttemptsMax) return
    if (nowMs < (step.notBefore ?? 0) || nowMs < this.previousDoneMs + (step.wait ?? 0)) return
    if (step.when === 'leader' && frame.leader === undefined) return
    this.busy = true
    this.attempts += 1
    // The fault log stamps a fault when it is asked for (a restart takes a while to finish).
    void this.run.inject(step.do).then(
      (result) => this.settle(step, result, nowMs),
      (error: Error) => this.settle(step, { ok: false, error: error.message }, nowMs),
    )
  }

  private settle(step: Step, result: FaultResult, atMs: number): void {
    const hit = result.ok && (result.targets.length > 0 || !needsTarget(step.do))
    this.log.push({ stepId: step.id, atMs, ok: hit, targets: result.ok ? result.targets : [], error: result.ok ? undefined : result.error })
    if (hit) {
      this.next += 1
      this.attempts = 0
      this.previousDoneMs = atMs
    }
    this.busy = false
  }
}

/** A fault on a node (a role such as leader, or a name) must have hit one; a network fault has no node to hit. */
function needsTarget(fault: Fault): boolean {
  return nodeTargetOf(fault) !== undefined
}
