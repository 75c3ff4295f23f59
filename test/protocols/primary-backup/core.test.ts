/** The naive primary-backup protocol does what it says, including the damage it does. */
import { describe, expect, it } from 'vitest'
import { PrimaryBackupCore, isPrimaryBackupMessage, type PrimaryBackupMessage } from '../../../src-main/protocols/primary-backup/core.js'
import { seededRandom } from '../../../src-main/protocols/common/random.js'
import type { Ready } from '../../../src-main/protocols/types.js'
import { encodedBytesMax } from '../../../src-main/protocols/common/wire-budget.js'

const members = ['Busan', 'Seoul', 'Gwangju']

function node(id: string) {
  return new PrimaryBackupCore({ id, members, electionTimeoutTicks: [10, 20], heartbeatTicks: 3, random: seededRandom(1, id) })
}

function put(key: string, value: string, seq: number) {
  return { command: { op: 'put' as const, key, value }, tag: { clientId: 'c', seq } }
}

function deliver(ready: Ready<PrimaryBackupMessage, unknown>, cores: Map<string, PrimaryBackupCore>, from: string, blocked = new Set<string>()) {
  return ready.messages.filter((outbound) => !blocked.has(outbound.to)).map((outbound) => cores.get(outbound.to)!.step({ kind: 'message', from, message: outbound.message }))
}

describe('naive primary-backup', () => {
  it('the first member starts as primary, applies a write at once and ships it to the backups', () => {
    const cores = new Map(members.map((id) => [id, node(id)]))
    const ready = cores.get('Busan')!.step({ kind: 'propose', proposals: [put('x', '1', 1)] })
    expect(ready.applied.map((entry) => entry.index)).toEqual([1])
    expect(ready.persist).toHaveLength(1)
    const backups = deliver(ready, cores, 'Busan')
    expect(backups.map((backup) => backup.applied[0]?.command)).toEqual([{ op: 'put', key: 'x', value: '1' }, { op: 'put', key: 'x', value: '1' }])
  })

  it('a backup refuses writes and points at the primary', () => {
    const ready = node('Seoul').step({ kind: 'propose', proposals: [put('x', '1', 1)] })
    expect(ready.rejections).toEqual([{ kind: 'proposal', tag: { clientId: 'c', seq: 1 }, reason: 'not-leader', leaderHint: 'Busan' }])
  })

  it('a backup that stops hearing the primary promotes itself, while the primary is still primary', () => {
    const gwangju = node('Gwangju')
    let promoted = false
    for (let tick = 0; tick < 25 && !promoted; tick += 1) {
      promoted = gwangju.step({ kind: 'tick' }).events.some((event) => event.kind === 'role' && event.role === 'primary')
    }
    expect(promoted).toBe(true)
    expect(node('Busan').status().role).toBe('primary')
    expect(gwangju.status().role).toBe('primary')
  })

  it('two primaries that hear each other leave the earlier member in charge, and the data diverged', () => {
    const busan = node('Busan')
    const gwangju = node('Gwangju')
    for (let tick = 0; tick < 25; tick += 1) gwangju.step({ kind: 'tick' })
    busan.step({ kind: 'propose', proposals: [put('x', 'busan', 1)] })
    gwangju.step({ kind: 'propose', proposals: [put('x', 'gwangju', 2)] })
    const heartbeat = busan.step({ kind: 'tick' })
    for (let tick = 0; tick < 3; tick += 1) heartbeat.messages.push(...busan.step({ kind: 'tick' }).messages)
    const toGwangju = heartbeat.messages.find((outbound) => outbound.to === 'Gwangju')!
    const stepDown = gwangju.step({ kind: 'message', from: 'Busan', message: toGwangju.message })
    expect(stepDown.events).toContainEqual({ kind: 'role', role: 'backup', term: 0, leader: 'Busan' })
    expect(gwangju.status().appliedIndex).toBe(1)
  })

  it('replays what it applied after a restart, then waits to hear a primary', () => {
    const busan = node('Busan')
    const first = busan.step({ kind: 'propose', proposals: [put('x', '1', 1), put('y', '2', 2)] })
    const restarted = new PrimaryBackupCore({ id: 'Busan', members, electionTimeoutTicks: [10, 20], heartbeatTicks: 3, random: seededRandom(1, 'Busan'), persisted: first.persist })
    expect(restarted.status().role).toBe('backup')
    expect(restarted.step({ kind: 'tick' }).applied.map((entry) => entry.command)).toEqual([put('x', '1', 1).command, put('y', '2', 2).command])
  })

  it('rejects malformed messages before they reach the core', () => {
    expect(isPrimaryBackupMessage({ type: 'Heartbeat', term: 0 })).toBe(true)
    expect(isPrimaryBackupMessage({ type: 'Replicate', term: 0, entries: [{ command: { op: 'put', key: 'x', value: '1' } }] })).toBe(true)
    expect(isPrimaryBackupMessage({ type: 'Replicate', term: 0, entries: [{ command: { op: 'explode' } }] })).toBe(false)
    expect(isPrimaryBackupMessage({ type: 'Replicate', term: 0, entries: 'x' })).toBe(false)
    expect(isPrimaryBackupMessage({ type: 'Heartbeat', term: 3 })).toBe(false)
  })
})

describe('naive primary-backup: shipping is capped by bytes', () => {
  it('a turn of large writes leaves in several Replicate messages and persisted records, each within its budget, and every backup applies them all in order', () => {
    const replicateBytesMax = 16 * 1024
    const recordBytesMax = 32 * 1024
    const cores = new Map(
      members.map((id) => [
        id,
        new PrimaryBackupCore({ id, members, electionTimeoutTicks: [10, 20], heartbeatTicks: 3, random: seededRandom(1, id), replicateBytesMax, recordBytesMax }),
      ]),
    )
    const proposals = Array.from({ length: 60 }, (_, index) => put(`k${index}`, `${index}:`.padEnd(2000, 'v'), index + 1))
    const ready = cores.get('Busan')!.step({ kind: 'propose', proposals })
    const toSeoul = ready.messages.filter((outbound) => outbound.to === 'Seoul').map((outbound) => outbound.message)
    expect(toSeoul.length).toBeGreaterThan(4)
    for (const message of toSeoul) {
      if (message.type !== 'Replicate') throw new Error(`unexpected ${message.type}`)
      if (message.entries.length > 1) expect(encodedBytesMax(message.entries)).toBeLessThanOrEqual(replicateBytesMax)
    }
    expect(ready.persist.length).toBeGreaterThan(2)
    for (const record of ready.persist) expect(encodedBytesMax(record.entries)).toBeLessThanOrEqual(recordBytesMax)
    const applied = deliver(ready, cores, 'Busan', new Set(['Gwangju'])).flatMap((backup) => backup.applied)
    expect(applied.map((entry) => entry.index)).toEqual(proposals.map((_, index) => index + 1))
    expect(applied.map((entry) => entry.command)).toEqual(proposals.map((proposal) => proposal.command))
  })
})
