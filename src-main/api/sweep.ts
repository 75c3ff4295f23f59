/**
 * A sweep: one base experiment and the axes to vary (protocol, fault tolerance or node count, link
 * delay, clients or an open-loop rate, durability, named fault variants), each cell run a number of
 * times. Every cell is the base experiment with only its axis values changed, so the workload is
 * the same in every cell by construction and any two cells compare like for like.
 *
 * Pure: the lab reads the base experiment file and runs the cells (src-main/lab/sweep).
 */
import { z } from 'zod'
import { LineCounter, parseDocument } from 'yaml'
import { describeValue } from './duration.js'
import { protocolNames, type Experiment } from './experiment.js'
import { descriptorOf } from '../protocols/registry.js'
import { validateExperiment, yamlAliasCountMax, type FieldError } from './validate.js'
import { firstYamlSyntaxError } from './yaml-error.js'
import { codeOfIssue, neutralValue } from './validation-text.js'

export const repetitionsMax = 20
export const sweepCellsMax = 400
const axisValuesMax = 32

const axisValues = <T extends z.ZodType>(value: T) =>
  z.array(value).min(1, 'expected at least one value').max(axisValuesMax, `expected at most ${axisValuesMax} values`)

const wholeNumber = (min: number, max: number) =>
  z.number({ error: (issue) => `expected a whole number, got ${describeValue(issue.input)}` }).int('expected a whole number').min(min, `expected at least ${min}`).max(max, `expected at most ${max}`)

/** A named set of faults (and liars) laid over the base experiment's own. */
export const sweepVariantSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,39}$/, 'expected a short name of letters, digits, spaces, ., - or _'),
    /** Scheduled faults, in the experiment file's syntax ({at: 2s, crash: leader}). */
    faults: z.array(z.unknown()).max(64, 'expected at most 64 faults').default([]),
    /** Nodes that lie from the start, as in cluster.byzantine (protocols with Byzantine behaviours only). */
    byzantine: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
export type SweepVariant = z.output<typeof sweepVariantSchema>

export const sweepAxesSchema = z
  .object({
    protocol: axisValues(z.enum(protocolNames, { error: (issue) => `expected one of ${protocolNames.join(', ')}, got ${describeValue(issue.input)}` })).optional(),
    /**
     * Faults tolerated: each protocol gets the nodes it needs for f crash faults (Raft and
     * primary-backup 2f + 1) or f Byzantine ones (PBFT 3f + 1). Not with `nodes`.
     */
    faultTolerance: axisValues(wholeNumber(1, 4)).optional(),
    /** The same node count for every protocol. Not with `faultTolerance`. */
    nodes: axisValues(wholeNumber(1, 15)).optional(),
    /** One-way delay on every replica-to-replica link (network.delayMs). */
    delayMs: axisValues(z.number().min(0, 'expected ms >= 0').max(10_000, 'expected at most 10000 ms')).optional(),
    /** Closed-loop clients (workload.clients). Not with `rate`. */
    clients: axisValues(wholeNumber(1, 1024)).optional(),
    /** Open-loop ops per second (workload.rate): the throughput-latency curve. Not with `clients`. */
    rate: axisValues(z.number().positive('expected a positive rate').max(100_000, 'expected at most 100000 ops per second')).optional(),
    durability: axisValues(z.enum(['fsync', 'none'])).optional(),
    variant: axisValues(sweepVariantSchema).optional(),
  })
  .strict()
  .refine((axes) => !(axes.faultTolerance && axes.nodes), { message: 'expected faultTolerance or nodes, not both', path: ['faultTolerance'], params: { code: 'sweepAxesExclusive', params: { first: 'faultTolerance', second: 'nodes' } } })
  .refine((axes) => !(axes.clients && axes.rate), { message: 'expected clients or rate, not both', path: ['rate'], params: { code: 'sweepAxesExclusive', params: { first: 'clients', second: 'rate' } } })

export const sweepSchema = z
  .object({
    name: z.string().min(1).max(80),
    description: z.string().default(''),
    descriptionKo: z.string().optional(),
    /** The base experiment: a file (relative to the sweep file) ... */
    base: z.string().min(1).optional(),
    /** ... or the experiment itself, inline. */
    experiment: z.record(z.string(), z.unknown()).optional(),
    /** Fields set in every cell before the axes (dotted paths: workload.duration: 5s). */
    set: z.record(z.string().regex(/^[A-Za-z]+(\.[A-Za-z]+)*$/, 'expected a dotted field path like workload.duration'), z.unknown()).default({}),
    axes: sweepAxesSchema,
    /** Runs of each cell, seeds base seed, base seed + 1, ...: the spread and confidence intervals come from them. */
    repetitions: wholeNumber(1, repetitionsMax).default(1),
  })
  .strict()
  .refine((sweep) => (sweep.base === undefined) !== (sweep.experiment === undefined), { message: 'expected either base (an experiment file) or experiment (inline), not both or neither', path: ['base'], params: { code: 'sweepBaseOrExperiment' } })

export type SweepInput = z.input<typeof sweepSchema>
export type Sweep = z.output<typeof sweepSchema>

export type SweepValidation = { ok: true; sweep: Sweep } | { ok: false; errors: FieldError[] }

/** Parses a sweep file's text (YAML or JSON); errors name the field and what was expected. */
export function validateSweepText(text: string): SweepValidation {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { prettyErrors: false, lineCounter })
  // The line the mistake is on (an unclosed bracket: where it opened), as for experiments.
  const syntaxError = firstYamlSyntaxError(document, lineCounter)
  if (syntaxError !== undefined) {
    const detail = syntaxError.message.slice(0, 200)
    return { ok: false, errors: [{ path: '', message: `not valid YAML or JSON: line ${syntaxError.line}: ${detail}`, code: 'yamlSyntax', params: { line: syntaxError.line, detail, yamlCode: syntaxError.code } }] }
  }
  let value: unknown
  try {
    value = document.toJS({ maxAliasCount: yamlAliasCountMax })
  } catch (error) {
    const aliases = error instanceof ReferenceError
    const why = aliases ? `more than ${yamlAliasCountMax} YAML aliases to expand` : (error as Error).message.slice(0, 200)
    const code = aliases ? { code: 'yamlAliases', params: { max: yamlAliasCountMax } } : { code: 'yamlUnusable', params: { detail: why } }
    return { ok: false, errors: [{ path: '', message: `not a usable YAML document: ${why}`, ...code }] }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, errors: [{ path: '', message: `expected a sweep: an object with name, base or experiment, and axes, got ${describeValue(value)}`, code: 'notASweep', params: { got: neutralValue(value) } }] }
  }
  const parsed = sweepSchema.safeParse(value)
  if (parsed.success) return { ok: true, sweep: parsed.data }
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` : issue.message,
      ...codeOfIssue(issue),
    })),
  }
}

/** The axis values of one cell; an axis the sweep does not vary is absent. */
export interface CellCoordinates {
  protocol?: string
  faultTolerance?: number
  nodes?: number
  delayMs?: number
  clients?: number
  rate?: number
  durability?: 'fsync' | 'none'
  variant?: string
}

export const axisOrder = ['protocol', 'faultTolerance', 'nodes', 'delayMs', 'clients', 'rate', 'durability', 'variant'] as const
export type AxisName = (typeof axisOrder)[number]

export interface SweepCell {
  /** Stable name, used for its run directories and to resume: pbft-f1-delay5ms. */
  id: string
  label: string
  coordinates: CellCoordinates
  experiment: Experiment
}

export interface CellError {
  cell: string
  errors: FieldError[]
}

export type SweepPlan = { ok: true; cells: SweepCell[]; varied: AxisName[] } | { ok: false; errors: CellError[] }

/**
 * The nodes a protocol needs to tolerate f faults: a protocol whose clients wait for a quorum of
 * matching replies tolerates Byzantine faults (3f + 1, as PBFT); one that trusts its leader, crashes (2f + 1).
 */
export function nodesForFaultTolerance(protocol: string, f: number): number {
  return byzantineTolerant(protocol) ? 3 * f + 1 : 2 * f + 1
}

function byzantineTolerant(protocol: string): boolean {
  return (protocolNames as readonly string[]).includes(protocol) && descriptorOf(protocol).clients.kind === 'quorum'
}

/** Every cell of the sweep (axes in axisOrder, the last varying fastest), each validated as an experiment. */
export function planSweep(sweep: Sweep, baseInput: Record<string, unknown>): SweepPlan {
  const varied = axisOrder.filter((axis) => sweep.axes[axis] !== undefined)
  const combinations = cartesian(varied.map((axis) => (sweep.axes[axis] as unknown[]).map((value) => [axis, value] as const)))
  if (combinations.length > sweepCellsMax) {
    return { ok: false, errors: [{ cell: '(all)', errors: [{ path: 'axes', message: `expected at most ${sweepCellsMax} cells, the axes make ${combinations.length}`, code: 'sweepTooManyCells', params: { max: sweepCellsMax, got: combinations.length } }] }] }
  }
  const cells: SweepCell[] = []
  const errors: CellError[] = []
  const seen = new Map<string, string>()
  for (const combination of combinations) {
    const coordinates: CellCoordinates = {}
    let variant: SweepVariant | undefined
    for (const [axis, value] of combination) {
      if (axis === 'variant') {
        variant = value as SweepVariant
        coordinates.variant = variant.name
      } else (coordinates as Record<string, unknown>)[axis] = value
    }
    const id = cellId(coordinates)
    const label = cellLabel(coordinates)
    const duplicate = seen.get(id)
    if (duplicate !== undefined) {
      errors.push({ cell: label, errors: [{ path: 'axes', message: `the same cell as ${duplicate} (an axis repeats a value)`, code: 'sweepSameCell', params: { cell: duplicate } }] })
      continue
    }
    seen.set(id, label)
    const input = cellInput(sweep, baseInput, coordinates, variant)
    const result = validateExperiment(input)
    if (!result.ok) errors.push({ cell: label, errors: result.errors })
    else cells.push({ id, label, coordinates, experiment: result.experiment })
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, cells, varied }
}

function cellInput(sweep: Sweep, baseInput: Record<string, unknown>, at: CellCoordinates, variant: SweepVariant | undefined): Record<string, unknown> {
  const input = structuredClone(baseInput)
  for (const [path, value] of Object.entries(sweep.set)) setPath(input, path, value)
  if (at.protocol !== undefined) setPath(input, 'protocol', at.protocol)
  const protocol = String(input.protocol)
  if (at.faultTolerance !== undefined) {
    setPath(input, 'cluster.nodes', nodesForFaultTolerance(protocol, at.faultTolerance))
    if (byzantineTolerant(protocol)) setPath(input, 'cluster.f', at.faultTolerance)
    else deletePath(input, 'cluster.f')
  }
  if (at.nodes !== undefined) setPath(input, 'cluster.nodes', at.nodes)
  // A quorum protocol's f means nothing to the others, which refuse it.
  if (!byzantineTolerant(protocol)) deletePath(input, 'cluster.f')
  if (at.delayMs !== undefined) setPath(input, 'network.delayMs', at.delayMs)
  if (at.clients !== undefined) {
    setPath(input, 'workload.clients', at.clients)
    deletePath(input, 'workload.rate')
  }
  if (at.rate !== undefined) setPath(input, 'workload.rate', at.rate)
  if (at.durability !== undefined) setPath(input, 'cluster.durability', at.durability)
  if (variant !== undefined) {
    const faults = Array.isArray(input.faults) ? input.faults : []
    input.faults = [...faults, ...variant.faults]
    const byzantine = (objectAt(input, 'cluster').byzantine ?? {}) as Record<string, unknown>
    setPath(input, 'cluster.byzantine', { ...byzantine, ...variant.byzantine })
  }
  input.name = `${sweep.name} ${cellId(at)}`.slice(0, 80)
  return input
}

export function cellId(at: CellCoordinates): string {
  const parts: string[] = []
  if (at.protocol !== undefined) parts.push(at.protocol)
  if (at.faultTolerance !== undefined) parts.push(`f${at.faultTolerance}`)
  if (at.nodes !== undefined) parts.push(`n${at.nodes}`)
  if (at.delayMs !== undefined) parts.push(`delay${at.delayMs}ms`)
  if (at.clients !== undefined) parts.push(`c${at.clients}`)
  if (at.rate !== undefined) parts.push(`rate${at.rate}`)
  if (at.durability !== undefined) parts.push(at.durability)
  if (at.variant !== undefined) parts.push(at.variant.toLowerCase().replace(/[^a-z0-9]+/g, '-'))
  return parts.length > 0 ? parts.join('-') : 'base'
}

export function cellLabel(at: CellCoordinates): string {
  const parts: string[] = []
  if (at.protocol !== undefined) parts.push(at.protocol)
  if (at.faultTolerance !== undefined) parts.push(`f=${at.faultTolerance}`)
  if (at.nodes !== undefined) parts.push(`${at.nodes} nodes`)
  if (at.delayMs !== undefined) parts.push(`delay ${at.delayMs} ms`)
  if (at.clients !== undefined) parts.push(`${at.clients} client${at.clients === 1 ? '' : 's'}`)
  if (at.rate !== undefined) parts.push(`${at.rate} ops/s`)
  if (at.durability !== undefined) parts.push(at.durability)
  if (at.variant !== undefined) parts.push(at.variant)
  return parts.length > 0 ? parts.join(', ') : 'base'
}

/**
 * A sweep's time left as a person reads it: whole seconds up to 90 s, whole minutes beyond (at
 * least 1 s). The CLI's progress line and the Sweeps page say it each in their own words.
 */
export function sweepEta(ms: number): { unit: 'seconds' | 'minutes'; n: number } {
  const seconds = Math.max(1, Math.round(ms / 1000))
  return seconds < etaSecondsMax ? { unit: 'seconds', n: seconds } : { unit: 'minutes', n: Math.round(seconds / 60) }
}
const etaSecondsMax = 90

/** The seed of a cell's repetition (1-based): repetitions differ, cells of one repetition share it. */
export function repetitionSeed(experiment: Experiment, repetition: number): number {
  return (experiment.seed + repetition - 1) % 2 ** 32
}

/**
 * One-way replica-to-replica message delays on a write's critical path: a leader's append and its
 * ack (Raft, ParallelRaft, primary-backup); for a quorum-reply protocol with tentative execution
 * (PBFT) pre-prepare and prepare (the client takes 2f + 1 tentative replies), three with commit
 * when it must wait for committed replies. The lab's network delay is on replica links only, so the
 * client's hops add none.
 */
export function criticalPathDelays(protocol: string): { delays: number; note: string } {
  return byzantineTolerant(protocol)
    ? { delays: 2, note: 'pre-prepare, prepare (tentative execution; 3 with commit)' }
    : { delays: 2, note: 'the leader\'s append, its ack' }
}

function cartesian<T>(lists: T[][]): T[][] {
  return lists.reduce<T[][]>((product, list) => product.flatMap((prefix) => list.map((item) => [...prefix, item])), [[]])
}

function objectAt(input: Record<string, unknown>, path: string): Record<string, unknown> {
  let target = input
  for (const key of path.split('.')) {
    const next = target[key]
    if (next === null || typeof next !== 'object' || Array.isArray(next)) target[key] = {}
    target = target[key] as Record<string, unknown>
  }
  return target
}

function setPath(input: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.')
  const last = keys.pop()!
  const parent = keys.length > 0 ? objectAt(input, keys.join('.')) : input
  parent[last] = value
}

function deletePath(input: Record<string, unknown>, path: string): void {
  const keys = path.split('.')
  const last = keys.pop()!
  let target: unknown = input
  for (const key of keys) {
    if (target === null || typeof target !== 'object') return
    target = (target as Record<string, unknown>)[key]
  }
  if (target !== null && typeof target === 'object') delete (target as Record<string, unknown>)[last]
}
