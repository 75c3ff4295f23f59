/**
 * The LabApi method table: every call with the schema of its arguments, shared by both hosts
 * (Electron IPC and the browser-mode WebSocket), which import it from here and never from each
 * other. Whatever crosses from a renderer is untrusted and checked here before the service sees it.
 */
import { z } from 'zod'
import { experimentTextCharsMax, reportHtmlCharsMax, type LabApi } from './lab-api.js'
import { faultSchema } from './experiment.js'
import type { LabCallMethod } from './wire.js'
import { traceWindowEventsMax } from '../api/trace.js'

const experimentText = z.string().max(experimentTextCharsMax, `expected an experiment of at most ${experimentTextCharsMax.toLocaleString('en-US')} characters`)
const fileName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'expected a file name of letters, digits, ., - or _ (no folders)')
  .refine((name) => /\.(ya?ml|json)$/i.test(name), 'expected a .yaml, .yml or .json file name')
const runId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'expected a run id')

const nameList = z.array(z.string().max(200)).max(1000)
/** A window of a trace: experiment-time bounds and filters (see TraceQuery). */
const traceQuerySchema = z
  .object({
    fromMs: z.number().finite().optional(),
    toMs: z.number().finite().optional(),
    nodes: nameList.optional(),
    kinds: nameList.optional(),
    types: nameList.optional(),
    text: z.string().max(1000).optional(),
    limit: z.number().int().min(1).max(traceWindowEventsMax).optional(),
  })
  .strict()

export const labMethodArgs = {
  info: z.tuple([]),
  listExperiments: z.tuple([]),
  validateExperiment: z.tuple([experimentText]),
  saveExperiment: z.tuple([fileName, experimentText]),
  startRun: z.tuple([experimentText]),
  stopRun: z.tuple([runId]),
  injectFault: z.tuple([runId, faultSchema]),
  getRunRecord: z.tuple([runId]),
  listRunDirectories: z.tuple([]),
  readTrace: z.tuple([runId, traceQuerySchema]),
  listExercises: z.tuple([]),
  listSweeps: z.tuple([]),
  startSweep: z.tuple([z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.sweep\.yaml$/, 'expected a sweep file name (name.sweep.yaml)')]),
  stopSweep: z.tuple([]),
  renderPdf: z.tuple([z.string().min(1, 'expected the HTML of a report').max(reportHtmlCharsMax, `expected a report of at most ${reportHtmlCharsMax} characters`)]),
} satisfies Record<LabCallMethod, z.ZodType>

export const labCallMethods = Object.keys(labMethodArgs) as LabCallMethod[]

export function isLabCallMethod(value: unknown): value is LabCallMethod {
  return typeof value === 'string' && Object.hasOwn(labMethodArgs, value)
}

export class LabArgumentError extends Error {}

/** Validates the arguments and calls the method; a bad argument throws LabArgumentError naming the method. */
export async function dispatchLabCall(api: LabApi, method: LabCallMethod, args: unknown): Promise<unknown> {
  const parsed = labMethodArgs[method].safeParse(args)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue && issue.path.length > 0 ? ` (argument ${issue.path.join('.')})` : ''
    throw new LabArgumentError(`${method}: invalid arguments${where}: ${issue?.message ?? 'rejected'}`)
  }
  const values = parsed.data as unknown[]
  switch (method) {
    case 'info':
      return api.info()
    case 'listExperiments':
      return api.listExperiments()
    case 'validateExperiment':
      return api.validateExperiment(values[0] as string)
    case 'saveExperiment':
      return api.saveExperiment(values[0] as string, values[1] as string)
    case 'startRun':
      return api.startRun(values[0] as string)
    case 'stopRun':
      return api.stopRun(values[0] as string)
    case 'injectFault':
      return api.injectFault(values[0] as string, values[1] as Parameters<LabApi['injectFault']>[1])
    case 'getRunRecord':
      return api.getRunRecord(values[0] as string)
    case 'listRunDirectories':
      return api.listRunDirectories()
    case 'readTrace':
      return api.readTrace(values[0] as string, values[1] as Parameters<LabApi['readTrace']>[1])
    case 'listExercises':
      return api.listExercises()
    case 'renderPdf':
      return api.renderPdf(values[0] as string)
    case 'listSweeps':
      return api.listSweeps()
    case 'startSweep':
      return api.startSweep(values[0] as string)
    case 'stopSweep':
      return api.stopSweep()
    default: {
      const unknownMethod: never = method
      throw new LabArgumentError(`unknown method ${String(unknownMethod)}`)
    }
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
