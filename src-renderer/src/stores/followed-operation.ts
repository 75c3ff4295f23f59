/**
 * The one operation being followed, shared by every view that can pick or show it: the list of
 * slowest operations (Run detail and the ended run page), a dot of the latency scatter, an arrow
 * of the sequence diagram. The diagram brings that operation's messages forward and dims the rest.
 * Its path is operationPath's (src-main/api/operation-path.ts), computed once here.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { acknowledgedOperations, type AcknowledgedOperation } from '../../../src-main/api/latency-breakdown'
import { operationPath, type OperationPath } from '../../../src-main/api/operation-path'
import type { RunRecord } from '../../../src-main/api/run-file'
import type { TraceEvent } from '../../../src-main/api/trace'
import { operationOfMessage, operationOfSample } from '../follow/pick-operation'
import { useConnectionStore } from './connection'
import { useRunsStore } from './runs'

/** Kept after the answer: followers' commits and applies come a little later. */
const afterAnswerMs = 100
const pathKinds = ['append', 'commit', 'apply', 'slot', 'send']

export const useFollowedOperationStore = defineStore('followedOperation', () => {
  /** The run whose record is loaded (its history names the operations). */
  const runId = ref<string>()
  const record = shallowRef<RunRecord>()
  const recordError = ref<string>()
  const chosen = shallowRef<AcknowledgedOperation>()
  const path = shallowRef<OperationPath>()
  const loading = ref(false)
  const error = ref<string>()
  /** Bumped on every pick, so a view can bring the chosen operation into sight even when picked twice. */
  const picks = ref(0)

  const operations = computed(() => (record.value?.history ? acknowledgedOperations(record.value.history.events) : []))
  /** The workload's start on the run's clock: history times minus this are experiment time. */
  const originMs = computed(() => record.value?.workloadStartMs ?? record.value?.summary.workloadStartMs ?? 0)
  /** The messages of the chosen operation, "sender:id" as the trace names them. */
  const messageKeys = computed(() => new Set(path.value?.messageKeys ?? []))

  /** Reads the run's record (the stored one, else the lab's run directory); keeps the selection of the same run. */
  async function open(id: string): Promise<void> {
    if (runId.value === id && record.value !== undefined) return
    if (runId.value !== id) clear()
    runId.value = id
    record.value = undefined
    recordError.value = undefined
    try {
      // The stored record when there is one (an imported run exists nowhere else), after the save of a
      // run that just ended (the record is not fetched twice); a store that cannot be read is no
      // reason not to ask the lab, whose error is the one reported.
      const runs = useRunsStore()
      await runs.saved(id)
      const stored = await runs.loadRecord(id).catch(() => undefined)
      const loaded = stored ?? (await useConnectionStore().api().getRunRecord(id))
      if (runId.value === id) record.value = loaded
    } catch (caught) {
      if (runId.value === id) recordError.value = (caught as Error).message
    }
  }

  async function traceAround(operation: AcknowledgedOperation): Promise<TraceEvent[]> {
    const origin = originMs.value
    const query = { fromMs: operation.invokeMs - origin, toMs: operation.okMs + afterAnswerMs - origin, kinds: pathKinds }
    try {
      // readTrace answers in experiment time; the history counts from the run's epoch.
      return (await useConnectionStore().api().readTrace(runId.value!, query)).events.map((event) => ({ ...event, t: event.t + origin }))
    } catch (caught) {
      const stored = record.value?.trace?.events
      if (!stored) throw caught
      return stored.filter((event) => event.t >= operation.invokeMs && event.t <= operation.okMs + afterAnswerMs)
    }
  }

  async function follow(operation: AcknowledgedOperation): Promise<void> {
    const current = record.value
    if (current === undefined) return
    chosen.value = operation
    picks.value += 1
    path.value = undefined
    error.value = undefined
    loading.value = true
    try {
      const events = await traceAround(operation)
      if (chosen.value !== operation) return
      path.value = operationPath(operation, events, current.summary.protocol, current.summary.nodes)
    } catch (caught) {
      if (chosen.value === operation) error.value = (caught as Error).message
    } finally {
      if (chosen.value === operation) loading.value = false
    }
  }

  /** A latency dot: process `process` answered at `okMs` (experiment time). False when no operation matches. */
  async function followSample(process: number, okMs: number): Promise<boolean> {
    const operation = operationOfSample(operations.value, originMs.value, process, okMs)
    if (operation) await follow(operation)
    return operation !== undefined
  }

  /** An arrow: a message sent at `sentMs` (experiment time) carrying `range`. False when it carried no acknowledged operation. */
  async function followMessage(range: readonly [number, number], sentMs: number): Promise<boolean> {
    const protocol = record.value?.summary.protocol
    const operation = operationOfMessage(operations.value, originMs.value, protocol === 'pbft', range, sentMs)
    if (operation) await follow(operation)
    return operation !== undefined
  }

  function clear(): void {
    chosen.value = undefined
    path.value = undefined
    error.value = undefined
    loading.value = false
  }

  return { runId, record, recordError, chosen, path, loading, error, picks, operations, originMs, messageKeys, open, follow, followSample, followMessage, clear }
})
