/**
 * The protocol-specific part of the design form, from the protocol's descriptor: which of its
 * options the form shows (options.form, in order), and for each its input, unit, bounds and
 * default, read from the option's own schema (the one place they live), so a new protocol's
 * options appear in the app without a renderer change. Validation stays the experiment's own
 * (validate.ts): the form shows its errors at the field's path.
 */
import { z } from 'zod'
import type { FormField, FormFieldText } from '../protocols/descriptor.js'
import { assertNever } from '../protocols/types.js'
import { descriptorOf, protocolNames } from '../protocols/registry.js'

/** Bounds of a number as its schema states them. */
export interface NumberBounds {
  min?: number
  /** The minimum itself is refused (`positive()`: above 0). */
  minExclusive: boolean
  max?: number
  integer: boolean
}

interface FieldBase {
  field: string
  /** The experiment path validation errors name: `cluster.<field>`. */
  path: string
  /** The renderer's messages for its label and help text (absent message: the field's name, no help). */
  labelKey: string
  helpKey: string
  /** The descriptor's own words, used where the renderer has no message. */
  text?: FormFieldText
}

export type ProtocolFormField = FieldBase &
  (
    | { input: 'number'; unit?: 'ms'; bounds: NumberBounds; default?: number; absentMeans?: number }
    | { input: 'range'; unit: 'ms'; bounds: NumberBounds; default?: readonly [number, number] }
    | { input: 'toggle'; default?: boolean }
    | { input: 'choice'; choices: readonly string[]; default?: string }
    | { input: 'faults'; bounds: NumberBounds }
  )

type JsonSchema = {
  type?: string
  minimum?: number
  exclusiveMinimum?: number
  maximum?: number
  exclusiveMaximum?: number
  default?: unknown
  prefixItems?: JsonSchema[]
}

/** The protocol's form fields; none for a name no descriptor has (the text editor still shows it). */
export function protocolFormOf(protocol: string): ProtocolFormField[] {
  if (!(protocolNames as readonly string[]).includes(protocol)) return []
  const { options } = descriptorOf(protocol)
  return options.form.map((field) => formFieldOf(field, options.schema.shape[field.field] as z.ZodType | undefined, protocol))
}

function formFieldOf(field: FormField, schema: z.ZodType | undefined, protocol: string): ProtocolFormField {
  if (schema === undefined) throw new Error(`${protocol}'s form shows ${field.field}, which its options schema does not declare`)
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema
  const base: FieldBase = { field: field.field, path: `cluster.${field.field}`, labelKey: `option.${field.field}`, helpKey: `optionHelp.${field.field}`, ...(field.text === undefined ? {} : { text: field.text }) }
  switch (field.input) {
    case 'number':
      return { ...base, input: 'number', unit: field.unit, bounds: boundsOf(json), default: numberOr(json.default), absentMeans: field.absentMeans }
    case 'range': {
      const pair = Array.isArray(json.default) && json.default.length === 2 ? (json.default as [number, number]) : undefined
      return { ...base, input: 'range', unit: field.unit, bounds: boundsOf(json.prefixItems?.[0] ?? {}), default: pair }
    }
    case 'toggle':
      return { ...base, input: 'toggle', default: typeof json.default === 'boolean' ? json.default : undefined }
    case 'choice':
      return { ...base, input: 'choice', choices: field.choices, default: typeof json.default === 'string' ? json.default : undefined }
    case 'faults':
      return { ...base, input: 'faults', bounds: boundsOf(json) }
    default:
      return assertNever(field, 'form input')
  }
}

function boundsOf(json: JsonSchema): NumberBounds {
  const exclusive = json.exclusiveMinimum !== undefined
  const max = json.maximum ?? json.exclusiveMaximum
  // zod states a whole number as an integer with the largest safe integers as its bounds.
  const bounded = (value: number | undefined) => (value === undefined || Math.abs(value) >= Number.MAX_SAFE_INTEGER ? undefined : value)
  return { min: bounded(json.minimum ?? json.exclusiveMinimum), minExclusive: exclusive, max: bounded(max), integer: json.type === 'integer' }
}

function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined
}
