/**
 * `lab simulate <protocol> [options]`: runs the deterministic simulator from the command line, one
 * seed (to replay a failure, step by step with --verbose) or a range of seeds (to hunt for one).
 *
 * Exit codes: 0 every seed passed; 1 a seed broke a property; 2 bad arguments.
 */
import { descriptorOf, protocolNames, type ProtocolName } from '../protocols/registry.js'
import { describeFailure, type SimResult } from './result.js'
import { faultProfiles, type FaultProfile } from './scenario.js'
import { safetyStepsDefault, simulate, type SimOptions } from './simulation.js'

export interface SimulateIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
}

export const simulateUsage = `usage: npm run lab -- simulate <${protocolNames.join('|')}> [options]
  --seed N              the seed to run (default 1); a failure prints the command that replays it
  --seeds A..B | --seeds N
                        run seeds A to B (or 1 to N); print each failure and a summary
  --mutation NAME       build the core with a deliberate bug (repeatable); raft: see --help
  --faults PROFILE      ${faultProfiles.join(' | ')} (default all)
  --steps N             steps of the safety phase (default ${safetyStepsDefault})
  --keep-going          do not stop at the first broken property: report the first break of each
  --membership          the nemesis also adds, promotes and removes nodes (raft)
  --verbose             print the scenario and every step (one seed)
  --json                print the result(s) as JSON`

/** A range of seeds runs at most this many, so a typo cannot start a day-long run. */
export const seedsPerCommandMax = 1_000_000

interface SimulateArgs {
  protocol: ProtocolName
  seeds: number[]
  mutations: string[]
  faults: FaultProfile
  stepsMax: number | undefined
  keepGoing: boolean
  membership: boolean
  verbose: boolean
  json: boolean
}

export async function runSimulateCommand(args: string[], io: SimulateIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`${simulateUsage}\n${mutationHelp()}\n`)
    return 0
  }
  const parsed = parseSimulateArgs(args)
  if (typeof parsed === 'string') {
    io.stderr(`lab simulate: ${parsed}\n${simulateUsage}\n`)
    return 2
  }
  try {
    return parsed.seeds.length === 1 ? runOne(parsed, io) : runMany(parsed, io)
  } catch (error) {
    // Bad options the simulator itself rejects (an unknown mutation, steps out of range).
    io.stderr(`lab simulate: ${(error as Error).message}\n`)
    return 2
  }
}

function optionsOf(args: SimulateArgs, seed: number, recordSteps: boolean): SimOptions {
  const options: SimOptions = { protocol: args.protocol, seed, mutations: args.mutations, faults: args.faults, recordSteps, keepGoing: args.keepGoing }
  if (args.membership) options.membership = true
  if (args.stepsMax !== undefined) options.stepsMax = args.stepsMax
  return options
}

function runOne(args: SimulateArgs, io: SimulateIo): number {
  const result = simulate(optionsOf(args, args.seeds[0], args.verbose))
  if (args.json) {
    io.stdout(`${JSON.stringify(result, null, 2)}\n`)
    return result.ok ? 0 : 1
  }
  if (args.verbose) {
    for (const line of result.scenario) io.stdout(`# ${line}\n`)
    for (const line of result.lines ?? []) io.stdout(`${line}\n`)
  }
  io.stdout(result.ok ? `${describePass(result)}\n` : `${describeFailure(result)}\n`)
  return result.ok ? 0 : 1
}

function runMany(args: SimulateArgs, io: SimulateIo): number {
  const failed: SimResult[] = []
  const started = performance.now()
  for (const seed of args.seeds) {
    const result = simulate(optionsOf(args, seed, false))
    if (result.ok) continue
    failed.push(result)
    if (args.json) io.stdout(`${JSON.stringify(result)}\n`)
    else io.stdout(`seed ${seed}: ${result.violation!.check}: ${result.violation!.detail}\n  replay: ${result.replay} --verbose\n`)
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  const range = `seeds ${args.seeds[0]}..${args.seeds[args.seeds.length - 1]}`
  io.stderr(`${args.protocol} ${range}: ${args.seeds.length - failed.length} passed, ${failed.length} failed (${seconds} s)\n`)
  return failed.length === 0 ? 0 : 1
}

export function describePass(result: SimResult): string {
  const { ok, fail, info } = result.clients
  const virtualSeconds = (result.timeUs / 1e6).toFixed(2)
  const lines = [
    `${result.protocol} seed ${result.seed}: passed (${result.steps} steps, ${virtualSeconds} s virtual, ` +
      `${ok + fail + info} client ops: ${ok} ok, ${fail} fail, ${info} info; ${result.committedIndex} entries committed; linearizable)`,
    ...result.scenario.map((line) => `  ${line}`),
    `  trace hash ${result.traceHash}`,
  ]
  return lines.join('\n')
}

function mutationHelp(): string {
  return protocolNames
    .map((name) => {
      const mutations = descriptorOf(name).mutations
      return `  mutations for ${name}: ${mutations.length > 0 ? mutations.join(', ') : 'none'}`
    })
    .join('\n')
}

/** The arguments, or an error message naming what is wrong. */
export function parseSimulateArgs(args: readonly string[]): SimulateArgs | string {
  const [protocol, ...rest] = args
  if (protocol === undefined || protocol.startsWith('--')) return 'name the protocol to simulate first'
  if (!(protocolNames as readonly string[]).includes(protocol)) return `unknown protocol ${JSON.stringify(protocol)} (expected ${protocolNames.join(', ')})`
  const parsed: SimulateArgs = { protocol: protocol as ProtocolName, seeds: [1], mutations: [], faults: 'all', stepsMax: undefined, keepGoing: false, membership: false, verbose: false, json: false }
  for (let index = 0; index < rest.length; index += 1) {
    const flag = rest[index]
    const value = rest[index + 1]
    const error = applyFlag(parsed, flag, value)
    if (error !== undefined) return error
    if (takesValue(flag)) index += 1
  }
  return parsed
}

function takesValue(flag: string): boolean {
  return flag === '--seed' || flag === '--seeds' || flag === '--mutation' || flag === '--faults' || flag === '--steps'
}

function applyFlag(parsed: SimulateArgs, flag: string, value: string | undefined): string | undefined {
  if (takesValue(flag) && (value === undefined || value.startsWith('--'))) return `${flag} needs a value`
  switch (flag) {
    case '--seed': {
      const seed = wholeNumber(value!)
      if (seed === undefined) return `--seed must be a whole number, got ${JSON.stringify(value)}`
      parsed.seeds = [seed]
      return undefined
    }
    case '--seeds': {
      const seeds = seedRange(value!)
      if (typeof seeds === 'string') return seeds
      parsed.seeds = seeds
      return undefined
    }
    case '--mutation':
      parsed.mutations.push(value!)
      return undefined
    case '--faults':
      if (!(faultProfiles as readonly string[]).includes(value!)) return `--faults must be one of ${faultProfiles.join(', ')}, got ${JSON.stringify(value)}`
      parsed.faults = value as FaultProfile
      return undefined
    case '--steps': {
      const steps = wholeNumber(value!)
      if (steps === undefined) return `--steps must be a whole number, got ${JSON.stringify(value)}`
      parsed.stepsMax = steps
      return undefined
    }
    case '--keep-going':
      parsed.keepGoing = true
      return undefined
    case '--membership':
      parsed.membership = true
      return undefined
    case '--verbose':
      parsed.verbose = true
      return undefined
    case '--json':
      parsed.json = true
      return undefined
    default:
      return `unknown option ${JSON.stringify(flag)}`
  }
}

function seedRange(text: string): number[] | string {
  const match = /^(\d+)(?:\.\.(\d+))?$/.exec(text)
  const error = `--seeds must be A..B or N (seeds 1..N), got ${JSON.stringify(text)}`
  if (match === null) return error
  const low = match[2] === undefined ? 1 : Number(match[1])
  const high = Number(match[2] ?? match[1])
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || high < low) return error
  if (high - low + 1 > seedsPerCommandMax) return `--seeds covers ${high - low + 1} seeds; at most ${seedsPerCommandMax} per command`
  return Array.from({ length: high - low + 1 }, (_, offset) => low + offset)
}

function wholeNumber(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined
  const value = Number(text)
  return Number.isSafeInteger(value) ? value : undefined
}
