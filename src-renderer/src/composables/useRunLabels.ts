/** Words for a stored run's protocol and verdict in the current language; unknown values show as they are. */
import { useI18n } from 'vue-i18n'
import { verdictKey } from '../format'

export function useRunLabels() {
  const { t, te } = useI18n()
  return {
    protocolLabel: (protocol: string) => (te(`protocol.${protocol}`) ? t(`protocol.${protocol}`) : protocol),
    verdictLabel: (word: string) => (te(`verdictWord.${verdictKey(word)}`) ? t(`verdictWord.${verdictKey(word)}`) : word),
  }
}
