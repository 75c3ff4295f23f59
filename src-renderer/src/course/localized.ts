/** Exercise text in the app's language (English when the locale is neither). */
import type { Localized } from '../../../src-main/api/exercise/schema'

export function localized(text: Localized | undefined, locale: string): string {
  if (text === undefined) return ''
  return locale === 'ko' ? text.ko : text.en
}
