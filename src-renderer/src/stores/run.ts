/**
 * The run being watched: its phase, the live record the charts read, and the summary at the end.
 * The live record is deliberately not reactive (see LiveRun); `version` tells readers it moved.
 */
import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import type { Fault, FaultResult, LabStreamMessage } from '../../../src-main/api/lab-api'
import type { Experiment } from '../../../src-main/api/experiment'
import type { RunSummary } from '../../../src-main/api/summary'
import type { FieldError } from '../../../src-main/api/validate'
import { validateExperimentText } from '../../../src-main/api/validate'
import { LiveRun } from '../live/live-run'
import { useConnectionStore } from './connection'

export type RunPhase = 'idle' | 'starting' | 'running' | 'stopping' | 'ended' | 'failed'

/** Stream messages that may arrive before startRun has told us our run id. */
const earlyMessagesMax = 100
/** No frame for this long during a run means the lab stalled; the UI says so. */
export const frameStallMs = 3_000

export const useRunStore = defineStore('run', () => {
  const phase = ref<RunPhase>('idle')
  const runId = ref<string>()
  const experiment = shallowRef<Experiment>()
  const startErrors = ref<FieldError[]>([])
  const error = ref<string>()
  const summary = shallowRef<RunSummary>()
  const live = shallowRef<LiveRun>()
  /** Bumped on every ingested frame. */
  const version = ref(0)
  /** Wall-clock ms of the last message for this run, for stall detection. */
  const lastMessageAt = ref(0)
  let early: LabStreamMessage[] = []

  const active = computed(() => phase.value === 'starting' || phase.value === 'running' || phase.value === 'stopping')
  const verdict = computed(() => summary.value?.verdict)

  async function start(text: string): Promise<boolean> {
    if (active.value) return false
    const local = validateExperimentText(text)
    if (!local.ok) {
      startErrors.value = local.errors
      return false
    }
    phase.value = 'starting'
    startErrors.value = []
    error.value = undefined
    summary.value = undefined
    runId.value = undefined
    experiment.value = local.experiment
    live.value = markRaw(new LiveRun('', local.experiment.cluster.nodes))
    early = []
    try {
      const result = await useConnectionStore().api().startRun(text)
      if (!result.ok) {
        startErrors.value = result.errors
        phase.value = 'idle'
        return false
      }
      runId.value = result.runId
      live.value = markRaw(new LiveRun(result.runId, local.experiment.cluster.nodes))
      phase.value = 'running'
      lastMessageAt.value = Date.now()
      const replay = early
      early = []
      for (const message of replay) receive(message)
      return true
    } catch (caught) {
      error.value = caught instanceof Error ? caught.message : String(caught)
      phase.value = 'failed'
      return false
    }
  }

  async function stop(): Promise<void> {
    if (runId.value === undefined || (phase.value !== 'running' && phase.value !== 'stopping')) return
    phase.value = 'stopping'
    try {
      await useConnectionStore().api().stopRun(runId.value)
    } catch (caught) {
      error.value = caught instanceof Error ? caught.message : String(caught)
    }
  }

  async function inject(fault: Fault): Promise<FaultResult> {
    if (runId.value === undefined || phase.value !== 'running') return { ok: false, error: 'no run in progress', notes: [{ code: 'noRunInProgress' }] }
    try {
      return await useConnectionStore().api().injectFault(runId.value, fault)
    } catch (caught) {
      return { ok: false, error: caught instanceof Error ? caught.message : String(caught) }
    }
  }

  function receive(message: LabStreamMessage): void {
    // A sweep's progress is the Sweeps page's; its runs' own messages come here like any run's.
    if (message.kind === 'sweep') return
    if (phase.value === 'starting') {
      if (early.length < earlyMessagesMax) early.push(message)
      return
    }
    if (message.runId !== runId.value || live.value === undefined) return
    lastMessageAt.value = Date.now()
    switch (message.kind) {
      case 'frame':
        if (live.value.ingest(message)) version.value += 1
        break
      case 'end':
        live.value.finish()
        summary.value = message.summary
        phase.value = 'ended'
        version.value += 1
        break
      case 'error':
        live.value.finish()
        error.value = message.message
        phase.value = 'failed'
        version.value += 1
        break
      default: {
        const unknown: never = message
        console.warn('unknown stream message', unknown)
      }
    }
  }

  /** Back to the designer; keeps nothing of the last run. */
  function reset(): void {
    if (active.value) return
    phase.value = 'idle'
    runId.value = undefined
    summary.value = undefined
    error.value = undefined
    startErrors.value = []
    live.value = undefined
  }

  return { phase, runId, experiment, startErrors, error, summary, live, version, lastMessageAt, active, verdict, start, stop, inject, receive, reset }
})
