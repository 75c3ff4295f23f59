/**
 * Turns experiment text (YAML or JSON) into a resolved Experiment, or into errors that each name
 * the path of the offending field and what was expected. Shared by the CLI, the hosts and the editor.
 */
import { parseDocument } from 'yaml'
import type { z } from 'zod'
import { nodeTargetKeywords as targetKeywords } from '../faults/fault.js'
import { defaultNodeNames, experimentSchema, faultNodeNames, faultsMax, byzantineKindsOf, type Experiment, type ExperimentParsed } from './experiment.js'
import { describeValue, timerMsMax } from './duration.js'
import { parseScriptCommand } from './script.js'
import { checkCommandBytes, encodedBytesMax, frameBytesMax } from '../protocols/common/wire-budget.js'
import { logWindowFor, maxFaults, pbftRequestBytesMax } from '../protocols/pbft/config.js'
import type { Command } from '../protocols/types.js'
import { experimentTextCharsMax } from './lab-api.js'

export interface FieldError {
  /** Dotted path into the document, e.g. "workload.rate" or "faults.2.crash". */
  path: string
  message: string
}

export type ValidationResult = { ok: true; experiment: Experiment } | { ok: false; errors: FieldError[] }

const nodeTargetKeywords: ReadonlySet<string> = new Set(targetKeywords)

export function formatFieldErrors(errors: FieldError[], source?: string): string {
  const where = source ? `${source}: ` : ''
  return errors.map((error) => `${where}${error.path || '(top level)'}: ${error.message}`).join('\n')
}

/**
 * Aliases a document may resolve: a real experiment needs a handful; a "billion laughs" document
 * needs millions, and the YAML library stops it here instead of expanding it.
 */
export const yamlAliasCountMax = 100
/** A YAML error quotes the text it choked on; a megabyte-long token must not come back whole. */
export const yamlErrorCharsMax = 200

/** Parses YAML (a superset of JSON) and validates it. */
export function validateExperimentText(text: string): ValidationResult {
  if (text.length > experimentTextCharsMax) {
    const count = (value: number) => value.toLocaleString('en-US')
    return { ok: false, errors: [{ path: '', message: `expected an experiment of at most ${count(experimentTextCharsMax)} characters, got ${count(text.length)}` }] }
  }
  const document = parseDocument(text, { prettyErrors: false })
  // The first error is the one to fix; the ones after it are mostly its echoes.
  const syntaxError = document.errors[0]
  if (syntaxError !== undefined) return { ok: false, errors: [{ path: '', message: `not valid YAML or JSON: ${clip(syntaxError.message.split('\n')[0]!)}` }] }
  let value: unknown
  try {
    value = document.toJS({ maxAliasCount: yamlAliasCountMax })
  } catch (error) {
    // The library throws a ReferenceError for an alias count that indicates a resource exhaustion attack.
    const why = error instanceof ReferenceError ? `more than ${yamlAliasCountMax} YAML aliases to expand` : clip((error as Error).message)
    return { ok: false, errors: [{ path: '', message: `not a usable YAML document: ${why}` }] }
  }
  return validateExperiment(value)
}

function clip(message: string): string {
  return message.length <= yamlErrorCharsMax ? message : `${message.slice(0, yamlErrorCharsMax)}...`
}

export function validateExperiment(input: unknown): ValidationResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, errors: [{ path: '', message: `expected an object with protocol, cluster, workload, got ${describeValue(input)}` }] }
  }
  const parsed = experimentSchema.safeParse(input)
  if (!parsed.success) return { ok: false, errors: zodErrors(parsed.error) }
  const experiment = resolve(parsed.data)
  const errors = crossFieldErrors(experiment)
  return errors.length > 0 ? { ok: false, errors } : { ok: true, experiment }
}

function zodErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    let message = issue.message
    if (issue.code === 'unrecognized_keys') message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
    if (issue.code === 'invalid_union' && /Invalid input/.test(message)) message = 'expected one of the forms this field accepts'
    return { path: issue.path.map(String).join('.'), message }
  })
}

function resolve(parsed: ExperimentParsed): Experiment {
  const nodes = typeof parsed.cluster.nodes === 'number' ? defaultNodeNames(parsed.cluster.nodes) : parsed.cluster.nodes
  return { ...parsed, cluster: { ...parsed.cluster, nodes } }
}

function crossFieldErrors(experiment: Experiment): FieldError[] {
  const errors: FieldError[] = []
  const nodes = experiment.cluster.nodes
  const known = new Set(nodes)
  if (known.size !== nodes.length) {
    const duplicates = nodes.filter((name, index) => nodes.indexOf(name) !== index)
    errors.push({ path: 'cluster.nodes', message: `node names must be unique, ${[...new Set(duplicates)].join(', ')} repeated` })
  }
  const { workload, cluster } = experiment
  errors.push(...protocolErrors(experiment))
  for (const name of Object.keys(cluster.firstElectionTimeoutMs)) {
    if (!known.has(name)) errors.push({ path: `cluster.firstElectionTimeoutMs.${name}`, message: unknownNode(name, nodes) })
  }
  if (cluster.readMode === 'lease' && !cluster.checkQuorum) {
    errors.push({ path: 'cluster.readMode', message: 'lease reads need checkQuorum: true (followers must ignore votes while they hear from a leader)' })
  }
  if (cluster.readMode === 'lease' && cluster.leaseDriftMs >= cluster.electionTimeoutMs[0]) {
    errors.push({ path: 'cluster.leaseDriftMs', message: `expected less than the election timeout (${cluster.electionTimeoutMs[0]} ms)` })
  }
  if (cluster.heartbeatMs >= cluster.electionTimeoutMs[0]) {
    errors.push({ path: 'cluster.heartbeatMs', message: `expected less than the election timeout (${cluster.electionTimeoutMs[0]} ms)` })
  }
  errors.push(...timingErrors(experiment))
  workload.discovery?.stops.forEach((stop, index) => {
    if (stop.instance > workload.discovery!.instances) {
      errors.push({ path: `workload.discovery.stops.${index}.instance`, message: `expected an instance from 1 to ${workload.discovery!.instances}` })
    }
    if (stop.at > workload.duration) errors.push({ path: `workload.discovery.stops.${index}.at`, message: `expected a time within the run (${workload.duration} ms)` })
  })
  if (workload.clients === 0 && workload.rate === undefined && workload.script.length === 0 && !workload.discovery) {
    errors.push({ path: 'workload', message: 'expected clients, rate or script: the workload would send nothing' })
  }
  workload.script.forEach((step, index) => {
    const text = typeof step === 'string' ? step : step.cmd
    const parsed = parseScriptCommand(text)
    const tooLarge = parsed.ok ? checkCommandBytes(parsed.command) : null
    if (!parsed.ok || tooLarge) errors.push({ path: `workload.script.${index}${typeof step === 'string' ? '' : '.cmd'}`, message: parsed.ok ? tooLarge! : parsed.message })
    if (typeof step !== 'string' && step.via !== undefined && !known.has(step.via)) {
      errors.push({ path: `workload.script.${index}.via`, message: unknownNode(step.via, nodes) })
    }
    const at = typeof step === 'string' ? undefined : step.at
    if (at !== undefined && at > workload.duration) {
      errors.push({ path: `workload.script.${index}.at`, message: `expected a time within the run (${workload.duration} ms), got ${at} ms` })
    }
  })
  experiment.faults.forEach((fault, index) => {
    const path = `faults.${index}`
    if (fault.at > workload.duration) {
      errors.push({ path: `${path}.at`, message: `expected a time within the run (${workload.duration} ms), got ${fault.at} ms` })
    }
    for (const { path: namePath, name, keywords } of faultNodeNames(fault)) {
      if (known.has(name) || (keywords && nodeTargetKeywords.has(name))) continue
      errors.push({ path: `${path}.${namePath}`, message: unknownNode(name, nodes, keywords) })
    }
    if (fault.kind === 'partition') {
      // A node in two groups, or a bridge that is also in a group, has no one meaning.
      const seen = new Set<string>()
      for (const { path: namePath, name } of faultNodeNames(fault)) {
        if (seen.has(name)) errors.push({ path: `${path}.${namePath}`, message: namePath.endsWith('bridge') ? `${name} is the bridge and in a group` : `${name} is in two groups` })
        seen.add(name)
      }
    }
    if (fault.kind === 'cut' || fault.kind === 'cutOneWay' || fault.kind === 'link') {
      const [first, second] = faultNodeNames(fault)
      if (first!.name === second!.name) errors.push({ path: `${path}.${fault.kind}`, message: 'expected two different nodes' })
    }
  })
  return errors
}

/**
 * Time in ticks and timers: protocol timers are whole ticks, so a timeout shorter than the ticks it
 * needs would silently round up; the workload's timers wait at most timerMsMax; the nemesis draws
 * a bounded number of faults.
 */
function timingErrors(experiment: Experiment): FieldError[] {
  const errors: FieldError[] = []
  const { cluster, workload, nemesis } = experiment
  if (cluster.electionTimeoutMs[0] < 2 * cluster.tickMs) {
    errors.push({ path: 'cluster.electionTimeoutMs', message: `expected at least two ticks (2 × tickMs = ${2 * cluster.tickMs} ms), got ${cluster.electionTimeoutMs[0]} ms` })
  }
  if (cluster.heartbeatMs < cluster.tickMs) {
    errors.push({ path: 'cluster.heartbeatMs', message: `expected at least one tick (${cluster.tickMs} ms), got ${cluster.heartbeatMs} ms` })
  }
  if (workload.warmup + workload.duration > timerMsMax) {
    errors.push({ path: 'workload.warmup', message: `expected warmup + duration (${workload.warmup + workload.duration} ms) to be at most ${timerMsMax} ms, the longest a timer can wait` })
  }
  if (nemesis) {
    const expected = Math.round(workload.duration / (nemesis.meanInterval + nemesis.faultDuration))
    if (expected > faultsMax) {
      errors.push({ path: 'nemesis', message: `expected about ${expected} faults, more than the ${faultsMax} a run may schedule: lengthen meanInterval or faultDuration` })
    }
  }
  return errors
}

/** What one protocol allows that another does not: PBFT's n >= 3f + 1, which liars exist where. */
function protocolErrors(experiment: Experiment): FieldError[] {
  const errors: FieldError[] = []
  const { cluster, protocol } = experiment
  const n = cluster.nodes.length
  if (protocol === 'pbft') {
    const fMax = Math.floor((n - 1) / 3)
    if (n < 4) errors.push({ path: 'cluster.nodes', message: `PBFT needs at least 4 replicas (n >= 3f + 1 with f >= 1), got ${n}` })
    else if (cluster.f !== undefined && n < 3 * cluster.f + 1) {
      errors.push({ path: 'cluster.f', message: `PBFT with ${n} replicas tolerates at most f = ${fMax} (n >= 3f + 1); f = ${cluster.f} needs ${3 * cluster.f + 1}` })
    } else errors.push(...pbftSizeErrors(experiment))
  } else if (cluster.f !== undefined) {
    errors.push({ path: 'cluster.f', message: `f applies to PBFT only, not ${protocol}` })
  }
  if (cluster.lookBehindEntries !== undefined && protocol !== 'parallel-raft') {
    errors.push({ path: 'cluster.lookBehindEntries', message: `a look-behind buffer applies to parallel-raft only, not ${protocol}` })
  }
  if (cluster.groups > 1) {
    if (protocol !== 'raft') errors.push({ path: 'cluster.groups', message: `several groups (MultiRaft) are for raft only, not ${protocol}` })
    if (experiment.workload.discovery) errors.push({ path: 'workload.discovery', message: 'leases and watches need a single group (cluster.groups: 1)' })
    if (cluster.keyRouting === 'range' && cluster.rangeSplits.length !== cluster.groups - 1) {
      errors.push({ path: 'cluster.rangeSplits', message: `expected ${cluster.groups - 1} split points for ${cluster.groups} groups, got ${cluster.rangeSplits.length}` })
    }
    if (cluster.rangeSplits.some((split, index) => index > 0 && split <= cluster.rangeSplits[index - 1]!)) {
      errors.push({ path: 'cluster.rangeSplits', message: 'expected split points in increasing order' })
    }
  }
  const allowed = byzantineKindsOf(protocol)
  const behaviours: { path: string; kind: string }[] = Object.entries(cluster.byzantine).map(([node, spec]) => ({
    path: `cluster.byzantine.${node}`,
    kind: typeof spec === 'string' ? spec : spec.kind,
  }))
  experiment.faults.forEach((fault, index) => {
    if (fault.kind === 'byzantine' && fault.behaviour !== 'honest') {
      const behaviour = fault.behaviour
      behaviours.push({ path: `faults.${index}.byzantine.behaviour`, kind: typeof behaviour === 'string' ? behaviour : behaviour.kind })
    }
  })
  for (const { path, kind } of behaviours) {
    if (!allowed.includes(kind)) {
      errors.push({ path, message: allowed.length === 0 ? `${protocol} has no Byzantine behaviours` : `${kind} is not a ${protocol} behaviour: expected one of ${allowed.join(', ')}` })
    }
  }
  for (const node of Object.keys(cluster.byzantine)) {
    if (!cluster.nodes.includes(node)) errors.push({ path: `cluster.byzantine.${node}`, message: unknownNode(node, cluster.nodes) })
  }
  return errors
}

/**
 * PBFT's view changes carry whole batches: a new-view holds up to (2f+2)·L of them, so a batch, and
 * with it the largest command, gets a share of a frame that shrinks with n and L
 * (pbftRequestBytesMax). Commands the workload, the script or a liar would send must fit it.
 */
function pbftSizeErrors(experiment: Experiment): FieldError[] {
  const { cluster, workload } = experiment
  const n = cluster.nodes.length
  const f = cluster.f ?? maxFaults(n)
  const window = logWindowFor(cluster.checkpointInterval)
  const limit = pbftRequestBytesMax(n, f, window)
  const why = `PBFT with ${n} replicas (f = ${f}) and checkpointInterval ${cluster.checkpointInterval} (a log window of ${window}) puts up to ${(2 * f + 2) * window} batches in one new-view message`
  const smallest = encodedBytesMax({ op: 'put', key: 'k0', value: 'v' } satisfies Command)
  if (limit < smallest) {
    let fitting = cluster.checkpointInterval - 1
    while (fitting >= 1 && pbftRequestBytesMax(n, f, logWindowFor(fitting)) < smallest) fitting -= 1
    const advice = fitting >= 1 ? `use checkpointInterval of at most ${fitting}, or fewer replicas` : 'use fewer replicas'
    return [{ path: 'cluster.checkpointInterval', message: `${why}: even a batch of one small request would not fit in a frame (${frameBytesMax} bytes): ${advice}` }]
  }
  const errors: FieldError[] = []
  const largest = largestWorkloadCommand(workload)
  if (largest && largest.bytes > limit) {
    const room = Math.floor((limit - largest.emptyBytes) / largest.values)
    errors.push({ path: 'workload.valueBytes', message: `${why}, so a command may take at most ${limit} bytes here; a ${largest.op} with valueBytes ${workload.valueBytes} takes ${largest.bytes}: use valueBytes of at most ${room}` })
  }
  workload.script.forEach((step, index) => {
    const parsed = parseScriptCommand(typeof step === 'string' ? step : step.cmd)
    const tooLarge = parsed.ok ? checkCommandBytes(parsed.command, limit) : null
    if (tooLarge) errors.push({ path: `workload.script.${index}${typeof step === 'string' ? '' : '.cmd'}`, message: `${why}: ${tooLarge}` })
  })
  for (const [node, spec] of Object.entries(cluster.byzantine)) {
    if (typeof spec === 'string' || spec.forgedValue === undefined) continue
    const bytes = encodedBytesMax({ op: 'put', key: 'k'.repeat(16), value: spec.forgedValue } satisfies Command)
    if (bytes > limit) errors.push({ path: `cluster.byzantine.${node}.forgedValue`, message: `${why}: a forged write of ${bytes} bytes is larger than the ${limit} a command may have here` })
  }
  return errors
}

/** The workload's largest command (a cas carries two values), or undefined when it writes nothing. */
function largestWorkloadCommand(workload: Experiment['workload']): { op: 'put' | 'cas'; bytes: number; emptyBytes: number; values: number } | undefined {
  if (workload.clients === 0 && workload.rate === undefined) return undefined
  const key = `k${'0'.repeat(String(Math.max(0, workload.keys - 1)).length)}`
  const value = 'v'.repeat(workload.valueBytes)
  if (workload.mix.cas > 0) {
    return { op: 'cas', bytes: encodedBytesMax({ op: 'cas', key, expected: value, value }), emptyBytes: encodedBytesMax({ op: 'cas', key, expected: '', value: '' }), values: 2 }
  }
  if (workload.mix.put > 0) return { op: 'put', bytes: encodedBytesMax({ op: 'put', key, value }), emptyBytes: encodedBytesMax({ op: 'put', key, value: '' }), values: 1 }
  return undefined
}

function unknownNode(name: string, nodes: string[], keywords = false): string {
  const extra = keywords ? `, or one of ${[...nodeTargetKeywords].join(', ')}` : ''
  return `unknown node ${JSON.stringify(name)}: expected one of ${nodes.join(', ')}${extra}`
}
