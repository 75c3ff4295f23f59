/** The exercise format as JSON Schema (draft 2020-12), for editors; generated from the zod schema. */
import { z } from 'zod'
import { faultKinds, faultSyntax } from '../experiment.js'
import { exerciseSchema } from './schema.js'

const durationPattern = '^\\d+(\\.\\d+)?\\s*(ms|s|m)$'

/** A step's `do` is one fault action, in the experiment's vocabulary, without its `at`. */
function stepActionSchema(): Record<string, unknown> {
  return {
    description: 'the fault the student injects by hand, e.g. {crash: leader}',
    oneOf: faultKinds.map((kind) => {
      const syntax: { value: z.ZodType; jsonSchema?: z.ZodType } = faultSyntax[kind]
      const action = z.toJSONSchema(syntax.jsonSchema ?? syntax.value, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
      delete action.$schema
      return { type: 'object', properties: { [kind]: action }, required: [kind], additionalProperties: false }
    }),
  }
}

type JsonObject = Record<string, unknown> & { properties?: Record<string, JsonObject>; items?: JsonObject }

export function exerciseJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(exerciseSchema, { io: 'input', unrepresentable: 'any' }) as JsonObject
  const step = schema.properties!.runs!.items!.properties!.steps!.items!
  step.properties!.do = stepActionSchema()
  for (const key of ['notBefore', 'wait']) step.properties![key] = { type: 'string', pattern: durationPattern, description: 'a duration: 500ms, 2s' }
  return {
    ...schema,
    $id: 'https://consensus-lab.local/exercise.schema.json',
    title: 'Consensus Lab exercise',
    description: 'An exercise of the course: English and Korean text, the runs it makes (experiments), steps done by hand, predictions, questions checked against the run, and what a run must show.',
  }
}
