/** The injector's behaviour: which actions a node allows now, the partition being drawn, and what was injected. */
import { computed, ref } from 'vue'
import { storeToRefs } from 'pinia'
import type { Fault, NodeLiveStatus } from '../../../src-main/api/lab-api'
import type { FaultNote } from '../../../src-main/api/fault-text'
import { injectorActionsFor, membershipUnavailable, nodesMax } from '../../../src-main/api/experiment'
import { useRunStore } from '../stores/run'
import { useThrottledVersion } from './useThrottledVersion'
import type { NodeBadge } from '../components/topology/layout'

export type NodeAction = 'crash' | 'restart' | 'pause' | 'resume' | 'isolate' | 'campaign'
export const nodeActions: NodeAction[] = ['crash', 'restart', 'pause', 'resume', 'isolate', 'campaign']
/** The injector remembers this many of its last actions. */
export const injectedLogMax = 8

/** What makes sense for a process in this state; the lab still has the final word. */
export function allowedActions(process: NodeLiveStatus['process'] | undefined, protocol = 'raft'): Set<NodeAction> {
  switch (process) {
    case 'up':
      // campaign fires an election timer: only a protocol whose descriptor has one offers it
      return new Set(injectorActionsFor(protocol).includes('campaign') ? ['crash', 'pause', 'isolate', 'campaign'] : ['crash', 'pause', 'isolate'])
    case 'paused':
      return new Set(['resume', 'crash'])
    case 'crashed':
    case 'exited':
      return new Set(['restart'])
    default:
      return new Set()
  }
}

export function actionFor(action: NodeAction, node: string): Fault {
  return { kind: action, target: node }
}

/** Groups in node order, empty groups dropped: {A:0,B:0,C:1} -> [[A,B],[C]]. */
export function partitionGroups(nodes: readonly string[], groupOf: Record<string, number>): string[][] {
  const groups = new Map<number, string[]>()
  for (const node of nodes) {
    const group = groupOf[node] ?? 0
    groups.set(group, [...(groups.get(group) ?? []), node])
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, members]) => members)
}

/**
 * The name an added node gets: the next letter after single-letter names (A, B, C -> D), else the
 * first free `N<k>`. `taken` holds every name the run ever had (a removed node's name stays used).
 */
export function nextNodeName(taken: readonly string[]): string {
  const used = new Set(taken)
  if (taken.every((name) => /^[A-Z]$/.test(name))) {
    for (let code = 'A'.charCodeAt(0); code <= 'Z'.charCodeAt(0); code += 1) if (!used.has(String.fromCharCode(code))) return String.fromCharCode(code)
  }
  for (let k = taken.length + 1; ; k += 1) if (!used.has(`N${k}`)) return `N${k}`
}

/** What the membership actions may do now, and why not (an i18n key with its values) where they may not. */
export interface MembershipChoices {
  /** Why this run takes no membership change at all, or undefined. */
  unavailable?: { protocol: string }
  /** The name "Add node" gives, or undefined when the cluster is full. */
  addName?: string
  /** The selected node, if it is a learner (to promote). */
  promotable?: string
  /** The selected node, if it is still a member (to remove). */
  removable?: string
}

export function membershipChoices(protocol: string, groups: number, nodes: readonly string[], status: Record<string, NodeBadge>, selected: string | undefined): MembershipChoices {
  const unavailable = membershipUnavailable(protocol, groups)
  if (unavailable !== undefined) return { unavailable }
  const members = nodes.filter((node) => status[node]?.member !== 'removed')
  const badge = selected === undefined ? undefined : status[selected]
  return {
    ...(members.length < nodesMax ? { addName: nextNodeName(nodes) } : {}),
    ...(badge?.member === 'learner' ? { promotable: selected } : {}),
    ...(badge !== undefined && badge.member !== undefined && badge.member !== 'removed' ? { removable: selected } : {}),
  }
}

export function useFaultInjector() {
  const run = useRunStore()
  const { live, version: frameVersion, phase, experiment } = storeToRefs(run)
  /** The canvas and the buttons follow the cluster a few times a second, not at every frame. */
  const version = useThrottledVersion(frameVersion, 250)
  const selected = ref<string>()
  const selectedLink = ref<[string, string]>()
  const partitioning = ref(false)
  const groupOf = ref<Record<string, number>>({})
  const busy = ref(false)
  /** `detail`: what the lab said of how a fault was carried out (a leader's removal: handed over or not). */
  /** `notes`: `detail` (or a refusal's `message`) as values, which the page says in Korean (api/fault-text.ts). */
  const log = ref<{ at: number; label: string; ok: boolean; message: string; detail?: string; notes?: FaultNote[] }[]>([])

  const nodes = computed(() => {
    void version.value
    return live.value?.nodes.slice() ?? []
  })
  const status = computed<Record<string, NodeBadge>>(() => {
    void version.value
    const current = live.value
    const out: Record<string, NodeBadge> = {}
    for (const node of current?.latest ?? []) {
      out[node.node] = { role: node.role, process: node.process, term: node.term, leader: node.node === current?.leader, ...(node.member === undefined ? {} : { member: node.member }) }
    }
    return out
  })
  /** Links cut in at least one direction as the lab applied them, "A|B" (names sorted), for the canvas. */
  const cut = computed(() => {
    void version.value
    return [...new Set((live.value?.cutLinks ?? []).map((pair) => [...pair].sort().join('|')))]
  })
  const leader = computed(() => {
    void version.value
    return live.value?.leader
  })
  const canInject = computed(() => phase.value === 'running' && !busy.value)
  // A removed node is gone for good: nothing more happens to it.
  const allowed = computed(() => (selected.value && status.value[selected.value]?.member === 'removed' ? new Set<NodeAction>() : allowedActions(selected.value ? status.value[selected.value]?.process : undefined, experiment.value?.protocol)))

  async function inject(fault: Fault, label: string): Promise<void> {
    busy.value = true
    try {
      const result = await run.inject(fault)
      const entry = {
        at: result.atMs ?? live.value?.now ?? 0,
        label,
        ok: result.ok,
        message: result.ok ? result.targets.join(', ') : result.error,
        ...(result.ok && result.detail !== undefined ? { detail: result.detail } : {}),
        ...(result.notes === undefined ? {} : { notes: result.notes }),
      }
      log.value = [entry, ...log.value].slice(0, injectedLogMax)
    } finally {
      busy.value = false
    }
  }

  function cycleGroup(node: string): void {
    groupOf.value = { ...groupOf.value, [node]: ((groupOf.value[node] ?? 0) + 1) % 3 }
  }
  function isolate(node: string): void {
    groupOf.value = Object.fromEntries(nodes.value.map((name) => [name, name === node ? 1 : 0]))
  }
  function splitMinority(): void {
    const half = Math.floor(nodes.value.length / 2)
    groupOf.value = Object.fromEntries(nodes.value.map((name, i) => [name, i < half ? 1 : 0]))
  }
  const groups = computed(() => partitionGroups(nodes.value, groupOf.value))
  const membership = computed(() => membershipChoices(experiment.value?.protocol ?? 'raft', experiment.value?.cluster.groups ?? 1, nodes.value, status.value, selected.value))

  return { selected, selectedLink, partitioning, groupOf, groups, busy, log, nodes, status, cut, leader, canInject, allowed, membership, inject, cycleGroup, isolate, splitMinority }
}
