/** `npm run bench -- ...`: what the arguments mean, and one clear error for each bad one. */
import { describe, expect, it } from 'vitest'
import { parseBenchArgs } from '../../src-main/cli/bench-args.js'

function errorOf(...argv: string[]): string {
  const parsed = parseBenchArgs(argv)
  if (parsed.ok) throw new Error(`expected an error for ${argv.join(' ')}`)
  return parsed.error
}

describe('bench arguments', () => {
  it('defaults: 3 runs of 4 s after 1 s of warm-up, every configuration, no reference', () => {
    expect(parseBenchArgs(['raft'])).toEqual({ ok: true, args: { suite: 'raft', json: false, runs: 3, durationMs: 4000, warmupMs: 1000, vs: undefined, experimentsDir: undefined } })
  })

  it('--quick is one run of 1 s; --runs and --duration override it', () => {
    expect(parseBenchArgs(['raft', '--quick'])).toMatchObject({ ok: true, args: { runs: 1, durationMs: 1000 } })
    expect(parseBenchArgs(['--quick', 'raft', '--runs', '5', '--duration', '2s', '--warmup', '500ms'])).toMatchObject({ ok: true, args: { runs: 5, durationMs: 2000, warmupMs: 500 } })
  })

  it('--vs etcd with chosen configurations, and where to write their experiment files', () => {
    const parsed = parseBenchArgs(['raft', '--vs', 'etcd', '--nodes', '3', '--clients', '1,64', '--durability', 'fsync', '--experiments', 'out/exp', '--json'])
    expect(parsed).toEqual({
      ok: true,
      args: { suite: 'raft', json: true, runs: 3, durationMs: 4000, warmupMs: 1000, vs: 'etcd', nodes: [3], clients: [1, 64], durability: ['fsync'], experimentsDir: 'out/exp' },
    })
  })

  it('repeated list items count once', () => {
    expect(parseBenchArgs(['multiraft', '--groups', '1,8,8'])).toMatchObject({ ok: true, args: { groups: [1, 8] } })
  })

  it('refuses what it cannot run, saying what was expected', () => {
    expect(errorOf()).toBe('which suite?')
    expect(errorOf('rafts')).toBe('unknown suite rafts')
    expect(errorOf('raft', 'checker')).toBe('one suite at a time: got raft and checker')
    expect(errorOf('raft', '--fast')).toBe('unknown option --fast')
    expect(errorOf('raft', '--vs', 'zookeeper')).toBe('--vs needs one of etcd, got "zookeeper"')
    expect(errorOf('raft', '--vs')).toBe('--vs needs one of etcd, got nothing')
    expect(errorOf('multiraft', '--vs', 'etcd')).toBe('--vs etcd compares the raft suite (Raft against another Raft); multiraft has no counterpart')
    expect(errorOf('raft', '--runs', '0')).toBe('--runs needs a whole number from 1 to 50, got "0"')
    expect(errorOf('raft', '--runs', '2.5')).toBe('--runs needs a whole number from 1 to 50, got "2.5"')
    expect(errorOf('raft', '--duration', '4')).toBe('--duration needs a duration from 100ms to 10m, like 4s or 500ms, got "4"')
    expect(errorOf('raft', '--duration', '50ms')).toBe('--duration needs a duration from 100ms to 10m, like 4s or 500ms, got "50ms"')
    expect(errorOf('raft', '--clients', '1,,16')).toBe('--clients needs a comma-separated list of whole numbers from 1 to 1024, like 1,16,64, got "1,,16"')
    expect(errorOf('raft', '--nodes', '16')).toBe('--nodes needs a comma-separated list of whole numbers from 1 to 15, like 1,16,64, got "16"')
    expect(errorOf('raft', '--clients', '--json')).toBe('--clients needs a comma-separated list of whole numbers from 1 to 1024, like 1,16,64, got "--json"')
    expect(errorOf('raft', '--durability', 'sync')).toBe('--durability needs fsync, none or fsync,none, got "sync"')
    expect(errorOf('raft', '--experiments')).toBe('--experiments needs a directory')
    expect(errorOf('raft-vs-pbft', '--sim')).toBe('--sim runs the raft-vs-parallel-raft suite in the simulator; raft-vs-pbft runs on processes only')
  })
})

describe('bench profile arguments', () => {
  it('profile is a suite; its configuration is the first value of each list', () => {
    expect(parseBenchArgs(['profile', '--clients', '64', '--durability', 'none'])).toMatchObject({ ok: true, args: { suite: 'profile', clients: [64], durability: ['none'] } })
  })

  it('--protocol pbft profiles PBFT; Raft is the default, and no other suite takes it', () => {
    expect(parseBenchArgs(['profile', '--protocol', 'pbft', '--nodes', '7'])).toMatchObject({ ok: true, args: { suite: 'profile', protocol: 'pbft', nodes: [7] } })
    const raft = parseBenchArgs(['profile'])
    expect(raft.ok && raft.args.protocol).toBeUndefined()
    expect(parseBenchArgs(['profile', '--protocol', 'paxos'])).toEqual({ ok: false, error: '--protocol needs one of raft, pbft, primary-backup, parallel-raft, got "paxos"' })
    expect(parseBenchArgs(['raft-vs-pbft', '--protocol', 'pbft'])).toEqual({ ok: false, error: '--protocol chooses what the profile suite profiles; raft-vs-pbft runs its own protocols' })
  })
})

describe('bench --sim', () => {
  it('runs raft-vs-parallel-raft in the simulator; the process runs are the default', () => {
    expect(parseBenchArgs(['raft-vs-parallel-raft', '--sim', '--runs', '5'])).toMatchObject({ ok: true, args: { suite: 'raft-vs-parallel-raft', sim: true, runs: 5 } })
    const processes = parseBenchArgs(['raft-vs-parallel-raft'])
    expect(processes.ok && processes.args.sim).toBeFalsy()
  })
})
