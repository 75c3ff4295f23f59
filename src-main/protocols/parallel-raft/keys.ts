/**
 * What a command touches, as ParallelRaft's look-behind buffer records it (PolarFS §4.1 records the
 * LBAs a write covers; a key-value store records keys). Two entries conflict when they touch a
 * common key: only then does their order matter, so only then must they be applied in log order.
 */
import { assertNever } from '../types.js'
import type { Command } from '../types.js'

/**
 * The keys a command reads or writes, or 'all' when it may touch any key: a range reads a whole
 * prefix and a lease's grant, keepalive or revoke may delete every key attached to it, so they
 * order against everything (a barrier). A noop touches nothing.
 */
export type TouchedKeys = readonly string[] | 'all'

export function keysOf(command: Command): TouchedKeys {
  switch (command.op) {
    case 'put':
      // A put attached to a lease is deleted when the lease goes: it orders against lease commands,
      // which are barriers already.
      return [command.key]
    case 'delete':
    case 'cas':
    case 'get':
      return [command.key]
    case 'noop':
      return []
    case 'range':
    case 'lease-grant':
    case 'lease-keepalive':
    case 'lease-revoke':
      return 'all'
    default:
      return assertNever(command, 'command')
  }
}

export function keysConflict(first: TouchedKeys, second: TouchedKeys): boolean {
  if (first === 'all') return second === 'all' || second.length > 0
  if (second === 'all') return first.length > 0
  return first.some((key) => second.includes(key))
}
