/**
 * Turns experiment text (YAML or JSON) into a resolved Experiment, or into errors that each name
 * the path of the offending field and what was expected. Shared by the CLI, the hosts and the editor.
 */
import { LineCounter, parseDocument } from 'yaml'
import type { z } from 'zod'
import { isMembershipFault, nodeTargetKeywords as targetKeywords } from '../faults/fault.js'
import { defaultNodeNames, experimentSchema, faultNodeNames, faultsMax, byzantineKindsOf, protocolsWithField, type Experiment, type ExperimentParsed } from './experiment.js'
import { describeValue, timerMsMax } from './duration.js'
import { parseScriptCommand } from './script.js'
import { firstYamlSyntaxError } from './yaml-error.js'
import { checkCommandBytes, commandBytesMax, encodedBytesMax, keyBytesMax, utf8Bytes, valueBytesMax } from '../protocols/common/wire-budget.js'
import { descriptorOf } from '../protocols/registry.js'
import type { Command } from '../protocols/types.js'
import { experimentTextCharsMax } from './lab-api.js'
import { codeOfIssue, neutralValue, type CodedError } from './validation-text.js'

export { fieldErrorText, formatFieldErrors, type ValidationLocale } from './validation-text.js'

/**
 * One problem: the path of the field, what was expected in English (`message`, what the CLI
 * prints), and a stable `code` with its values, which validation-text.ts says in Korean.
 */
export interface FieldError extends CodedError {
  /** Dotted path into the document, e.g. "workload.rate" or "faults.2.crash". */
  path: string
  message: string
}

export type ValidationResult = { ok: true; experiment: Experiment } | { ok: false; errors: FieldError[] }

const nodeTargetKeywords: ReadonlySet<string> = new Set(targetKeywords)

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
    return { ok: false, errors: [{ path: '', message: `expected an experiment of at most ${count(experimentTextCharsMax)} characters, got ${count(text.length)}`, code: 'textTooLong', params: { max: count(experimentTextCharsMax), got: count(text.length) } }] }
  }
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { prettyErrors: false, lineCounter })
  // The first error is the one to fix; the ones after it are mostly its echoes.
  const syntaxError = firstYamlSyntaxError(document, lineCounter)
  if (syntaxError !== undefined) {
    const detail = clip(syntaxError.message)
    return { ok: false, errors: [{ path: '', message: `not valid YAML or JSON: line ${syntaxError.line}: ${detail}`, code: 'yamlSyntax', params: { line: syntaxError.line, detail, yamlCode: syntaxError.code } }] }
  }
  let value: unknown
  try {
    value = document.toJS({ maxAliasCount: yamlAliasCountMax })
  } catch (error) {
    // The library throws a ReferenceError for an alias count that indicates a resource exhaustion attack.
    const aliases = error instanceof ReferenceError
    const why = aliases ? `more than ${yamlAliasCountMax} YAML aliases to expand` : clip((error as Error).message)
    const code = aliases ? { code: 'yamlAliases', params: { max: yamlAliasCountMax } } : { code: 'yamlUnusable', params: { detail: why } }
    return { ok: false, errors: [{ path: '', message: `not a usable YAML document: ${why}`, ...code }] }
  }
  return validateExperiment(value)
}

function clip(message: string): string {
  return message.length <= yamlErrorCharsMax ? message : `${message.slice(0, yamlErrorCharsMax)}...`
}

export function validateExperiment(input: unknown): ValidationResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, errors: [{ path: '', message: `expected an object with protocol, cluster, workload, got ${describeValue(input)}`, code: 'notAnExperiment', params: { got: neutralValue(input) } }] }
  }
  // reportInput: the refused value goes into each error's params (the Korean text names it too).
  const parsed = experimentSchema.safeParse(input, { reportInput: true })
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
    return { path: issue.path.map(String).join('.'), message, ...codeOfIssue(issue) }
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
    const names = [...new Set(duplicates)].join(', ')
    errors.push({ path: 'cluster.nodes', message: `node names must be unique, ${names} repeated`, code: 'duplicateNodes', params: { names } })
  }
  const { workload, cluster } = experiment
  errors.push(...protocolErrors(experiment))
  errors.push(...timingErrors(experiment))
  workload.discovery?.stops.forEach((stop, index) => {
    if (stop.instance > workload.discovery!.instances) {
      errors.push({ path: `workload.discovery.stops.${index}.instance`, message: `expected an instance from 1 to ${workload.discovery!.instances}`, code: 'discoveryInstance', params: { max: workload.discovery!.instances } })
    }
    if (stop.at > workload.duration) errors.push({ path: `workload.discovery.stops.${index}.at`, message: `expected a time within the run (${workload.duration} ms)`, code: 'timeWithinRun', params: { durationMs: workload.duration } })
  })
  if (workload.clients === 0 && workload.rate === undefined && workload.script.length === 0 && !workload.discovery) {
    errors.push({ path: 'workload', message: 'expected clients, rate or script: the workload would send nothing', code: 'workloadEmpty' })
  }
  workload.script.forEach((step, index) => {
    const text = typeof step === 'string' ? step : step.cmd
    const parsed = parseScriptCommand(text)
    const tooLarge = parsed.ok ? checkCommandBytes(parsed.command) : null
    const stepPath = `workload.script.${index}${typeof step === 'string' ? '' : '.cmd'}`
    if (!parsed.ok) errors.push({ path: stepPath, message: parsed.message, code: 'scriptForm', params: { expected: parsed.expected, got: JSON.stringify(text) } })
    else if (tooLarge) errors.push({ path: stepPath, message: tooLarge, code: 'commandTooLarge', params: { detail: tooLarge, ...commandSizeParams(parsed.command) } })
    if (typeof step !== 'string' && step.via !== undefined && !known.has(step.via)) {
      errors.push({ path: `workload.script.${index}.via`, ...unknownNode(step.via, nodes) })
    }
    const at = typeof step === 'string' ? undefined : step.at
    if (at !== undefined && at > workload.duration) {
      errors.push({ path: `workload.script.${index}.at`, ...outsideRun(workload.duration, at) })
    }
  })
  errors.push(...membershipErrors(experiment))
  // Nodes an addNode brings in may be named by the faults too (crash D, removeNode D).
  const added = experiment.faults.flatMap((fault) => (fault.kind === 'addNode' ? [fault.node] : []))
  const faultNodes = [...nodes, ...added.filter((name) => !known.has(name))]
  experiment.faults.forEach((fault, index) => {
    const path = `faults.${index}`
    if (fault.at > workload.duration) {
      errors.push({ path: `${path}.at`, ...outsideRun(workload.duration, fault.at) })
    }
    // A promote names a node added earlier: membershipErrors says so when it is not.
    if (fault.kind === 'promote') return
    for (const { path: namePath, name, keywords } of faultNodeNames(fault)) {
      if (faultNodes.includes(name) || (keywords && nodeTargetKeywords.has(name))) continue
      errors.push({ path: `${path}.${namePath}`, ...unknownNode(name, faultNodes, keywords) })
    }
    if (fault.kind === 'partition') {
      // A node in two groups, or a bridge that is also in a group, has no one meaning.
      const seen = new Set<string>()
      for (const { path: namePath, name } of faultNodeNames(fault)) {
        const bridge = namePath.endsWith('bridge')
        if (seen.has(name)) errors.push({ path: `${path}.${namePath}`, message: bridge ? `${name} is the bridge and in a group` : `${name} is in two groups`, code: bridge ? 'bridgeInGroup' : 'nodeInTwoGroups', params: { name } })
        seen.add(name)
      }
    }
    if (fault.kind === 'cut' || fault.kind === 'cutOneWay' || fault.kind === 'link') {
      const [first, second] = faultNodeNames(fault)
      if (first!.name === second!.name) errors.push({ path: `${path}.${fault.kind}`, message: 'expected two different nodes', code: 'sameNodeTwice' })
    }
  })
  return errors
}

/**
 * The refusal of a membership change outside single-group Raft, at `path`: experiment validation
 * and exercise validation (a step's fault on a run's experiment) give the same one.
 */
export function membershipRaftOnlyError(path: string, protocol: string, groups: number): FieldError {
  const what = protocol === 'raft' && groups > 1 ? 'raft with several groups (MultiRaft)' : protocol
  return { path, message: `membership changes are Raft only (one group), not ${what}`, code: 'membershipRaftOnly', params: { protocol: what } }
}

/**
 * Membership changes: Raft only (one group); an addNode brings a name not taken yet, and a promote
 * names a node an addNode brought in before it (in the schedule's order: time, then the file's).
 */
function membershipErrors(experiment: Experiment): FieldError[] {
  const errors: FieldError[] = []
  const { protocol, cluster } = experiment
  const raftOnly = protocol !== 'raft' || cluster.groups > 1
  const taken = new Set(cluster.nodes)
  const added = new Set<string>()
  const inScheduleOrder = experiment.faults.map((fault, index) => ({ fault, index })).sort((a, b) => a.fault.at - b.fault.at || a.index - b.index)
  for (const { fault, index } of inScheduleOrder) {
    if (!isMembershipFault(fault)) continue
    const path = `faults.${index}.${fault.kind}`
    if (raftOnly) {
      errors.push(membershipRaftOnlyError(path, protocol, cluster.groups))
      continue
    }
    if (fault.kind === 'addNode') {
      if (taken.has(fault.node)) {
        errors.push({ path, message: `${fault.node} is already a node of this cluster: an added node needs a new name`, code: 'nodeNameTaken', params: { name: fault.node } })
        continue
      }
      taken.add(fault.node)
      added.add(fault.node)
    }
    if (fault.kind === 'promote' && !added.has(fault.node)) {
      const message = `${fault.node} was never added: promote names a node an earlier addNode brought in${added.size > 0 ? ` (${[...added].join(', ')})` : ''}`
      errors.push({ path, message, code: 'promoteNotAdded', params: { name: fault.node, added: [...added].join(', ') || undefined } })
    }
  }
  return errors
}

/**
 * Time in ticks and timers: protocol timers are whole ticks, so a timeout shorter than the ticks it
 * needs would silently round up; the workload's timers wait at most timerMsMax; the nemesis draws
 * a bounded number of faults.
 */
function timingErrors(experiment: Experiment): FieldError[] {
  const errors: FieldError[] = []
  const { workload, nemesis } = experiment
  if (workload.warmup + workload.duration > timerMsMax) {
    const total = workload.warmup + workload.duration
    errors.push({ path: 'workload.warmup', message: `expected warmup + duration (${total} ms) to be at most ${timerMsMax} ms, the longest a timer can wait`, code: 'warmupTooLong', params: { total, max: timerMsMax } })
  }
  if (nemesis) {
    const expected = Math.round(workload.duration / (nemesis.meanInterval + nemesis.faultDuration))
    if (expected > faultsMax) {
      errors.push({ path: 'nemesis', message: `expected about ${expected} faults, more than the ${faultsMax} a run may schedule: lengthen meanInterval or faultDuration`, code: 'nemesisTooMany', params: { expected, max: faultsMax } })
    }
  }
  return errors
}

/**
 * What the experiment's protocol allows (its descriptor's options.check: PBFT's n >= 3f + 1, Raft's
 * lease rules and groups, election timing in ticks), the largest command it takes, which liars it
 * has, and the two fields refused outside the protocol that declares them.
 */
function protocolErrors(experiment: Experiment): FieldError[] {
  const errors: FieldError[] = []
  const { cluster, protocol: name } = experiment
  const protocol = descriptorOf(name)
  // Another protocol's fields are ignored, except these two, whose mere presence changes what a run is.
  if (cluster.f !== undefined && !protocolsWithField('f').includes(name)) {
    const owners = protocolsWithField('f').map(labelOf).join(', ')
    errors.push({ path: 'cluster.f', message: `f applies to ${owners} only, not ${name}`, code: 'fieldOnlyFor', params: { field: 'f', protocols: owners, protocol: name } })
  }
  if (cluster.groups > 1 && !protocolsWithField('groups').includes(name)) {
    const owners = protocolsWithField('groups').join(', ')
    errors.push({ path: 'cluster.groups', message: `several groups (MultiRaft) are for ${owners} only, not ${name}`, code: 'groupsOnlyFor', params: { protocols: owners, protocol: name } })
  }
  // The cluster schema took these same fields already: this parse only picks the protocol's own.
  const options = protocol.options.schema.strip().parse(cluster)
  const facts = { nodes: cluster.nodes, tickMs: cluster.tickMs, byzantine: cluster.byzantine, leasesAndWatches: experiment.workload.discovery !== undefined }
  const optionErrors = protocol.options.check(options, facts)
  errors.push(...optionErrors)
  const limit = protocol.host.commandLimit?.(protocol.settingsOf(options, facts), cluster.nodes)
  if (optionErrors.length === 0 && limit !== undefined) errors.push(...commandSizeErrors(experiment, limit))
  const allowed = byzantineKindsOf(name)
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
      if (allowed.length === 0) errors.push({ path, message: `${name} has no Byzantine behaviours`, code: 'noByzantine', params: { protocol: name } })
      else errors.push({ path, message: `${kind} is not a ${name} behaviour: expected one of ${allowed.join(', ')}`, code: 'notABehaviour', params: { kind, protocol: name, kinds: allowed.join(', ') } })
    }
  }
  for (const node of Object.keys(cluster.byzantine)) {
    if (!cluster.nodes.includes(node)) errors.push({ path: `cluster.byzantine.${node}`, ...unknownNode(node, cluster.nodes) })
  }
  return errors
}

function labelOf(name: string): string {
  return descriptorOf(name).label
}

/**
 * A protocol may take smaller commands than a replica's frame allows (PBFT: its view changes carry
 * whole batches, see HostHooks.commandLimit). Commands the workload, the script or a liar would
 * send must fit it.
 */
function commandSizeErrors(experiment: Experiment, { bytesMax: limit, why, whyParams }: { bytesMax: number; why: string; whyParams?: Readonly<Record<string, number>> }): FieldError[] {
  const { cluster, workload } = experiment
  const errors: FieldError[] = []
  const largest = largestWorkloadCommand(workload)
  if (largest && largest.bytes > limit) {
    const room = Math.floor((limit - largest.emptyBytes) / largest.values)
    const params = { why, ...whyParams, limit, op: largest.op, valueBytes: workload.valueBytes, bytes: largest.bytes, room }
    errors.push({ path: 'workload.valueBytes', message: `${why}, so a command may take at most ${limit} bytes here; a ${largest.op} with valueBytes ${workload.valueBytes} takes ${largest.bytes}: use valueBytes of at most ${room}`, code: 'valueBytesTooLarge', params })
  }
  workload.script.forEach((step, index) => {
    const parsed = parseScriptCommand(typeof step === 'string' ? step : step.cmd)
    const tooLarge = parsed.ok ? checkCommandBytes(parsed.command, limit) : null
    if (tooLarge && parsed.ok) errors.push({ path: `workload.script.${index}${typeof step === 'string' ? '' : '.cmd'}`, message: `${why}: ${tooLarge}`, code: 'commandTooLarge', params: { detail: `${why}: ${tooLarge}`, why, ...whyParams, ...commandSizeParams(parsed.command, limit) } })
  })
  for (const [node, spec] of Object.entries(cluster.byzantine)) {
    if (typeof spec === 'string' || spec.forgedValue === undefined) continue
    const bytes = encodedBytesMax({ op: 'put', key: 'k'.repeat(16), value: spec.forgedValue } satisfies Command)
    if (bytes > limit) errors.push({ path: `cluster.byzantine.${node}.forgedValue`, message: `${why}: a forged write of ${bytes} bytes is larger than the ${limit} a command may have here`, code: 'forgedValueTooLarge', params: { why, ...whyParams, bytes, limit } })
  }
  return errors
}

/**
 * What checkCommandBytes found too large, as values (its English sentence is the error's message):
 * the part (`key`, `value` or the whole `command`), its bytes and the most it may have.
 */
function commandSizeParams(command: Command, limitBytes = commandBytesMax): { part: 'key' | 'value' | 'command'; partBytes: number; partMax: number } | Record<string, never> {
  const key = command.op === 'range' ? command.prefix : 'key' in command ? command.key : undefined
  if (key !== undefined && utf8Bytes(key) > keyBytesMax) return { part: 'key', partBytes: utf8Bytes(key), partMax: keyBytesMax }
  // In checkCommandBytes's order: a cas's expected value before its new one.
  const values = command.op === 'put' ? [command.value] : command.op === 'cas' ? [command.expected, command.value].filter((value): value is string => value !== null) : []
  const large = values.find((value) => utf8Bytes(value) > valueBytesMax)
  if (large !== undefined) return { part: 'value', partBytes: utf8Bytes(large), partMax: valueBytesMax }
  const bytes = encodedBytesMax(command)
  return bytes > limitBytes ? { part: 'command', partBytes: bytes, partMax: limitBytes } : {}
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

function unknownNode(name: string, nodes: readonly string[], keywords = false): Omit<FieldError, 'path'> {
  const words = keywords ? [...nodeTargetKeywords].join(', ') : undefined
  const extra = words ? `, or one of ${words}` : ''
  return { message: `unknown node ${JSON.stringify(name)}: expected one of ${nodes.join(', ')}${extra}`, code: 'unknownNode', params: { name, nodes: nodes.join(', '), keywords: words } }
}

function outsideRun(durationMs: number, atMs: number): Omit<FieldError, 'path'> {
  return { message: `expected a time within the run (${durationMs} ms), got ${atMs} ms`, code: 'timeWithinRun', params: { durationMs, got: atMs } }
}
