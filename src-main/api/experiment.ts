/**
 * The experiment file format (YAML or JSON), validated with zod.
 * One schema for the CLI, the lab server, the Electron host and the renderer's editor.
 * Parsing normalizes: durations become milliseconds, a node count becomes names.
 */
import { z } from 'zod'
import { durationSchema, describeValue, timerMsMax } from './duration.js'
import { utf8Bytes, valueBytesMax } from '../protocols/common/wire-budget.js'
import { injectorActionsOf, type InjectorAction, type NodeSettings } from '../protocols/descriptor.js'
import { raftReadModes } from '../protocols/raft/protocol.js'
import { descriptorOf, protocolNames, protocols, type ProtocolName } from '../protocols/registry.js'
import { assertNever, type NodeId } from '../protocols/types.js'
import { faultKinds, type Fault, type FaultKind, type FaultOf } from '../faults/fault.js'
import { codeOfIssue, neutralValue } from './validation-text.js'

/** The protocols, their Byzantine kinds and read modes come from their descriptors (protocols/registry.ts). */
export { protocolNames, type ProtocolName }

export const nodesMax = 15
export const clientsMax = 1024
/**
 * Protocol timing (election and request timeouts, heartbeats, lease drift, link delays, a slow
 * primary's hold) is at most a minute: with tickMs >= tickMsMin that stays far below the tick
 * counts the cores accept (Raft: 1,000,000), and a lab never needs longer.
 */
export const protocolMsMax = 60_000
/** Protocol time advances in ticks of a timer, which Node runs at 1 ms resolution at best. */
export const tickMsMin = 1
export const tickMsMax = 100
/** An fsync the slow-disk fault stretches by more than this would block a replica for good. */
export const slowDiskMsMax = 10_000
/** Open-loop arrivals per second the workload can pace (beyond it the arrival loop never yields). */
export const rateMax = 100_000
export const scriptStepsMax = 10_000
/** Faults in one run, written or drawn by the nemesis. */
export const faultsMax = 10_000
/** The seeded generator takes 32 bits: larger seeds would repeat smaller ones. */
export const seedMax = 2 ** 32 - 1
export const zipfExponentMax = 10

const nodeNamePattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/
/** Names may be written as numbers in YAML (replicas 1 to 7); they are names all the same. */
const nodeName = z
  .union([z.string(), z.number().int().min(0)])
  .transform((name) => String(name))
  .pipe(z.string().regex(nodeNamePattern, 'expected a node name of letters, digits, - or _ (at most 32)'))

const positiveNumber = (what = 'a positive number') =>
  z.number({ error: (issue) => `expected ${what}, got ${describeValue(issue.input)}` }).positive(`expected ${what}`)
const nonNegativeNumber = (what = 'a number >= 0') =>
  z.number({ error: (issue) => `expected ${what}, got ${describeValue(issue.input)}` }).min(0, `expected ${what}`)
/** Milliseconds of protocol timing: positive (or >= 0), at most protocolMsMax. */
const protocolMs = (what = 'a positive number of ms') => positiveNumber(what).max(protocolMsMax, `expected at most ${protocolMsMax} ms`)
const protocolMsOrZero = (what = 'a number >= 0') => nonNegativeNumber(what).max(protocolMsMax, `expected at most ${protocolMsMax} ms`)
const probability = z
  .number({ error: (issue) => `expected a probability between 0 and 1, got ${describeValue(issue.input)}` })
  .min(0, 'expected a probability between 0 and 1')
  .max(1, 'expected a probability between 0 and 1')
const positiveInt = (max: number) =>
  z
    .number({ error: (issue) => `expected a whole number, got ${describeValue(issue.input)}` })
    .int('expected a whole number')
    .min(1, 'expected at least 1')
    .max(max, `expected at most ${max}`)

/** Link conditions; applied by the sending replica (delay, loss, duplication, reordering). */
const linkConditionFields = {
  delayMs: protocolMsOrZero(),
  jitterMs: protocolMsOrZero(),
  loss: probability,
  duplicate: probability,
  reorder: probability,
}
export const linkConditionsSchema = z
  .object({
    delayMs: linkConditionFields.delayMs.default(0),
    jitterMs: linkConditionFields.jitterMs.default(0),
    loss: linkConditionFields.loss.default(0),
    duplicate: linkConditionFields.duplicate.default(0),
    reorder: linkConditionFields.reorder.default(0),
  })
  .strict()
export type LinkConditions = z.infer<typeof linkConditionsSchema>
/**
 * What a network or link fault changes: only the fields it names (zod's partial() would keep the
 * defaults, and a `network: {loss: 0.3}` would quietly reset the delay to 0).
 */
const linkConditionsChangeSchema = z.object(linkConditionFields).partial().strict()

/** How a node of this protocol can lie (its descriptor's Byzantine kinds); none for a protocol without liars or an unknown name. */
export function byzantineKindsOf(protocol: string): readonly string[] {
  return protocols.find((descriptor) => descriptor.name === protocol)?.byzantine?.kinds ?? []
}
/** Every protocol's Byzantine kinds, each once: what the schema takes before validate.ts checks the protocol's own. */
export const byzantineKindNames = [...new Set(protocols.flatMap((descriptor) => byzantineKindsOf(descriptor.name)))] as [string, ...string[]]
/** How a get can be served (Raft's read paths; the other protocols have one path each). */
export const readModes = raftReadModes
/** The fault injector's actions beyond crash, pause and isolate that this protocol allows. */
export function injectorActionsFor(protocol: string): InjectorAction[] {
  return (protocolNames as readonly string[]).includes(protocol) ? injectorActionsOf(descriptorOf(protocol)) : []
}

/**
 * Why a cluster of `protocol` with `groups` groups takes no membership change (addNode, promote,
 * removeNode), in the words validation uses; undefined where it does (Raft, one group).
 */
export function membershipUnavailable(protocol: string, groups: number): { protocol: string } | undefined {
  if (protocol === 'raft' && groups <= 1) return undefined
  return { protocol: protocol === 'raft' ? 'raft with several groups (MultiRaft)' : protocol }
}

export const byzantineSchema = z.union([
  z.enum(byzantineKindNames, { error: (issue) => `expected one of ${byzantineKindNames.join(', ')}, got ${describeValue(issue.input)}` }),
  z
    .object({
      kind: z.enum(byzantineKindNames),
      /** equivocate: the value a forged batch writes instead of the client's; lie-reply, lie-reply-digest: the value a forged read returns. */
      forgedValue: z.string().refine((value) => utf8Bytes(value) <= valueBytesMax, { message: `expected a value of at most ${valueBytesMax} bytes`, params: { code: 'valueTooLarge', max: valueBytesMax } }).optional(),
      /** equivocate: the liars that tell the same lie to the same victims. */
      colluders: z.array(nodeName).optional(),
      /** slow-primary: how long it sits on each pre-prepare. */
      delayMs: protocolMsOrZero().optional(),
    })
    .strict(),
])
export type ByzantineSpec = z.output<typeof byzantineSchema>

/** The cluster's fields every protocol shares; each protocol's own come from its descriptor (protocolOptionFields). */
const commonClusterFields = {
  /** A count (names become A, B, C, ...) or the names themselves. */
  nodes: z.union([positiveInt(nodesMax), z.array(nodeName).min(1).max(nodesMax)]).default(3),
  /** Resolution of protocol time: every timer is a whole number of ticks. */
  tickMs: positiveNumber().min(tickMsMin, `expected at least ${tickMsMin} (ms)`).max(tickMsMax, `expected at most ${tickMsMax} (ms)`).default(5),
  durability: z.enum(['fsync', 'none']).default('fsync'),
  /** Nodes that lie from the start, by name: {R2: equivocate, R5: equivocate}. */
  byzantine: z.record(nodeName, byzantineSchema).default({}),
}

/**
 * Every protocol's option fields (its descriptor's options.schema, the one place they and their
 * defaults live), side by side: the experiment keeps one flat `cluster`. Two protocols may share a
 * field only by sharing its declaration (protocols/common/fields.ts), so a name has one meaning.
 */
function protocolOptionFields(): ProtocolOptionShape {
  const fields: Record<string, z.ZodType> = {}
  for (const descriptor of protocols) {
    for (const [name, field] of Object.entries(descriptor.options.schema.shape)) {
      if (Object.hasOwn(commonClusterFields, name)) throw new Error(`${descriptor.name} declares cluster.${name}, a field every protocol shares`)
      if (fields[name] !== undefined && fields[name] !== field) throw new Error(`cluster.${name} is declared twice with different meanings (${descriptor.name} and another protocol): share one declaration`)
      fields[name] = field as z.ZodType
    }
  }
  // The descriptors' schemas are typed loosely (ZodRawShape); their options' types are not.
  return fields as unknown as ProtocolOptionShape
}

/** Which protocols declare each option field (for "applies to ... only" errors). */
export function protocolsWithField(field: string): string[] {
  return protocols.filter((descriptor) => Object.hasOwn(descriptor.options.schema.shape, field)).map((descriptor) => descriptor.name)
}

/** Every protocol's experiment options at once (each descriptor's options type), as the resolved cluster holds them. */
type DescriptorOptions<D> = D extends { options: { check(options: infer O, cluster: never): unknown } } ? O : never
type Intersection<U> = (U extends unknown ? (value: U) => void : never) extends (value: infer I) => void ? I : never
export type ProtocolOptions = Intersection<DescriptorOptions<(typeof protocols)[number]>>
/** Each field as the schema takes it: anything may be written (the field's own schema checks it), nothing has to be. */
type ProtocolOptionShape = { [K in keyof ProtocolOptions]-?: z.ZodDefault<z.ZodType<ProtocolOptions[K], unknown>> }

export const clusterSchema = z.object({ ...commonClusterFields, ...protocolOptionFields() }).strict()

const commandText = z.string().min(1)
export const scriptStepSchema = z.union([
  commandText,
  z
    .object({
      /** When to send it, from workload start; without it, right after the previous step. */
      at: durationSchema.optional(),
      cmd: commandText,
      /** The node the client sends it to first (it follows "not leader" hints from there). */
      via: nodeName.optional(),
    })
    .strict(),
])

export const mixSchema = z
  .object({
    get: nonNegativeNumber().default(0.5),
    put: nonNegativeNumber().default(0.5),
    delete: nonNegativeNumber().default(0),
    cas: nonNegativeNumber().default(0),
  })
  .strict()
  .refine((mix) => mix.get + mix.put + mix.delete + mix.cas > 0, { message: 'expected at least one operation with a weight above 0', params: { code: 'mixEmpty' } })

/** Scenario 11: service instances register with a lease and keep it alive; watchers follow them. */
export const discoverySchema = z
  .object({
    service: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'expected a service name of letters, digits, - or _').default('api'),
    instances: positiveInt(64).default(3),
    /** Each instance's lease time-to-live. */
    ttl: durationSchema.refine((ms) => ms > 0, { message: 'expected a TTL above 0, like 3s', params: { code: 'positiveDuration', example: '3s' } }).default(3000),
    keepAliveEvery: durationSchema.refine((ms) => ms > 0, { message: 'expected an interval above 0, like 1s', params: { code: 'positiveDuration', example: '1s' } }).default(1000),
    /** Instances that die (stop keeping their lease alive) at a time. */
    stops: z.array(z.object({ at: durationSchema, instance: z.number().int().min(1) }).strict()).max(64, 'expected at most 64 stops').default([]),
    watchers: positiveInt(16).default(1),
  })
  .strict()
  .refine((discovery) => discovery.keepAliveEvery < discovery.ttl, { message: 'expected keepAliveEvery shorter than ttl, or every lease would expire', path: ['keepAliveEvery'], params: { code: 'keepAliveBelowTtl' } })

export const workloadSchema = z
  .object({
    duration: durationSchema.default(10_000),
    /**
     * Run the load this long before measuring: operations in it go into the history (and are
     * checked) but not into latency and throughput, so a just-started process's JIT warm-up does not
     * read as protocol latency.
     */
    warmup: durationSchema.default(0),
    /** Closed loop: this many clients, each waiting for its reply before the next op. */
    clients: z.number().int('expected a whole number').min(0, 'expected 0 or more').max(clientsMax).default(1),
    /** Open loop: this many ops per second in total, Poisson arrivals. Overrides clients. */
    rate: positiveNumber('a positive number of ops per second').max(rateMax, `expected at most ${rateMax} ops per second`).optional(),
    mix: mixSchema.default({ get: 0.5, put: 0.5, delete: 0, cas: 0 }),
    keys: positiveInt(1_000_000).default(10),
    distribution: z.enum(['uniform', 'zipf']).default('uniform'),
    zipfExponent: positiveNumber().max(zipfExponentMax, `expected at most ${zipfExponentMax}`).default(1.0),
    /** Bytes per written value, at most valueBytesMax (what a replica accepts; PBFT may allow less, see validate.ts). */
    valueBytes: positiveInt(valueBytesMax).default(8),
    timeoutMs: positiveNumber().max(timerMsMax, `expected at most ${timerMsMax} ms`).default(1000),
    /**
     * Where a client sends each operation first: 'leader' (wherever it last succeeded) or 'home'
     * (its own node, following "not leader" hints from there, like a client bound to one replica).
     */
    routing: z.enum(['leader', 'home']).default('leader'),
    /** Scripted commands (SET x=1, DELETE z, GET x, CAS x 1 2), run in order by their own client. */
    script: z.array(scriptStepSchema).max(scriptStepsMax, `expected at most ${scriptStepsMax} steps`).default([]),
    discovery: discoverySchema.optional(),
  })
  .strict()

const faultTarget = z.string({ error: 'expected a node name or one of leader, follower, minority, random, crashed, paused' }).min(1)
const nodePair = z.tuple([nodeName, nodeName], { error: 'expected two node names, like [A, B]' })
const conditionsChange = linkConditionsChangeSchema
const linkChange = linkConditionsChangeSchema.extend({ from: nodeName, to: nodeName }).strict()
const partitionGroups = z.array(z.array(nodeName).min(1, 'expected a non-empty group')).min(2, 'expected at least two groups')
const partitionOptions = z
  .object({
    groups: partitionGroups,
    /** Only messages from an earlier group to a later one are lost. */
    oneWay: z.boolean().optional(),
    /** A node in no group that still hears every group. */
    bridge: nodeName.optional(),
  })
  .strict()
/** `partition: [[A, B], [C, D, E]]`, or with options: `partition: {groups: [[A], [B, C]], oneWay: true}`. */
const partitionValue = z.unknown().transform((value, ctx): z.output<typeof partitionOptions> => {
  const parsed = Array.isArray(value) ? partitionGroups.safeParse(value, { reportInput: true }) : partitionOptions.safeParse(value, { reportInput: true })
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path.map((part) => part as string | number), params: codeOfIssue(issue) })
    return z.NEVER
  }
  return Array.isArray(parsed.data) ? { groups: parsed.data } : parsed.data
})

/**
 * How a fault is written in an experiment file (and read back from one): `{at: 2s, crash: leader}`
 * holds one key naming the kind, and its value. Each form parses its value into the Fault union
 * (src-main/faults/fault.ts) and prints a Fault back as that value; `satisfies` makes a new kind
 * of Fault fail to compile until it has a form here.
 */
interface SyntaxForm<K extends FaultKind, S extends z.ZodType> {
  value: S
  toFault(value: z.output<S>): FaultOf<K>
  toValue(fault: FaultOf<K>): unknown
  /** For editors, when `value` is a transform that JSON Schema cannot show. */
  jsonSchema?: z.ZodType
}
const form = <K extends FaultKind, S extends z.ZodType>(value: S, toFault: (value: z.output<S>) => FaultOf<K>, toValue: (fault: FaultOf<K>) => unknown, jsonSchema?: z.ZodType): SyntaxForm<K, S> => ({ value, toFault, toValue, jsonSchema })
type TargetKind = 'crash' | 'restart' | 'pause' | 'resume' | 'isolate' | 'campaign'
const targetForm = <K extends TargetKind>(kind: K) => form(faultTarget, (target) => ({ kind, target }) as FaultOf<K>, (fault: FaultOf<K>) => (fault as FaultOf<TargetKind>).target)

export const faultSyntax = {
  crash: targetForm('crash'),
  restart: targetForm('restart'),
  pause: targetForm('pause'),
  resume: targetForm('resume'),
  /** Cuts one node off from all others (both directions); clients can still reach it. */
  isolate: targetForm('isolate'),
  /** The node's election timer fires now: it campaigns for the next term (Raft). */
  campaign: targetForm('campaign'),
  /** Groups that can talk only among themselves; a node in no group is cut off from all. */
  partition: form(
    partitionValue,
    ({ groups, oneWay, bridge }) => ({ kind: 'partition', groups, ...(oneWay ? { oneWay: true as const } : {}), ...(bridge === undefined ? {} : { bridge }) }),
    (fault) => (fault.oneWay || fault.bridge !== undefined ? { groups: fault.groups, ...(fault.oneWay ? { oneWay: true } : {}), ...(fault.bridge === undefined ? {} : { bridge: fault.bridge }) } : fault.groups),
    z.union([partitionGroups, partitionOptions]),
  ),
  /** Both directions between two nodes. */
  cut: form(nodePair, (between) => ({ kind: 'cut', between }), (fault) => fault.between),
  /** Only messages from the first node to the second are lost. */
  cutOneWay: form(nodePair, ([from, to]) => ({ kind: 'cutOneWay', from, to }), (fault) => [fault.from, fault.to]),
  /** Removes every partition and cut; link conditions stay as they are. */
  heal: form(z.literal('all', { error: 'expected heal: all' }), () => ({ kind: 'heal' }), () => 'all'),
  /** New conditions for every link (merged into the current ones). */
  network: form(conditionsChange, (conditions) => ({ kind: 'network', conditions }), (fault) => fault.conditions),
  /** New conditions for one directed link. */
  link: form(linkChange, ({ from, to, ...conditions }) => ({ kind: 'link', from, to, conditions }), (fault) => ({ from: fault.from, to: fault.to, ...fault.conditions })),
  /** The node's clock runs at this rate (0.5: half speed); timers and leases depend on it. */
  clockSkew: form(
    z.object({ node: faultTarget, factor: z.number().min(0.1, 'expected a factor from 0.1 to 10').max(10, 'expected a factor from 0.1 to 10') }).strict(),
    ({ node, factor }) => ({ kind: 'clockSkew', target: node, factor }),
    (fault) => ({ node: fault.target, factor: fault.factor }),
  ),
  /** The node starts (or stops, with behaviour: honest) lying. */
  byzantine: form(
    z.object({ node: faultTarget, behaviour: z.union([byzantineSchema, z.literal('honest')]) }).strict(),
    ({ node, behaviour }) => ({ kind: 'byzantine', target: node, behaviour }),
    (fault) => ({ node: fault.target, behaviour: fault.behaviour }),
  ),
  /** Adds this much latency to every fsync of a node (a slow or overloaded disk), and up to jitterMs more at random (a jittery one). */
  slowDisk: form(
    z
      .object({
        node: faultTarget,
        ms: z.number().min(0, 'expected ms >= 0').max(slowDiskMsMax, `expected at most ${slowDiskMsMax} ms`),
        jitterMs: z.number().min(0, 'expected jitterMs >= 0').max(slowDiskMsMax, `expected at most ${slowDiskMsMax} ms`).optional(),
      })
      .strict(),
    ({ node, ms, jitterMs }) => ({ kind: 'slowDisk', target: node, ms, ...(jitterMs ? { jitterMs } : {}) }),
    (fault) => ({ node: fault.target, ms: fault.ms, ...(fault.jitterMs ? { jitterMs: fault.jitterMs } : {}) }),
  ),
  /** Membership (Raft): a fresh node joins the running cluster as a learner (a new name). */
  addNode: form(nodeName, (node) => ({ kind: 'addNode', node }), (fault) => fault.node),
  /** Membership (Raft): a learner added earlier becomes a voter. */
  promote: form(nodeName, (node) => ({ kind: 'promote', node }), (fault) => fault.node),
  /** Membership (Raft): the node leaves the configuration and stops for good (leader: the leader removes itself). */
  removeNode: form(faultTarget, (target) => ({ kind: 'removeNode', target }), (fault) => fault.target),
} as const satisfies { [K in FaultKind]: SyntaxForm<K, z.ZodType> }

export { faultKinds, type Fault, type FaultKind }

/** Parses one fault as written ({crash: leader}, {cut: [A, B]}, ...) with errors at the right path. */
export function parseFaultSyntax(value: unknown, ctx: z.RefinementCtx, pathPrefix: (string | number)[] = []): Fault | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: `expected a fault like {at: 2s, crash: leader}, got ${describeValue(value)}`, path: pathPrefix, params: { code: 'faultShape', got: neutralValue(value) } })
    return undefined
  }
  const keys = Object.keys(value).filter((key) => key !== 'at')
  const unknown = keys.filter((key) => !Object.hasOwn(faultSyntax, key))
  if (unknown.length > 0 || keys.length !== 1) {
    const message =
      unknown.length > 0
        ? `unknown fault ${unknown.join(', ')}: expected one of ${faultKinds.join(', ')}`
        : `expected exactly one of ${faultKinds.join(', ')}${keys.length > 1 ? `, got ${keys.join(' and ')}` : ''}`
    const params = unknown.length > 0 ? { code: 'faultUnknown', kinds: unknown.join(', '), expected: faultKinds.join(', ') } : { code: 'faultOneKind', expected: faultKinds.join(', '), got: keys.length > 1 ? keys.join(', ') : undefined }
    ctx.addIssue({ code: 'custom', message, path: pathPrefix, params })
    return undefined
  }
  const kind = keys[0] as FaultKind
  const syntax = faultSyntax[kind] as SyntaxForm<FaultKind, z.ZodType>
  const parsed = syntax.value.safeParse((value as Record<string, unknown>)[kind], { reportInput: true })
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: [...pathPrefix, kind, ...issue.path.map((part) => part as string | number)], params: codeOfIssue(issue) })
    return undefined
  }
  return syntax.toFault(parsed.data)
}

/** A fault as an experiment file writes it: `{crash: 'leader'}` (without `at`). */
export function printFaultSyntax(fault: Fault): Record<string, unknown> {
  const syntax = faultSyntax[fault.kind] as SyntaxForm<FaultKind, z.ZodType>
  return { [fault.kind]: syntax.toValue(fault) }
}

/**
 * Every node name a fault mentions, with its path in the file syntax (under the fault), and
 * whether role keywords (leader, random, ...) may stand there.
 */
export function faultNodeNames(fault: Fault): { path: string; name: string; keywords: boolean }[] {
  switch (fault.kind) {
    case 'crash':
    case 'restart':
    case 'pause':
    case 'resume':
    case 'isolate':
    case 'campaign':
      return [{ path: fault.kind, name: fault.target, keywords: true }]
    case 'clockSkew':
    case 'slowDisk':
    case 'byzantine':
      return [{ path: `${fault.kind}.node`, name: fault.target, keywords: true }]
    case 'partition': {
      // The written form decides the path: a bare list of groups, or {groups, bridge}.
      const prefix = fault.oneWay || fault.bridge !== undefined ? 'partition.groups' : 'partition'
      const names = fault.groups.flatMap((group, g) => group.map((name, n) => ({ path: `${prefix}.${g}.${n}`, name, keywords: false })))
      return fault.bridge === undefined ? names : [...names, { path: 'partition.bridge', name: fault.bridge, keywords: false }]
    }
    case 'cut':
      return fault.between.map((name, n) => ({ path: `cut.${n}`, name, keywords: false }))
    case 'cutOneWay':
      return [{ path: 'cutOneWay.0', name: fault.from, keywords: false }, { path: 'cutOneWay.1', name: fault.to, keywords: false }]
    case 'link':
      return [{ path: 'link.from', name: fault.from, keywords: false }, { path: 'link.to', name: fault.to, keywords: false }]
    case 'promote':
      return [{ path: fault.kind, name: fault.node, keywords: false }]
    case 'removeNode':
      return [{ path: fault.kind, name: fault.target, keywords: true }]
    case 'addNode': // a new name, not one of the cluster's: validate checks it is not taken
    case 'heal':
    case 'network':
      return []
    default:
      return assertNever(fault, 'fault')
  }
}

/**
 * A fault as the live injector sends it (LabApi.injectFault): the union itself, checked here
 * because it comes from a renderer. It must be exactly what printing and parsing it again gives.
 */
export const faultSchema = z.unknown().transform((value, ctx): Fault => {
  const kind = (value as { kind?: unknown } | null)?.kind
  if (typeof value !== 'object' || value === null || typeof kind !== 'string' || !Object.hasOwn(faultSyntax, kind)) {
    const what = typeof kind === 'string' ? `unknown fault ${kind}` : `expected a fault like {kind: 'crash', target: 'leader'}, got ${describeValue(value)}`
    ctx.addIssue({ code: 'custom', message: `${what}: expected a kind, one of ${faultKinds.join(', ')}` })
    return z.NEVER
  }
  const syntax = faultSyntax[kind as FaultKind] as SyntaxForm<FaultKind, z.ZodType>
  let written: unknown
  try {
    written = syntax.toValue(value as Fault)
  } catch {
    written = undefined
  }
  const fault = parseFaultSyntax({ [kind]: written }, ctx)
  if (fault === undefined) return z.NEVER
  if (!sameJson(fault, value)) {
    ctx.addIssue({ code: 'custom', message: `expected a ${kind} fault without other fields, like ${JSON.stringify(fault)}`, params: { code: 'faultExtraFields', kind, example: JSON.stringify(fault) } })
    return z.NEVER
  }
  return fault
})

function sameJson(a: unknown, b: unknown): boolean {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(canonical)
      : typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).sort(([x], [y]) => x.localeCompare(y)).map(([k, v]) => [k, canonical(v)]))
      : value
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b))
}

/** One entry of the schedule: `{at: 2s, crash: leader}` parsed into `{at: 2000, kind: 'crash', target: 'leader'}`. */
export const scheduledFaultSchema = z.unknown().transform((value, ctx) => {
  const at = durationSchema.safeParse((value as { at?: unknown } | null)?.at, { reportInput: true })
  if (!at.success) {
    const issue = at.error.issues[0]
    ctx.addIssue({ code: 'custom', message: issue?.message ?? 'expected a duration', path: ['at'], params: issue ? codeOfIssue(issue) : { code: 'duration' } })
    return z.NEVER
  }
  const fault = parseFaultSyntax(value, ctx)
  return fault ? { at: at.data, ...fault } : z.NEVER
})

/** Random faults drawn from the run's seed, each healed before the next and all before the end. */
export const nemesisSchema = z
  .object({
    /** Mean time between faults (exponential). */
    meanInterval: durationSchema.refine((ms) => ms > 0, { message: 'expected an interval above 0, like 2s', params: { code: 'positiveDuration', example: '2s' } }).default(2000),
    /** How long each fault lasts before it is healed. */
    faultDuration: durationSchema.refine((ms) => ms > 0, { message: 'expected a duration above 0, like 1s', params: { code: 'positiveDuration', example: '1s' } }).default(1000),
    /** clockSkew makes a lease-reading leader's reads unsafe, as the lease scenario shows. */
    faults: z.array(z.enum(['crash', 'pause', 'partition', 'cut', 'loss', 'delay', 'slowDisk', 'clockSkew'])).min(1).default(['crash', 'pause', 'partition', 'loss']),
  })
  .strict()

export const traceSchema = z
  .object({
    /** Record every message sent and received (a bounded rate); counts are always kept. */
    messages: z.boolean().default(true),
    /**
     * Record each node's appends (Raft) and each slot's phases (PBFT): the log and slot grids, the
     * path of one operation and the latency breakdown are built from them.
     */
    log: z.boolean().default(true),
  })
  .strict()

export const experimentSchema = z
  .object({
    name: z.string().min(1).max(80).default('experiment'),
    description: z.string().default(''),
    /** The description in Korean, shown when the app speaks Korean (the course's students often do). */
    descriptionKo: z.string().optional(),
    protocol: z.enum(protocolNames, {
      error: (issue) => `expected one of ${protocolNames.join(', ')}, got ${describeValue(issue.input)}`,
    }),
    seed: z.number().int('expected a whole number').min(0, 'expected a whole number from 0').max(seedMax, `expected at most ${seedMax}`).default(1),
    cluster: clusterSchema.default(clusterSchema.parse({})),
    network: linkConditionsSchema.default(linkConditionsSchema.parse({})),
    workload: workloadSchema.default(workloadSchema.parse({})),
    faults: z.array(scheduledFaultSchema).max(faultsMax, `expected at most ${faultsMax} faults`).default([]),
    nemesis: nemesisSchema.optional(),
    trace: traceSchema.default(traceSchema.parse({})),
  })
  .strict()

export type ExperimentInput = z.input<typeof experimentSchema>
export type ExperimentParsed = z.output<typeof experimentSchema>
/** A scheduled fault: when (ms from 0 s) and what. */
export type FaultSpec = Fault & { at: number }
export type NemesisSpec = z.output<typeof nemesisSchema>

type CommonCluster = z.output<z.ZodObject<typeof commonClusterFields>>

/** An experiment after validation and resolution: node names fixed, every default filled. */
export interface Experiment extends Omit<ExperimentParsed, 'cluster'> {
  cluster: Omit<CommonCluster, 'nodes'> & ProtocolOptions & { nodes: string[] }
}

export function defaultNodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => String.fromCharCode(65 + index))
}

/**
 * What resolveNode reads of an experiment: its protocol, seed and flat cluster, whose protocol
 * options (the descriptor's options.schema) sit beside the common fields. The simulator's replay
 * hands it one with the simulator's tick.
 */
export interface NodeSource {
  protocol: string
  seed: number
  cluster: {
    nodes: readonly string[]
    tickMs: number
    durability?: 'fsync' | 'none'
    byzantine: Readonly<Record<string, ByzantineSpec>>
  } & Record<string, unknown>
}

/**
 * One node's settings from a validated experiment: the one road from an experiment's milliseconds
 * to a core's ticks (the descriptor's options schema and settingsOf), taken by the lab for each
 * replica it starts and by `simulate --from-run`, so the two cannot drift. Throws with the paths
 * when the protocol's options do not parse (validation reports the same before any run).
 */
export function resolveNode(experiment: NodeSource, id: NodeId): NodeSettings {
  const { cluster } = experiment
  const protocol = descriptorOf(experiment.protocol)
  if (!cluster.nodes.includes(id)) throw new Error(`unknown node ${JSON.stringify(id)}: expected one of ${cluster.nodes.join(', ')}`)
  // The cluster keeps every protocol's fields side by side; the descriptor takes its own.
  const parsed = protocol.options.schema.strip().safeParse(cluster)
  if (!parsed.success) throw new Error(parsed.error.issues.map((issue) => `cluster.${issue.path.join('.')}: ${issue.message}`).join('; '))
  const members = [...cluster.nodes]
  const spec = cluster.byzantine[id]
  return {
    protocol: protocol.name,
    id,
    members,
    seed: experiment.seed,
    durability: cluster.durability ?? 'fsync',
    tickMs: cluster.tickMs,
    settings: protocol.settingsOf(parsed.data, { nodes: members, tickMs: cluster.tickMs }),
    ...(spec === undefined ? {} : { byzantine: spec }),
    liars: Object.keys(cluster.byzantine),
  }
}
