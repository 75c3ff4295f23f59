/**
 * Which of an exercise run's steps the student did, read from the run's fault log (every fault the
 * injector carried out, with its targets and experiment time) and who led when. A step is done by
 * the first fault after the previous step's that matches its action: the same kind of fault, on a
 * node that satisfies its target (`leader` means the node that led at that moment), no earlier
 * than the step allows. The same function ticks steps off live and judges the finished run.
 */
import { nodeTargetOf } from '../../faults/fault.js'
import type { Fault } from '../experiment.js'
import type { InjectedFault } from '../summary.js'
import type { Step } from './schema.js'

export interface StepProgress {
  stepId: string
  done: boolean
  /** Experiment time of the fault that did it. */
  atMs?: number
  /** The fault's description ("crash leader → A"). */
  fault?: string
  targets?: string[]
}

/** What the steps are judged on: the fault log, and who led at a moment (undefined: nobody). */
export interface StepObservations {
  faults: readonly InjectedFault[]
  leaderAt(atMs: number): string | undefined
  /** Whether any node led at or before this moment. */
  hadLeaderBy(atMs: number): boolean
}

export function stepProgress(steps: readonly Step[], observations: StepObservations): StepProgress[] {
  const progress: StepProgress[] = []
  let afterIndex = 0
  let previousAtMs = 0
  for (const step of steps) {
    const earliest = Math.max(step.notBefore ?? 0, previousAtMs)
    const index = observations.faults.findIndex((fault, faultIndex) => faultIndex >= afterIndex && fault.atMs >= earliest && matches(step, fault, observations))
    if (index < 0) {
      progress.push({ stepId: step.id, done: false })
      // Later steps follow this one: none of them can be done before it is.
      for (const later of steps.slice(progress.length)) progress.push({ stepId: later.id, done: false })
      break
    }
    const fault = observations.faults[index]!
    progress.push({ stepId: step.id, done: true, atMs: fault.atMs, fault: fault.action, targets: fault.targets })
    afterIndex = index + 1
    previousAtMs = fault.atMs
  }
  return progress
}

/** The kind of fault a fault-log description names ("clock of A runs at 0.1x" → clockSkew). */
export function faultKindOfDescription(action: string): string {
  if (action.startsWith('clock of ')) return 'clockSkew'
  if (action.startsWith('slow disk ')) return 'slowDisk'
  if (action.startsWith('add node ')) return 'addNode'
  if (action.startsWith('remove node ')) return 'removeNode'
  if (/^cut \S+ -> /.test(action)) return 'cutOneWay'
  return action.split(' ')[0] ?? ''
}

function matches(step: Step, fault: InjectedFault, observations: StepObservations): boolean {
  const action = step.do
  if (faultKindOfDescription(fault.action) !== action.kind) return false
  if (fault.detail?.startsWith('failed')) return false
  if (step.when === 'leader' && !observations.hadLeaderBy(fault.atMs)) return false
  if (action.kind === 'byzantine') {
    const behaviour = action.behaviour
    const name = typeof behaviour === 'string' ? behaviour : behaviour.kind
    if (!fault.action.endsWith(`: ${name}`)) return false
  }
  return targetMatches(action, fault, observations)
}

function targetMatches(action: Fault, fault: InjectedFault, observations: StepObservations): boolean {
  const target = nodeTargetOf(action)
  if (target === undefined) return true
  if (fault.targets.length === 0) return false
  // The leader just before the fault: a crash ends the tenure at the very moment it is logged.
  const leader = observations.leaderAt(fault.atMs - leaderLookBackMs)
  switch (target) {
    case 'leader':
      return leader !== undefined && fault.targets.includes(leader)
    case 'follower':
      return fault.targets.every((node) => node !== leader)
    case 'random':
    case 'minority':
    case 'crashed':
    case 'paused':
      return true
    default:
      return fault.targets.includes(target)
  }
}

/** How far before a fault's logged time its target's role is read. */
const leaderLookBackMs = 1
