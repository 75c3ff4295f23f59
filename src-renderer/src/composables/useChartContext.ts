/** The ChartContext of the current run, rebuilt when the (throttled) version moves or the language changes. */
import { computed, type ComputedRef, type Ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { withVocabulary } from '../i18n/vocabulary'
import { storeToRefs } from 'pinia'
import type { ChartContext } from '../charts/common'
import { useRunStore } from '../stores/run'

export function useChartContext(tick: Ref<number>, pointsMax = 600): ComputedRef<ChartContext | undefined> {
  const { t, locale } = useI18n()
  const { live, experiment } = storeToRefs(useRunStore())
  return computed(() => {
    void tick.value
    void locale.value
    const run = live.value
    if (run === undefined) return undefined
    return {
      // Charts speak the run's protocol's words (PBFT: view, primary).
      t: withVocabulary((key: string, named?: Record<string, unknown>) => (named ? t(key, named) : t(key)), experiment.value?.protocol),
      nowMs: run.now,
      faults: run.faults.toArray(),
      leaderless: run.leaderless.toArray(),
      pointsMax,
    }
  })
}
