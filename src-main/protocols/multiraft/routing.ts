/**
 * Which group owns a key. Shared by the replicas (to route a proposal) and the clients (to find the
 * group's leader), so both always agree.
 *   hash:  FNV-1a of the key, modulo the group count: keys spread evenly, ranges scatter.
 *   range: sorted split points; group i owns the keys from splits[i-1] up to splits[i]. A prefix
 *          stays together, so a range read touches one group.
 */
import { hashString } from '../common/random.js'

export type KeyRouting = { kind: 'hash' } | { kind: 'range'; splits: string[] }

export function groupOfKey(key: string, groups: number, routing: KeyRouting): number {
  if (groups <= 1) return 0
  if (routing.kind === 'hash') return hashString(key) % groups
  let group = 0
  while (group < routing.splits.length && key >= routing.splits[group]!) group += 1
  return Math.min(group, groups - 1)
}
