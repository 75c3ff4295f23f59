/** English and Korean for every visible string; the language follows the system and can be switched. */
import { createI18n } from 'vue-i18n'
import { en } from './en'
import { ko } from './ko'

export const locales = ['en', 'ko'] as const
export type Locale = (typeof locales)[number]
export const localeStorageKey = 'consensus-lab.locale'

export function pickLocale(saved: string | null | undefined, languages: readonly string[]): Locale {
  if (saved === 'en' || saved === 'ko') return saved
  for (const language of languages) {
    const base = language.toLowerCase().split('-')[0]
    if (base === 'ko' || base === 'en') return base
  }
  return 'en'
}

export function createLabI18n(locale: Locale) {
  return createI18n({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: { en, ko },
    missingWarn: false,
    fallbackWarn: false,
  })
}

export function initialLocale(): Locale {
  let saved: string | null = null
  try {
    saved = globalThis.localStorage?.getItem(localeStorageKey) ?? null
  } catch {
    saved = null
  }
  const languages = globalThis.navigator?.languages?.length ? globalThis.navigator.languages : [globalThis.navigator?.language ?? 'en']
  return pickLocale(saved, languages)
}
