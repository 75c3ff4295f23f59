/**
 * `lab simulate`: a failure prints the command that replays it, and that command replays it exactly;
 * bad arguments get a clear message and exit code 2.
 */
import { describe, expect, it } from 'vitest'
import { runSimulateCommand } from '../../src-main/sim/index.js'

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await runSimulateCommand(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) })
  return { code, stdout, stderr }
}

describe('lab simulate', () => {
  it('passes a seed of the correct core and says what it covered', async () => {
    const { code, stdout } = await run('raft', '--seed', '3')
    expect(code).toBe(0)
    expect(stdout).toMatch(/^raft seed 3: passed \(\d+ steps, .* linearizable\)/)
    expect(stdout).toMatch(/trace hash [0-9a-f]{16}/)
  })

  it('prints the replay command of a failure, and that command replays the same run', async () => {
    const first = await run('raft', '--seed', '2', '--mutation', 'truncateOnStaleAppend')
    expect(first.code).toBe(1)
    const replay = /replay: npm run lab -- simulate (.*) --verbose/.exec(first.stdout)
    expect(replay, first.stdout).not.toBeNull()
    expect(replay![1]).toBe('raft --seed 2 --mutation truncateOnStaleAppend')
    const again = await run(...replay![1].split(' '), '--verbose')
    expect(again.code).toBe(1)
    const hash = (text: string): string | undefined => /trace hash ([0-9a-f]{16})/.exec(text)?.[1]
    expect(hash(again.stdout)).toBe(hash(first.stdout))
    // --verbose shows the scenario and every step up to the violation.
    expect(again.stdout).toMatch(/^# cluster: /m)
    expect(again.stdout).toMatch(/^1 \d+ /m)
  })

  it('runs a range of seeds and summarizes on stderr', async () => {
    const { code, stdout, stderr } = await run('raft', '--seeds', '1..6', '--mutation', 'voteWithoutLogCheck')
    expect(code).toBe(1)
    expect(stdout).toMatch(/seed \d+: leader-completeness: .*\n {2}replay: npm run lab -- simulate raft --seed \d+ --mutation voteWithoutLogCheck --verbose/)
    expect(stderr).toMatch(/raft seeds 1\.\.6: \d passed, \d failed/)
  })

  it('prints JSON with --json', async () => {
    const { code, stdout } = await run('primary-backup', '--seed', '2', '--faults', 'benign', '--steps', '300', '--json')
    expect(code).toBe(0)
    const result = JSON.parse(stdout)
    expect(result).toMatchObject({ protocol: 'primary-backup', seed: 2, ok: true, faults: 'benign', replay: 'npm run lab -- simulate primary-backup --seed 2 --faults benign --steps 300' })
  })

  it.each([
    [[], /name the protocol/],
    [['paxos'], /unknown protocol "paxos"/],
    [['raft', '--seed', 'x'], /--seed must be a whole number/],
    [['raft', '--seeds', '9..2'], /--seeds must be A\.\.B/],
    [['raft', '--faults', 'some'], /--faults must be one of all, benign, partitions/],
    [['raft', '--mutation'], /--mutation needs a value/],
    [['raft', '--mutation', 'nope'], /unknown mutation "nope" for raft \(known: commitPreviousTermByCounting/],
    [['raft', '--steps', '99999999999'], /steps must be a whole number in \[0, 10000000\]/],
    [['raft', '--frobnicate'], /unknown option "--frobnicate"/],
    [['primary-backup', '--mutation', 'x'], /unknown mutation "x" for primary-backup \(known: none\)/],
  ])('rejects %j with exit code 2 and a clear message', async (args, message) => {
    const { code, stderr } = await run(...args)
    expect(code).toBe(2)
    expect(stderr).toMatch(message)
  })
})
