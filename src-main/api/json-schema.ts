/** The experiment format as JSON Schema (draft 2020-12), for editors; generated from the zod schema. */
import { z } from 'zod'
import { experimentSchema, faultKinds, faultSyntax } from './experiment.js'

const durationPattern = '^\\d+(\\.\\d+)?\\s*(ms|s|m)$'

/** Faults are parsed by key with precise errors; for editors they are one object form per kind. */
function faultItemSchema(): Record<string, unknown> {
  return {
    oneOf: faultKinds.map((kind) => {
      const syntax: { value: z.ZodType; jsonSchema?: z.ZodType } = faultSyntax[kind]
      const action = z.toJSONSchema(syntax.jsonSchema ?? syntax.value, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
      delete action.$schema
      return {
        type: 'object',
        properties: { at: { type: 'string', pattern: durationPattern, description: 'when, from workload start: 2s, 250ms' }, [kind]: action },
        required: ['at', kind],
        additionalProperties: false,
      }
    }),
  }
}

export function experimentJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(experimentSchema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, unknown> } & Record<string, unknown>
  schema.properties.faults = { type: 'array', items: faultItemSchema(), default: [] }
  return {
    ...schema,
    $id: 'https://consensus-lab.local/experiment.schema.json',
    title: 'Consensus Lab experiment',
    description: 'An experiment file: protocol, cluster, network, workload, fault schedule, seed. Durations are strings with a unit: 250ms, 2s, 1m.',
  }
}
