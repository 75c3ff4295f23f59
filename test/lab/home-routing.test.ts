/**
 * Home routing binds a closed-loop client to one node for the whole run. A client whose operation
 * timed out goes on as a new process (its old one may still be in flight); that process must start
 * at the same node. It used to be routed by its own id, so the clients of a cut-off leader drifted
 * away from it one timeout at a time, and raft-3-lease-clock-skew could end with no client left
 * reading from the old leader by the time the new one took writes: no stale read, the scenario's
 * point lost (CI saw it once on a loaded machine).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ClusterConnections } from '../../src-main/lab/workload/connections.js'
import { LeaderClient, type ClientDriver, type Outcome } from '../../src-main/lab/workload/client.js'
import type { Command } from '../../src-main/protocols/types.js'
import { runEngineAlone } from '../support/engine-alone.js'

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'home-routing-'))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

/** Every third operation has an unknown outcome, so processes are replaced all through the run. */
class FlakyStore implements ClientDriver {
  readonly calls: { clientId: string; homeClientId: string | undefined }[] = []
  execute(clientId: string, _seq: number, _command: Command, _timeoutMs: number, _via?: string, homeClientId?: string): Promise<Outcome> {
    this.calls.push({ clientId, homeClientId })
    const outcome: Outcome = this.calls.length % 3 === 0 ? { type: 'info', error: 'timeout', node: 'A' } : { type: 'ok', node: 'A', value: null }
    return new Promise((resolve) => setImmediate(() => resolve(outcome)))
  }
}

describe('home routing', () => {
  it('a process that replaced a timed-out one works for the same client', async () => {
    const driver = new FlakyStore()
    // Half a second: a loaded machine (load average 13) once gave the engine two operations in 100 ms.
    await runEngineAlone(driver, { historyPath: path.join(scratch, 'history.ndjson'), finalReads: false, seed: 3, durability: 'none', durationMs: 500 })
    const firstProcesses = new Set(['p1', 'p2'])
    const replacements = driver.calls.filter((call) => !firstProcesses.has(call.clientId))
    expect(replacements.length, 'some processes were replaced').toBeGreaterThan(1)
    for (const call of replacements) expect(firstProcesses.has(call.homeClientId ?? ''), `${call.clientId} works for ${call.homeClientId}`).toBe(true)
    // Both clients go on working after their replacements.
    expect(new Set(replacements.map((call) => call.homeClientId))).toEqual(firstProcesses)
  })

  it("starts a replacement process at its client's node, not at the node its own id hashes to", async () => {
    const targets: string[] = []
    const connections = {
      nodeIds: ['A', 'B', 'C'],
      request: (node: string) => {
        targets.push(node)
        return Promise.resolve({ kind: 'response', response: { ok: true, value: null } })
      },
    } as unknown as ClusterConnections
    const client = new LeaderClient(connections, 'home')
    const firstTarget = async (clientId: string, homeClientId?: string): Promise<string> => {
      targets.length = 0
      await client.execute(clientId, 1, { op: 'get', key: 'k' }, 100, undefined, homeClientId)
      return targets[0]!
    }
    const home = await firstTarget('p1')
    // A process id whose own hash lands elsewhere, so the test tells the two apart.
    let other = 2
    while ((await firstTarget(`p${other}`)) === home) other += 1
    expect(await firstTarget(`p${other}`, 'p1')).toBe(home)
  })
})
