/**
 * The steps of an exercise run as the student does them: while the run is live, from the live run's
 * fault events and who led each frame; afterwards, from the stored check (the finished run's fault
 * log). Live, a step's "not before" time is not enforced (the live stream has no experiment clock);
 * the check of the finished run enforces it.
 */
import { computed, type Ref } from 'vue'
import { storeToRefs } from 'pinia'
import type { ExerciseRun } from '../../../src-main/api/exercise/schema'
import { stepProgress, type StepProgress } from '../../../src-main/api/exercise/steps'
import type { InjectedFault } from '../../../src-main/api/summary'
import type { LiveRun } from '../live/live-run'
import { useCourseStore } from '../stores/course'
import { useRunStore } from '../stores/run'
import { useThrottledVersion } from './useThrottledVersion'

/** The live run's faults and leaders, in the live stream's time (ms since the run's epoch). */
export function liveStepProgress(run: ExerciseRun, live: LiveRun): StepProgress[] {
  const faults: InjectedFault[] = live.faults.toArray().map((event) => {
    const [targets = '', detail] = (event.detail ?? '').split(' — ')
    return { atMs: event.t, action: event.fault, targets: targets.split(',').map((node) => node.trim()).filter(Boolean), detail: detail ?? (targets.startsWith('failed') ? targets : undefined) }
  })
  const frames = live.frames.toArray()
  const leaderAt = (atMs: number) => {
    let leader: string | undefined
    for (const frame of frames) {
      if (frame.t > atMs) break
      leader = frame.leader
    }
    return leader
  }
  const steps = run.steps.map((step) => ({ ...step, notBefore: undefined }))
  return stepProgress(steps, { faults, leaderAt, hadLeaderBy: (atMs) => frames.some((frame) => frame.t <= atMs && frame.leader !== undefined) })
}

export function useExerciseSteps(exerciseId: Ref<string>, run: Ref<ExerciseRun>) {
  const course = useCourseStore()
  const { pending, progress } = storeToRefs(course)
  const runStore = useRunStore()
  const { live, version: frameVersion, runId } = storeToRefs(runStore)
  const version = useThrottledVersion(frameVersion, 250)
  const isLive = computed(() => pending.value?.exerciseId === exerciseId.value && pending.value.runSlot === run.value.id && pending.value.runId === runId.value)
  const steps = computed<StepProgress[]>(() => {
    void version.value
    if (isLive.value && live.value) return liveStepProgress(run.value, live.value)
    const stored = progress.value[exerciseId.value]?.check?.runs.find((candidate) => candidate.run === run.value.id)?.steps
    return stored ?? run.value.steps.map((step) => ({ stepId: step.id, done: false }))
  })
  return { steps, isLive }
}
