/**
 * "A peer that sends an impossible message is logged and ignored; it never throws a replica out."
 * A Byzantine replica sends an honest core real protocol messages mutated at random (fields
 * replaced by values of other types, huge, negative or fractional numbers, missing or extra fields,
 * deep nesting, other senders), most of them correctly MACed so they get past authentication.
 * The honest core must never throw; its own invariants are asserted after each of these steps.
 *
 * Replay one seed:  PBFT_FUZZ_SEED=<seed> npx vitest run test/protocols/pbft/fuzz.test.ts
 * More seeds:       PBFT_FUZZ_SEEDS=<count> npx vitest run test/protocols/pbft/fuzz.test.ts
 */
import { describe, expect, it } from 'vitest'
import { randomInt, seededRandom } from '../../../src-main/protocols/common/random.js'
import { sign } from '../../../src-main/protocols/pbft/auth.js'
import type { PbftMessage, Unsigned } from '../../../src-main/protocols/pbft/types.js'
import type { Random } from '../../../src-main/protocols/types.js'
import { ClosedLoopClients, Cluster, fastTestCrypto } from './harness.js'
import type { Envelope } from './harness.js'

const seedCount = Number(process.env.PBFT_FUZZ_SEEDS ?? 8)
const seeds = process.env.PBFT_FUZZ_SEED ? [Number(process.env.PBFT_FUZZ_SEED)] : Array.from({ length: seedCount }, (_, index) => index + 1)
const messagesPerSeed = 1500
const replay = (seed: number): string => `PBFT_FUZZ_SEED=${seed} npx vitest run test/protocols/pbft/fuzz.test.ts`

const pick = <T>(random: Random, items: readonly T[]): T => items[randomInt(random, 0, items.length - 1)]

function deepNest(depth: number): unknown {
  let value: unknown = 'bottom'
  for (let level = 0; level < depth; level += 1) value = level % 2 === 0 ? [value] : { inner: value }
  return value
}

/** A value of some other kind than what the protocol expects. */
function oddValue(random: Random, members: readonly string[]): unknown {
  const choices: (() => unknown)[] = [
    () => -randomInt(random, 1, 1000),
    () => randomInt(random, 0, 3) + 0.5,
    () => Number.MAX_SAFE_INTEGER - randomInt(random, 0, 3),
    () => 2 ** 60,
    () => Number.NaN,
    () => Number.POSITIVE_INFINITY,
    () => 0,
    () => randomInt(random, 0, 40),
    () => '',
    () => 'x'.repeat(randomInt(random, 1, 64)),
    () => pick(random, members),
    () => null,
    () => undefined,
    () => true,
    () => [],
    () => [randomInt(random, 0, 9), 'a', null],
    () => ({}),
    () => ({ type: 'Prepare', view: 0, seq: 1 }),
    () => deepNest(randomInt(random, 50, 20_000)),
    () => Array.from({ length: randomInt(random, 100, 3000) }, (_, index) => index),
  ]
  return pick(random, choices)()
}

const leaf = (random: Random, value: unknown, members: readonly string[]): unknown =>
  random() < 0.6 ? plausibleValue(random, value, members) : oddValue(random, members)

/** A value of the same kind that the protocol does not expect here: a neighbouring or far-off number, another name. */
function plausibleValue(random: Random, value: unknown, members: readonly string[]): unknown {
  if (typeof value === 'number') {
    return pick(random, [0, 1, value + 1, Math.max(0, value - 1), value + randomInt(random, 2, 200), Number.MAX_SAFE_INTEGER, 2 ** 31])
  }
  if (typeof value === 'string') return pick(random, [...members, 'mallory', value.slice(1), `${value}x`, ''])
  if (typeof value === 'boolean') return !value
  if (Array.isArray(value)) return random() < 0.5 ? [...value, ...value] : value.slice(0, randomInt(random, 0, value.length))
  return oddValue(random, members)
}

/** Replaces, deletes or adds one field somewhere in the message (nested objects and arrays included). */
function mutate(random: Random, value: unknown, members: readonly string[], depth = 0): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0 || random() < 0.2) return random() < 0.5 ? [...value, oddValue(random, members)] : value.slice(1)
    const index = randomInt(random, 0, value.length - 1)
    const copy = [...value]
    copy[index] = depth < 6 && random() < 0.6 ? mutate(random, copy[index], members, depth + 1) : leaf(random, copy[index], members)
    return copy
  }
  if (typeof value !== 'object' || value === null) return leaf(random, value, members)
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) }
  const keys = Object.keys(copy).filter((key) => key !== 'auth')
  const roll = random()
  if (roll < 0.1) copy[pick(random, ['extra', '__proto__', 'constructor', 'toString', 'hasOwnProperty'])] = oddValue(random, members)
  else if (roll < 0.2 && keys.length > 0) delete copy[pick(random, keys)]
  else if (keys.length > 0) {
    const key = pick(random, keys)
    copy[key] = depth < 6 && random() < 0.5 ? mutate(random, copy[key], members, depth + 1) : leaf(random, copy[key], members)
  }
  return copy
}

function printable(message: unknown): string {
  try {
    const shorten = (_key: string, value: unknown): unknown => (typeof value === 'string' && value.length > 80 ? `${value.slice(0, 80)}...` : value)
    return (JSON.stringify(message, shorten) ?? String(message)).slice(0, 600)
  } catch (error) {
    return `(not printable: ${(error as Error).message})`
  }
}

/** Signs as the liar when the body can be signed at all (a body too deep to encode goes out as it is). */
function asLiar(random: Random, cluster: Cluster, liar: string, body: Record<string, unknown>): unknown {
  const replica = random() < 0.85 ? liar : random() < 0.5 ? pick(random, cluster.members) : 'mallory'
  const { auth: _auth, ...rest } = body
  const unsigned = { ...rest, replica }
  if (random() < 0.15) return { ...unsigned, auth: cluster.members.map(() => 'garbage') }
  try {
    return sign(cluster.crypto, cluster.members, unsigned as unknown as Unsigned<PbftMessage>)
  } catch {
    return { ...unsigned, auth: cluster.members.map(() => '') }
  }
}

describe(`PBFT never throws on what a Byzantine peer sends (${seeds.length} seeds; replay one with PBFT_FUZZ_SEED=<seed>)`, () => {
  it.each(seeds)('seed %i: mutated, re-MACed messages from a liar leave the honest core standing', (seed) => {
    const random = seededRandom(seed, 'pbft-fuzz')
    const n = random() < 0.7 ? 4 : 7
    const members = Array.from({ length: n }, (_, index) => `R${index}`)
    const liar = pick(random, members)
    const target = pick(random, members.filter((id) => id !== liar))
    const cluster = new Cluster({ n, crypto: fastTestCrypto(members), byzantine: { [liar]: 'silent' } })
    const clients = new ClosedLoopClients(cluster, 2, 40, 25)
    const corpus: Envelope[] = []
    cluster.dropIf = (envelope) => {
      if (corpus.length < 4000) corpus.push(envelope)
      // The target sometimes misses messages, so it also lags, changes views and catches up.
      return envelope.to === target && random() < 0.2
    }
    let fuzzed = 0
    for (let round = 0; fuzzed < messagesPerSeed && round < 20_000; round += 1) {
      clients.advance()
      cluster.tick()
      cluster.deliverAll()
      if (corpus.length === 0) continue
      for (let index = 0; index < 8 && fuzzed < messagesPerSeed; index += 1, fuzzed += 1) {
        const original = pick(random, corpus).message
        const mutated = mutate(random, original, members) as Record<string, unknown>
        const message = (typeof mutated === 'object' && mutated !== null && !Array.isArray(mutated) ? asLiar(random, cluster, liar, mutated) : mutated) as PbftMessage
        try {
          cluster.step(target, { kind: 'message', from: liar, message })
        } catch (error) {
          throw new Error(`${target} threw on a message from ${liar}: ${(error as Error).stack?.split('\n').slice(0, 4).join(' | ')}\nmessage: ${printable(message)}\nreplay: ${replay(seed)}`)
        }
      }
    }
    expect(fuzzed).toBe(messagesPerSeed)
    // Most mutations are caught by the shape check, but a good share passes it and authentication
    // and reaches the protocol itself (that is where a throw would hide).
    const refused = ['malformed', 'auth-failed', 'message from non-member'].reduce((sum, prefix) => sum + cluster.notes(target, prefix).length, 0)
    expect(refused).toBeGreaterThan(messagesPerSeed / 10)
    expect(messagesPerSeed - refused, 'messages that reached the protocol').toBeGreaterThan(messagesPerSeed / 5)
  })
})
