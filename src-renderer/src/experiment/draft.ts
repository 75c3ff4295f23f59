/**
 * The experiment being edited lives as text (YAML or JSON). The topology editor and the form read a
 * lenient view of it and write back through the YAML document model, so comments and layout the
 * person wrote survive, and the text view and the canvas can never disagree.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml'
import { parseDurationMs } from '../../../src-main/api/duration'
import { firstYamlSyntaxError } from '../../../src-main/api/yaml-error'
import { clusterSchema, linkConditionsSchema, nodesMax, defaultNodeNames, type LinkConditions } from '../../../src-main/api/experiment'
import type { FieldError } from '../../../src-main/api/validate'

export const nodeNamePattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/
/** Fault targets that name a role rather than a node; a node with such a name would be ambiguous. */
const reservedNames = new Set(['leader', 'follower', 'minority', 'random', 'crashed', 'paused', 'all'])

const clusterDefaults = clusterSchema.parse({})
const networkDefaults = linkConditionsSchema.parse({})

export interface DraftView {
  /** Set when the text is not YAML at all; the canvas is read-only until it is fixed. */
  parseError?: { message: string; line: number }
  name: string
  description: string
  protocol: string
  nodes: string[]
  nodesForm: 'count' | 'list'
  cluster: {
    electionTimeoutMs: [number, number]
    heartbeatMs: number
    tickMs: number
    durability: string
    preVote: boolean
    checkQuorum: boolean
    readMode: string
    /** Raft §7: compact the log every this many applied entries (0: never). */
    snapshotEntries: number
    /** PBFT: Byzantine replicas to tolerate; absent means the most n allows. */
    f?: number
  }
  network: LinkConditions
  workload: { duration: string; clients: number; rate?: number; keys: number; get: number; put: number }
  /** Per-link conditions: faults `{at: 0s, link: {from, to, ...}}`, the lab's initial conditions for one directed link. */
  links: LinkOverride[]
}

/** The link conditions a link override may set. */
export const linkConditionKeys = ['delayMs', 'jitterMs', 'loss', 'duplicate', 'reorder'] as const
export type LinkConditionKey = (typeof linkConditionKeys)[number]

export interface LinkOverride {
  /** Index in `faults`, so errors at faults.<i>.link.* can be shown at the link. */
  faultIndex: number
  from: string
  to: string
  conditions: Partial<Record<LinkConditionKey, unknown>>
}

export type EditResult = { ok: true; text: string } | { ok: false; error: string }

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const numberOr = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) ? value : fallback)
const stringOr = (value: unknown, fallback: string) => (typeof value === 'string' ? value : fallback)
const booleanOr = (value: unknown, fallback: boolean) => (typeof value === 'boolean' ? value : fallback)

/** Reads what it can; wrong or missing values show their defaults (validation reports them). */
export function readDraft(text: string): DraftView {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { lineCounter, prettyErrors: false })
  const parseError = firstYamlSyntaxError(document, lineCounter)
  const js: unknown = parseError ? {} : document.toJS()
  const root = isRecord(js) ? js : {}
  const cluster = isRecord(root.cluster) ? root.cluster : {}
  const network = isRecord(root.network) ? root.network : {}
  const workload = isRecord(root.workload) ? root.workload : {}
  const mix = isRecord(workload.mix) ? workload.mix : {}
  const rawNodes = cluster.nodes
  const nodes = Array.isArray(rawNodes)
    ? rawNodes.map(String)
    : defaultNodeNames(Math.min(nodesMax, Math.max(0, Math.floor(numberOr(rawNodes, 3)))))
  const timeouts = Array.isArray(cluster.electionTimeoutMs) ? cluster.electionTimeoutMs : clusterDefaults.electionTimeoutMs
  return {
    parseError,
    name: stringOr(root.name, 'experiment'),
    description: stringOr(root.description, ''),
    protocol: stringOr(root.protocol, ''),
    nodes,
    nodesForm: Array.isArray(rawNodes) ? 'list' : 'count',
    cluster: {
      electionTimeoutMs: [numberOr(timeouts[0], clusterDefaults.electionTimeoutMs[0]), numberOr(timeouts[1], clusterDefaults.electionTimeoutMs[1])],
      heartbeatMs: numberOr(cluster.heartbeatMs, clusterDefaults.heartbeatMs),
      tickMs: numberOr(cluster.tickMs, clusterDefaults.tickMs),
      durability: stringOr(cluster.durability, clusterDefaults.durability),
      preVote: booleanOr(cluster.preVote, clusterDefaults.preVote),
      checkQuorum: booleanOr(cluster.checkQuorum, clusterDefaults.checkQuorum),
      readMode: stringOr(cluster.readMode, clusterDefaults.readMode),
      snapshotEntries: numberOr(cluster.snapshotEntries, clusterDefaults.snapshotEntries),
      f: typeof cluster.f === 'number' ? cluster.f : undefined,
    },
    network: {
      delayMs: numberOr(network.delayMs, networkDefaults.delayMs),
      jitterMs: numberOr(network.jitterMs, networkDefaults.jitterMs),
      loss: numberOr(network.loss, networkDefaults.loss),
      duplicate: numberOr(network.duplicate, networkDefaults.duplicate),
      reorder: numberOr(network.reorder, networkDefaults.reorder),
    },
    links: readLinkOverrides(root.faults),
    workload: {
      duration: typeof workload.duration === 'string' ? workload.duration : '10s',
      clients: numberOr(workload.clients, 1),
      rate: typeof workload.rate === 'number' ? workload.rate : undefined,
      keys: numberOr(workload.keys, 10),
      get: numberOr(mix.get, 0.5),
      put: numberOr(mix.put, 0.5),
    },
  }
}

/** Applies `change` to the parsed document; refuses text that is not YAML (nothing would be safe to change). */
export function editDraft(text: string, change: (document: Document) => string | void): EditResult {
  const document = parseDocument(text, { prettyErrors: false })
  if (document.errors.length > 0) return { ok: false, error: 'fixTextFirst' }
  if (document.contents === null) document.contents = document.createNode({}) as never
  if (!isMap(document.contents)) return { ok: false, error: 'fixTextFirst' }
  const error = change(document)
  if (typeof error === 'string') return { ok: false, error }
  return { ok: true, text: document.toString({ lineWidth: 0 }) }
}

/** Sets a value; lists of scalars are written in flow style ([150, 300]) to stay on one line. */
export function setIn(document: Document, path: (string | number)[], value: unknown): void {
  if (value === undefined) {
    document.deleteIn(path)
    return
  }
  const flow = Array.isArray(value) && value.every((item) => typeof item !== 'object')
  document.setIn(path, flow ? document.createNode(value, { flow: true }) : value)
}

export function setField(text: string, path: (string | number)[], value: unknown): EditResult {
  return editDraft(text, (document) => setIn(document, path, value))
}

/** The first unused of A..Z, then N16, N17, ... */
export function nextNodeName(existing: readonly string[]): string {
  const taken = new Set(existing)
  for (const name of defaultNodeNames(26)) if (!taken.has(name)) return name
  for (let i = existing.length + 1; ; i += 1) if (!taken.has(`N${i}`)) return `N${i}`
}

/** Why `name` cannot be the new name of `current` among `nodes`, as an i18n key; undefined when fine. */
export function nodeNameProblem(name: string, nodes: readonly string[], current?: string): string | undefined {
  if (name === current) return undefined
  if (!nodeNamePattern.test(name)) return 'nodeName.pattern'
  if (reservedNames.has(name.toLowerCase())) return 'nodeName.reserved'
  if (nodes.includes(name)) return 'nodeName.duplicate'
  return undefined
}

function currentNodes(document: Document): { names: string[]; form: 'count' | 'list' } {
  const raw = document.getIn(['cluster', 'nodes'])
  if (isSeq(raw)) return { names: raw.items.map((item) => String(isScalar(item) ? item.value : item)), form: 'list' }
  const count = isScalar(raw) && typeof raw.value === 'number' ? raw.value : typeof raw === 'number' ? raw : 3
  return { names: defaultNodeNames(Math.min(nodesMax, Math.max(0, count))), form: 'count' }
}

export function addNode(text: string): EditResult {
  return editDraft(text, (document) => {
    const { names, form } = currentNodes(document)
    if (names.length >= nodesMax) return 'nodes.max'
    if (form === 'count') setIn(document, ['cluster', 'nodes'], names.length + 1)
    else setIn(document, ['cluster', 'nodes'], [...names, nextNodeName(names)])
  })
}

export function removeNode(text: string, node: string): EditResult {
  return editDraft(text, (document) => {
    const { names } = currentNodes(document)
    if (names.length <= 1) return 'nodes.min'
    setIn(document, ['cluster', 'nodes'], names.filter((name) => name !== node))
    // Link conditions are the editor's own entries; those of a removed node go with it.
    deleteFaults(document, (fault) => isInitialLinkFault(fault, (from, to) => from === node || to === node))
  })
}

/** Renames the node and every fault that names it (crash: B, partition groups). */
export function renameNode(text: string, from: string, to: string): EditResult {
  return editDraft(text, (document) => {
    const { names } = currentNodes(document)
    const problem = nodeNameProblem(to, names, from)
    if (problem) return problem
    setIn(document, ['cluster', 'nodes'], names.map((name) => (name === from ? to : name)))
    const faults = document.get('faults', true)
    if (isSeq(faults)) for (const fault of faults.items) renameIn(fault as YamlNode, from, to)
  })
}

/** Renames every scalar naming `from` inside a fault, except its time. */
function renameIn(node: YamlNode | null, from: string, to: string): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isScalar(pair.key) && pair.key.value === 'at') continue
      const value = pair.value as YamlNode | null
      if (isScalar(value) && value.value === from) value.value = to
      else renameIn(value, from, to)
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      if (isScalar(item) && item.value === from) item.value = to
      else renameIn(item as YamlNode, from, to)
    }
  }
}

export function setNodeCount(text: string, count: number): EditResult {
  return editDraft(text, (document) => {
    if (!Number.isInteger(count) || count < 1) return 'nodes.min'
    if (count > nodesMax) return 'nodes.max'
    const { names, form } = currentNodes(document)
    if (form === 'count') setIn(document, ['cluster', 'nodes'], count)
    else {
      const next = names.slice(0, count)
      while (next.length < count) next.push(nextNodeName(next))
      setIn(document, ['cluster', 'nodes'], next)
    }
  })
}

const isInitial = (at: unknown) => (typeof at === 'string' ? parseDurationMs(at) === 0 : at === 0)

function readLinkOverrides(faults: unknown): LinkOverride[] {
  if (!Array.isArray(faults)) return []
  const out: LinkOverride[] = []
  faults.forEach((fault, faultIndex) => {
    if (!isRecord(fault) || !isInitial(fault.at) || !isRecord(fault.link)) return
    const { from, to, ...conditions } = fault.link
    if (typeof from === 'string' && typeof to === 'string') out.push({ faultIndex, from, to, conditions })
  })
  return out
}

/** Overrides on the link between a and b, in either direction. */
export function linkOverridesBetween(links: readonly LinkOverride[], a: string, b: string): LinkOverride[] {
  return links.filter((link) => (link.from === a && link.to === b) || (link.from === b && link.to === a))
}

function deleteFaults(document: Document, shouldDelete: (fault: YamlNode) => boolean): void {
  const faults = document.get('faults', true)
  if (!isSeq(faults)) return
  for (let i = faults.items.length - 1; i >= 0; i -= 1) if (shouldDelete(faults.items[i] as YamlNode)) faults.items.splice(i, 1)
}

function isInitialLinkFault(fault: YamlNode, touches: (from: unknown, to: unknown) => boolean): boolean {
  if (!isMap(fault)) return false
  const at = fault.get('at')
  const link = fault.get('link', true)
  return isInitial(at) && isMap(link) && touches(link.get('from'), link.get('to'))
}

/**
 * Sets the conditions of the link a <-> b in both directions, as two faults at 0 s; undefined (or
 * no condition) removes them, so the link follows `network` again.
 */
export function setLinkConditions(text: string, a: string, b: string, conditions: Partial<Record<LinkConditionKey, unknown>> | undefined): EditResult {
  return editDraft(text, (document) => {
    deleteFaults(document, (fault) => isInitialLinkFault(fault, (from, to) => (from === a && to === b) || (from === b && to === a)))
    const kept = Object.fromEntries(Object.entries(conditions ?? {}).filter(([, value]) => value !== undefined && value !== ''))
    if (Object.keys(kept).length === 0) return
    let faults = document.get('faults', true)
    if (!isSeq(faults) || (faults.flow && faults.items.length === 0)) {
      const existing = isSeq(faults) ? faults.items : []
      faults = document.createNode(existing) as typeof faults
      document.set('faults', faults)
    }
    for (const [from, to] of [[a, b], [b, a]]) {
      ;(faults as { items: unknown[] }).items.push(document.createNode({ at: '0s', link: { from, to, ...kept } }, { flow: true }))
    }
  })
}
export function pbftReplicasNeeded(f: number): number {
  return 3 * f + 1
}

export function pbftFaultsTolerated(n: number): number {
  return Math.max(0, Math.floor((n - 1) / 3))
}

/** Errors at a field or inside it (cluster.electionTimeoutMs also owns cluster.electionTimeoutMs.1). */
export function errorsAt(errors: readonly FieldError[], path: string): FieldError[] {
  return errors.filter((error) => error.path === path || error.path.startsWith(`${path}.`))
}

/** 1-based line of the field a FieldError names; the nearest existing parent when the field is absent. */
export function errorLine(text: string, path: string): number {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { lineCounter, prettyErrors: false })
  if (document.errors.length > 0 || path === '') return 1
  const segments = path.split('.').map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment))
  for (let depth = segments.length; depth > 0; depth -= 1) {
    const offset = keyOffset(document, segments.slice(0, depth))
    if (offset !== undefined) return lineCounter.linePos(offset).line
  }
  return 1
}

function keyOffset(document: Document, path: (string | number)[]): number | undefined {
  const parent = path.length === 1 ? document.contents : document.getIn(path.slice(0, -1), true)
  const last = path[path.length - 1]
  if (isMap(parent)) {
    const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === String(last))
    const key = pair?.key as YamlNode | undefined
    return key?.range?.[0]
  }
  if (isSeq(parent) && typeof last === 'number') return (parent.items[last] as YamlNode | undefined)?.range?.[0]
  return undefined
}
