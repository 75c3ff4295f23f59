/**
 * The experiment file format (YAML or JSON), validated with zod.
 * One schema for the CLI, the lab server, the Electron host and the renderer's editor.
 * Parsing normalizes: durations become milliseconds, a node count becomes names.
 */
import { z } from 'zod'
import { durationSchema, describeValue, timerMsMax } from './duration.js'
import { utf8Bytes, valueBytesMax } from '../protocols/common/wire-budget.js'
import { injectorActionsOf, type InjectorAction } from '../protocols/descriptor.js'
import { raftReadModes } from '../protocols/raft/protocol.js'
import { descriptorOf, protocolNames, protocols, type ProtocolName } from '../protocols/registry.js'

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
export const linkConditionsSchema = z
  .object({
    delayMs: protocolMsOrZero().default(0),
    jitterMs: protocolMsOrZero().default(0),
    loss: probability.default(0),
    duplicate: probability.default(0),
    reorder: probability.default(0),
  })
  .strict()
export type LinkConditions = z.infer<typeof linkConditionsSchema>

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

export const byzantineSchema = z.union([
  z.enum(byzantineKindNames, { error: (issue) => `expected one of ${byzantineKindNames.join(', ')}, got ${describeValue(issue.input)}` }),
  z
    .object({
      kind: z.enum(byzantineKindNames),
      /** equivocate: the value a forged batch writes instead of the client's. */
      forgedValue: z.string().refine((value) => utf8Bytes(value) <= valueBytesMax, `expected a value of at most ${valueBytesMax} bytes`).optional(),
      /** equivocate: the liars that tell the same lie to the same victims. */
      colluders: z.array(nodeName).optional(),
      /** slow-primary: how long it sits on each pre-prepare. */
      delayMs: protocolMsOrZero().optional(),
    })
    .strict(),
])
export type ByzantineSpec = z.output<typeof byzantineSchema>

export const clusterSchema = z
  .object({
    /** A count (names become A, B, C, ...) or the names themselves. */
    nodes: z.union([positiveInt(nodesMax), z.array(nodeName).min(1).max(nodesMax)]).default(3),
    electionTimeoutMs: z
      .tuple([protocolMs(), protocolMs()])
      .default([150, 300])
      .refine(([low, high]) => low <= high, 'expected [min, max] with min <= max'),
    /**
     * The first election timeout of named nodes (later ones are random again), to script who times
     * out first: {A: 150}. Raft only.
     */
    firstElectionTimeoutMs: z.record(nodeName, protocolMs()).default({}),
    heartbeatMs: protocolMs().default(50),
    /** Resolution of protocol time: every timer is a whole number of ticks. */
    tickMs: positiveNumber().min(tickMsMin, `expected at least ${tickMsMin} (ms)`).max(tickMsMax, `expected at most ${tickMsMax} (ms)`).default(5),
    durability: z.enum(['fsync', 'none']).default('fsync'),
    preVote: z.boolean().default(false),
    checkQuorum: z.boolean().default(false),
    /**
     * How reads are served: 'log' (ordered like writes), 'readindex' (the leader confirms its
     * leadership with a heartbeat round), 'lease' (the leader answers while its lease holds; needs
     * checkQuorum), 'follower' (any node answers from its own copy: fast, may be stale).
     */
    readMode: z.enum(readModes).default('readindex'),
    /** Taken off the leader's lease for clock drift between nodes (lease reads). */
    leaseDriftMs: protocolMsOrZero('ms >= 0').default(20),
    /** Raft only: independent Raft groups on the same nodes (MultiRaft), each owning a share of the keys. */
    groups: positiveInt(64).default(1),
    /** How keys map to groups: hash (spread evenly) or range (split points, keeps prefixes together). */
    keyRouting: z.enum(['hash', 'range']).default('hash'),
    /** For keyRouting range: G - 1 sorted split points; group i owns keys from split i-1 up to split i. */
    rangeSplits: z.array(z.string()).max(63, 'expected at most 63 split points (64 groups)').default([]),
    /** PBFT: faults tolerated; n must be at least 3f + 1. Default: the most n allows. */
    f: z.number().int('expected a whole number').min(0, 'expected f >= 0').optional(),
    /** Nodes that lie from the start, by name: {R2: equivocate, R5: equivocate}. */
    byzantine: z.record(nodeName, byzantineSchema).default({}),
    /** PBFT: a backup suspects the primary after this long without progress on a request. */
    requestTimeoutMs: protocolMs().default(500),
    /** PBFT: a checkpoint every this many sequence numbers. */
    checkpointInterval: positiveInt(1024).default(32),
    /** Upper bound of entries in one AppendEntries. */
    batchEntriesMax: positiveInt(65_536).default(1024),
    /** AppendEntries in flight per follower before the leader waits for acks. */
    inflightAppendsMax: positiveInt(1024).default(64),
  })
  .strict()

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
  .refine((mix) => mix.get + mix.put + mix.delete + mix.cas > 0, 'expected at least one operation with a weight above 0')

/** Scenario 11: service instances register with a lease and keep it alive; watchers follow them. */
export const discoverySchema = z
  .object({
    service: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'expected a service name of letters, digits, - or _').default('api'),
    instances: positiveInt(64).default(3),
    /** Each instance's lease time-to-live. */
    ttl: durationSchema.refine((ms) => ms > 0, 'expected a TTL above 0, like 3s').default(3000),
    keepAliveEvery: durationSchema.refine((ms) => ms > 0, 'expected an interval above 0, like 1s').default(1000),
    /** Instances that die (stop keeping their lease alive) at a time. */
    stops: z.array(z.object({ at: durationSchema, instance: z.number().int().min(1) }).strict()).max(64, 'expected at most 64 stops').default([]),
    watchers: positiveInt(16).default(1),
  })
  .strict()
  .refine((discovery) => discovery.keepAliveEvery < discovery.ttl, { message: 'expected keepAliveEvery shorter than ttl, or every lease would expire', path: ['keepAliveEvery'] })

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
const linkChange = linkConditionsSchema.partial().extend({ from: nodeName, to: nodeName }).strict()

/**
 * Every fault the schedule (and the live injector) knows, by its key. Node faults take a target;
 * link faults name nodes. `at` is added by faultSchema.
 */
export const faultActionSchemas = {
  crash: faultTarget,
  restart: faultTarget,
  pause: faultTarget,
  resume: faultTarget,
  /** Groups that can talk only among themselves; a node in no group is cut off from all. */
  partition: z.array(z.array(nodeName).min(1, 'expected a non-empty group')).min(2, 'expected at least two groups'),
  /** Cuts one node off from all others (both directions); clients can still reach it. */
  isolate: faultTarget,
  /** Both directions between two nodes. */
  cut: nodePair,
  /** Only messages from the first node to the second are lost. */
  cutOneWay: nodePair,
  /** Removes every partition and cut; link conditions stay as they are. */
  heal: z.literal('all', { error: 'expected heal: all' }),
  /** New conditions for every link (merged into the current ones). */
  network: linkConditionsSchema.partial().strict(),
  /** New conditions for one directed link. */
  link: linkChange,
  /** The node's election timer fires now: it campaigns for the next term (Raft). */
  campaign: faultTarget,
  /** The node's clock runs at this rate (0.5: half speed); timers and leases depend on it. */
  clockSkew: z.object({ node: faultTarget, factor: z.number().min(0.1, 'expected a factor from 0.1 to 10').max(10, 'expected a factor from 0.1 to 10') }).strict(),
  /** The node starts (or stops, with behaviour: honest) lying. */
  byzantine: z.object({ node: faultTarget, behaviour: z.union([byzantineSchema, z.literal('honest')]) }).strict(),
  /** Adds this much latency to every fsync of a node (a slow or overloaded disk). */
  slowDisk: z.object({ node: faultTarget, ms: z.number().min(0, 'expected ms >= 0').max(slowDiskMsMax, `expected at most ${slowDiskMsMax} ms`) }).strict(),
} as const

export type FaultKind = keyof typeof faultActionSchemas
export const faultKinds = Object.keys(faultActionSchemas) as FaultKind[]
export type FaultAction = { [K in FaultKind]: { [P in K]: z.output<(typeof faultActionSchemas)[K]> } }[FaultKind]

/** The node a node fault aims at (a name or leader, follower, ...); undefined for link faults. */
export function nodeTargetOf(action: FaultAction): string | undefined {
  if ('crash' in action) return action.crash
  if ('restart' in action) return action.restart
  if ('pause' in action) return action.pause
  if ('resume' in action) return action.resume
  if ('campaign' in action) return action.campaign
  if ('isolate' in action) return action.isolate
  if ('clockSkew' in action) return action.clockSkew.node
  if ('slowDisk' in action) return action.slowDisk.node
  if ('byzantine' in action) return action.byzantine.node
  return undefined
}

/** Parses one action object ({crash: leader}, {cut: [A, B]}, ...) with errors at the right path. */
export function parseFaultAction(value: unknown, ctx: z.RefinementCtx, pathPrefix: (string | number)[] = []): FaultAction | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: `expected a fault like {at: 2s, crash: leader}, got ${describeValue(value)}`, path: pathPrefix })
    return undefined
  }
  const keys = Object.keys(value).filter((key) => key !== 'at')
  const unknown = keys.filter((key) => !(key in faultActionSchemas))
  if (unknown.length > 0 || keys.length !== 1) {
    const message =
      unknown.length > 0
        ? `unknown fault ${unknown.join(', ')}: expected one of ${faultKinds.join(', ')}`
        : `expected exactly one of ${faultKinds.join(', ')}${keys.length > 1 ? `, got ${keys.join(' and ')}` : ''}`
    ctx.addIssue({ code: 'custom', message, path: pathPrefix })
    return undefined
  }
  const kind = keys[0] as FaultKind
  const parsed = faultActionSchemas[kind].safeParse((value as Record<string, unknown>)[kind])
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: [...pathPrefix, kind, ...issue.path.map((part) => part as string | number)] })
    return undefined
  }
  return { [kind]: parsed.data } as FaultAction
}

export const faultSchema = z.unknown().transform((value, ctx) => {
  const at = durationSchema.safeParse((value as { at?: unknown } | null)?.at)
  if (!at.success) {
    ctx.addIssue({ code: 'custom', message: at.error.issues[0]?.message ?? 'expected a duration', path: ['at'] })
    return z.NEVER
  }
  const action = parseFaultAction(value, ctx)
  return action ? { at: at.data, ...action } : z.NEVER
})

/** Random faults drawn from the run's seed, each healed before the next and all before the end. */
export const nemesisSchema = z
  .object({
    /** Mean time between faults (exponential). */
    meanInterval: durationSchema.refine((ms) => ms > 0, 'expected an interval above 0, like 2s').default(2000),
    /** How long each fault lasts before it is healed. */
    faultDuration: durationSchema.refine((ms) => ms > 0, 'expected a duration above 0, like 1s').default(1000),
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
    faults: z.array(faultSchema).max(faultsMax, `expected at most ${faultsMax} faults`).default([]),
    nemesis: nemesisSchema.optional(),
    trace: traceSchema.default(traceSchema.parse({})),
  })
  .strict()

export type ExperimentInput = z.input<typeof experimentSchema>
export type ExperimentParsed = z.output<typeof experimentSchema>
export type FaultSpec = z.output<typeof faultSchema>
export type NemesisSpec = z.output<typeof nemesisSchema>

/** An experiment after validation and resolution: node names fixed, every default filled. */
export interface Experiment extends Omit<ExperimentParsed, 'cluster'> {
  cluster: Omit<ExperimentParsed['cluster'], 'nodes'> & { nodes: string[] }
}

export function defaultNodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => String.fromCharCode(65 + index))
}
