/** Validation errors in the page's language: the lab's coded errors (api/validation-text.ts), English where a code has no text. */
import { useI18n } from 'vue-i18n'
import { fieldErrorText, type CodedError } from '../../../src-main/api/validation-text'

export function useFieldErrorText(): (error: CodedError) => string {
  const { locale } = useI18n()
  return (error) => fieldErrorText(error, locale.value === 'ko' ? 'ko' : 'en')
}
