/**
 * The replicated key-value state machine. Deterministic: the same command sequence gives the same
 * state and the same results on every replica. A chained hash of the applied sequence lets the
 * checker compare replicas cheaply (equal hash at index i ⇔ equal applied prefix, up to collisions).
 */
import type { Command, CommandResult } from '../protocols/types.js'
import { assertNever } from '../protocols/types.js'

/** Upper bound on entries returned by one range read, so a reply frame stays small. */
export const rangeEntriesMax = 10_000

export class KeyValueStore {
  private readonly data = new Map<string, string>()
  private hashHigh = 0
  private hashLow = 0
  appliedIndex = 0
  appliedTerm = 0
  /** Incremented by every mutation, as etcd's revision. */
  revision = 0

  apply(index: number, term: number, command: Command): CommandResult {
    if (index !== this.appliedIndex + 1) {
      throw new Error(`state machine applied out of order: got index ${index} after ${this.appliedIndex}`)
    }
    this.appliedIndex = index
    this.appliedTerm = term
    this.mixHash(term, command)
    return this.execute(command)
  }

  /** A read served outside the log (ReadIndex, lease or follower read): no index, no hash change. */
  read(command: Command): CommandResult {
    if (command.op !== 'get' && command.op !== 'range') throw new Error(`read path given a ${command.op}`)
    return this.execute(command)
  }

  get applyHash(): string {
    return (this.hashHigh >>> 0).toString(16).padStart(8, '0') + (this.hashLow >>> 0).toString(16).padStart(8, '0')
  }

  get size(): number {
    return this.data.size
  }

  /** Order-independent digest of the current contents, for comparing final states. */
  digest(): string {
    let high = 0
    let low = 0
    for (const [key, value] of this.data) {
      const [h, l] = hash64(`${key}\u0000${value}`)
      high = (high + h) | 0
      low = (low ^ l) | 0
    }
    return (high >>> 0).toString(16).padStart(8, '0') + (low >>> 0).toString(16).padStart(8, '0')
  }

  entries(): [string, string][] {
    return [...this.data]
  }

  private execute(command: Command): CommandResult {
    switch (command.op) {
      case 'put':
        this.data.set(command.key, command.value)
        this.revision += 1
        return { ok: true }
      case 'delete':
        if (this.data.delete(command.key)) this.revision += 1
        return { ok: true }
      case 'cas': {
        const current = this.data.get(command.key) ?? null
        if (current !== command.expected) return { ok: false, error: 'cas-mismatch', value: current }
        this.data.set(command.key, command.value)
        this.revision += 1
        return { ok: true }
      }
      case 'get':
        return { ok: true, value: this.data.get(command.key) ?? null }
      case 'range': {
        const entries: [string, string][] = []
        for (const [key, value] of this.data) {
          if (key.startsWith(command.prefix)) entries.push([key, value])
          if (entries.length >= rangeEntriesMax) break
        }
        entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        return { ok: true, entries }
      }
      case 'noop':
        return { ok: true }
      default:
        return assertNever(command, 'command')
    }
  }

  private mixHash(term: number, command: Command): void {
    const [high, low] = hash64(`${this.hashHigh}:${this.hashLow}:${term}:${commandKey(command)}`)
    this.hashHigh = high
    this.hashLow = low
  }
}

function commandKey(command: Command): string {
  switch (command.op) {
    case 'put':
      return `p\u0000${command.key}\u0000${command.value}`
    case 'delete':
      return `d\u0000${command.key}`
    case 'cas':
      return `c\u0000${command.key}\u0000${command.expected ?? '\u0001'}\u0000${command.value}`
    case 'get':
      return `g\u0000${command.key}`
    case 'range':
      return `r\u0000${command.prefix}`
    case 'noop':
      return 'n'
    default:
      return assertNever(command, 'command')
  }
}

/** cyrb53-style 64-bit string hash as two 32-bit halves; fast and well mixed, not cryptographic. */
export function hash64(text: string): [number, number] {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index)
    h1 = Math.imul(h1 ^ code, 2654435761)
    h2 = Math.imul(h2 ^ code, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return [h1 >>> 0, h2 >>> 0]
}
