/** The experiment format as JSON Schema (draft 2020-12), for editors; generated from the zod schema. */
import { z } from 'zod'
import { experimentSchema } from './experiment.js'

export function experimentJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(experimentSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  return {
    ...schema,
    $id: 'https://consensus-lab.local/experiment.schema.json',
    title: 'Consensus Lab experiment',
    description: 'An experiment file: protocol, cluster, network, workload, fault schedule, seed. Durations are strings with a unit: 250ms, 2s, 1m.',
  }
}
