/**
 * `npm run bench -- <suite> [options]`: the arguments, parsed without side effects (tested alone).
 */
import { parseDurationMs } from '../api/duration-text.js'
import { protocolNames, type ProtocolName } from '../protocols/registry.js'

export const benchSuites = ['raft', 'raft-vs-pbft', 'raft-vs-parallel-raft', 'multiraft', 'checker', 'profile', 'pbft-core'] as const
export type BenchSuite = (typeof benchSuites)[number]
export const referenceSystems = ['etcd'] as const
export type ReferenceSystem = (typeof referenceSystems)[number]

export interface BenchArgs {
  suite: BenchSuite
  json: boolean
  /** Runs of each configuration; the tables show medians. */
  runs: number
  /** Measured time of each run, after the warm-up. */
  durationMs: number
  warmupMs: number
  /** The reference system run beside ours, configuration by configuration. */
  vs?: ReferenceSystem
  nodes?: number[]
  clients?: number[]
  durability?: ('fsync' | 'none')[]
  groups?: number[]
  /** Where to write each configuration's experiment file (what `lab run` of that row runs). */
  experimentsDir?: string
  /** raft-vs-parallel-raft: the same shapes in the simulator (virtual time) instead of on processes. */
  sim?: boolean
  /** profile: the protocol profiled (Raft from the leader's own timestamps, the others from the run's trace). */
  protocol?: ProtocolName
}

export const benchUsage = `usage: npm run bench -- <${benchSuites.join(' | ')}> [options]
  raft          Raft, 3 and 5 nodes x 1/16/64 closed-loop writers x fsync/none
  raft-vs-pbft  Raft (3, 5) against PBFT (4, 7), fsync and none (each against Raft of its own)
                (--nodes 3 or 4: the f = 1 pair only; 5 or 7: the f = 2 pair)
  raft-vs-parallel-raft
                Raft against ParallelRaft, 3 nodes, fsync, 16/64 writers, on clean links, on
                links that lose 5% and jitter by 20 ms, and on a jittery disk (0..10 ms more per
                fsync on every node): where out-of-order acks should win;
                with --sim, the same experiments in the simulator: virtual time, the network and
                a modelled fsync (1 ms) the only costs, each run checked; seconds, any machine
  multiraft     3 nodes, 64 writers, 1/2/4/8 Raft groups on the same processes
  checker       the linearizability checker on 100,000-operation histories
  profile       one Raft configuration (default 3 nodes, 1 writer, fsync): each operation's latency
                split into client hop, batching, persist, replicate, apply wait, apply, reply hop
                from the leader's own timestamps; medians (first value of each list option);
                --protocol pbft (or another): that protocol's configuration (default f = 1), split
                by the run's own trace (PBFT: request, pre-prepare, prepare quorum, commit quorum,
                execute, replies); a protocol whose trace has no such steps says so
  pbft-core     PBFT's cores alone in one process (4 and 7 replicas, or --nodes), one writer,
                messages through the wire's frames: CPU per operation of the protocol itself,
                without sockets, WAL or trace; steady under load, unlike a real run's
options:
  --quick               1 run of 1 s per configuration (default: 3 runs of 4 s)
  --runs N              runs per configuration (the tables show medians)
  --duration D          measured time of each run, e.g. 4s (after --warmup, default 1s)
  --warmup D            time before measuring starts (the first election is in it)
  --vs etcd             run a 3-member etcd on loopback beside each configuration, the same
                        workload through etcd's own client; prints both and the ratios
  --nodes 3,5  --clients 1,16,64  --durability fsync,none  --groups 1,2,4,8
                        only these configurations
  --experiments DIR     write each configuration's experiment file there: \`npm run lab -- run\`
                        of that file is the same run as the bench's row
  --sim                 raft-vs-parallel-raft only: run the shapes in the simulator (--runs seeds)
  --protocol NAME       profile only: the protocol profiled (default raft)
  --json                rows as JSON on stdout`

export type ParsedBenchArgs = { ok: true; args: BenchArgs } | { ok: false; error: string }

/** A bound on every list and count: a bench is a few minutes, not a day. */
export const benchRunsMax = 50
const listMax = 16

export function parseBenchArgs(argv: readonly string[]): ParsedBenchArgs {
  let suite: BenchSuite | undefined
  let quick = false
  let json = false
  let sim = false
  let runs: number | undefined
  let durationMs: number | undefined
  let warmupMs: number | undefined
  let vs: ReferenceSystem | undefined
  let protocol: ProtocolName | undefined
  const lists: Pick<BenchArgs, 'nodes' | 'clients' | 'durability' | 'groups'> = {}
  let experimentsDir: string | undefined
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!
    const value = (): string | undefined => argv[++index]
    switch (arg) {
      case '--quick':
        quick = true
        break
      case '--json':
        json = true
        break
      case '--sim':
        sim = true
        break
      case '--runs': {
        const text = value()
        runs = Number(text)
        if (!Number.isInteger(runs) || runs < 1 || runs > benchRunsMax) return { ok: false, error: `--runs needs a whole number from 1 to ${benchRunsMax}, got ${describe(text)}` }
        break
      }
      case '--duration':
      case '--warmup': {
        const text = value()
        const ms = text === undefined ? undefined : parseDurationMs(text)
        const least = arg === '--duration' ? 100 : 0
        if (ms === undefined || ms < least || ms > 600_000) return { ok: false, error: `${arg} needs a duration from ${least}ms to 10m, like 4s or 500ms, got ${describe(text)}` }
        if (arg === '--duration') durationMs = ms
        else warmupMs = ms
        break
      }
      case '--vs': {
        const text = value()
        if (!(referenceSystems as readonly string[]).includes(text ?? '')) return { ok: false, error: `--vs needs one of ${referenceSystems.join(', ')}, got ${describe(text)}` }
        vs = text as ReferenceSystem
        break
      }
      case '--protocol': {
        const text = value()
        if (!(protocolNames as readonly string[]).includes(text ?? '')) return { ok: false, error: `--protocol needs one of ${protocolNames.join(', ')}, got ${describe(text)}` }
        protocol = text as ProtocolName
        break
      }
      case '--nodes':
      case '--clients':
      case '--groups': {
        const text = value()
        const bounds = arg === '--nodes' ? [1, 15] : arg === '--clients' ? [1, 1024] : [1, 64]
        const numbers = parseList(text, (item) => {
          const number = Number(item)
          return Number.isInteger(number) && number >= bounds[0]! && number <= bounds[1]! ? number : undefined
        })
        if (numbers === undefined) return { ok: false, error: `${arg} needs a comma-separated list of whole numbers from ${bounds[0]} to ${bounds[1]}, like 1,16,64, got ${describe(text)}` }
        lists[arg.slice(2) as 'nodes' | 'clients' | 'groups'] = numbers
        break
      }
      case '--durability': {
        const text = value()
        const modes = parseList(text, (item) => (item === 'fsync' || item === 'none' ? item : undefined))
        if (modes === undefined) return { ok: false, error: `--durability needs fsync, none or fsync,none, got ${describe(text)}` }
        lists.durability = modes
        break
      }
      case '--experiments': {
        const text = value()
        if (text === undefined || text.startsWith('--')) return { ok: false, error: '--experiments needs a directory' }
        experimentsDir = text
        break
      }
      default:
        if (arg.startsWith('-')) return { ok: false, error: `unknown option ${arg}` }
        if (suite !== undefined) return { ok: false, error: `one suite at a time: got ${suite} and ${arg}` }
        if (!(benchSuites as readonly string[]).includes(arg)) return { ok: false, error: `unknown suite ${arg}` }
        suite = arg as BenchSuite
    }
  }
  if (suite === undefined) return { ok: false, error: 'which suite?' }
  if (sim && suite !== 'raft-vs-parallel-raft') return { ok: false, error: `--sim runs the raft-vs-parallel-raft suite in the simulator; ${suite} runs on processes only` }
  if (protocol !== undefined && suite !== 'profile') return { ok: false, error: `--protocol chooses what the profile suite profiles; ${suite} runs its own protocols` }
  if (vs !== undefined && suite !== 'raft') return { ok: false, error: `--vs ${vs} compares the raft suite (Raft against another Raft); ${suite} has no counterpart` }
  return {
    ok: true,
    args: {
      suite,
      json,
      runs: runs ?? (quick ? 1 : 3),
      durationMs: durationMs ?? (quick ? 1000 : 4000),
      warmupMs: warmupMs ?? 1000,
      vs,
      ...lists,
      experimentsDir,
      ...(sim ? { sim } : {}),
      ...(protocol ? { protocol } : {}),
    },
  }
}

function parseList<T>(text: string | undefined, item: (text: string) => T | undefined): T[] | undefined {
  if (text === undefined || text.startsWith('--')) return undefined
  const items = text.split(',').map((part) => item(part.trim()))
  if (items.length === 0 || items.length > listMax || items.some((value) => value === undefined)) return undefined
  return [...new Set(items as T[])]
}

function describe(text: string | undefined): string {
  return text === undefined ? 'nothing' : JSON.stringify(text)
}
