/**
 * The core checks what a replica can know about itself after every step and stops on a broken
 * invariant. Each case corrupts one piece of a healthy core's state, as a bug would, and the next
 * step must refuse to go on. (That no honest run trips them is what the simulator's thousands of
 * seeds show: they run with the assertions on.)
 */
import { describe, expect, it } from 'vitest'
import { emptySlot } from '../../../src-main/protocols/pbft/log.js'
import type { PbftCore } from '../../../src-main/protocols/pbft/core.js'
import { Cluster, put } from './harness.js'

/** A cluster that executed one request in view 0, and a way into a core's private state. */
function healthy(): { cluster: Cluster; inside: (id: string) => Record<string, any> } {
  const cluster = new Cluster({ n: 4 })
  cluster.request('alice', 1, put('x', '1'), ['R0'])
  cluster.deliverAll()
  expect(cluster.executedSeq('R1')).toBe(1)
  return { cluster, inside: (id) => cluster.core(id) as unknown as Record<string, any> }
}

const tick = (core: PbftCore) => () => core.step({ kind: 'tick' })

describe('PBFT asserts its invariants after every step', () => {
  it('a healthy core steps on', () => {
    const { cluster } = healthy()
    expect(tick(cluster.core('R1'))).not.toThrow()
  })

  it('execution never goes back', () => {
    const { cluster, inside } = healthy()
    const core = inside('R1')
    const original = core.executeCommitted.bind(core)
    core.executeCommitted = () => {
      original()
      core.lastExecuted = 0
    }
    cluster.request('bob', 1, put('y', '1'), ['R0'])
    expect(() => cluster.deliverAll()).toThrow(/pbft invariant broken on R1 .*last executed went from 1 back to 0/)
  })

  it('a slot belongs to the current view and lies inside the water marks', () => {
    const { cluster, inside } = healthy()
    inside('R1').log.slots.set(3, emptySlot(3, 7))
    expect(tick(cluster.core('R1'))).toThrow(/slot 3: belongs to view 7, not 0/)
    const other = inside('R2')
    other.log.slots.set(40, emptySlot(40, 0))
    expect(tick(cluster.core('R2'))).toThrow(/slot 40: outside the window \(0, 8\]/)
  })

  it('committed implies prepared, and prepared implies a certificate for the slot\'s pre-prepare', () => {
    const { cluster, inside } = healthy()
    const slot = inside('R1').log.slots.get(1)
    slot.prepared = false
    expect(tick(cluster.core('R1'))).toThrow(/slot 1: committed but not prepared/)
    const other = inside('R2').log.slots.get(1)
    other.preparedCert = { ...other.preparedCert, prepares: other.preparedCert.prepares.slice(0, 1) }
    expect(tick(cluster.core('R2'))).toThrow(/slot 1: certificate with fewer than 2f distinct prepares/)
  })

  it('a replica changing views holds its own view-change and runs no request timer', () => {
    const { cluster, inside } = healthy()
    const core = inside('R1')
    core.viewChanging = true
    core.view = 1
    core.log.resetForView(1)
    expect(tick(cluster.core('R1'))).toThrow(/changing to view 1 without its own view-change/)
  })

  it('a normal view above 0 is backed by its new-view', () => {
    const { cluster, inside } = healthy()
    const core = inside('R3')
    core.view = 2
    core.log.resetForView(2)
    expect(tick(cluster.core('R3'))).toThrow(/in view 2 with the new-view of view 0/)
  })

  it('a message step checks the slots it touched at once, and a tick checks the whole window', () => {
    // Checking every slot of the window after every message cost O(window) per message; a slot
    // only changes when a step reaches it through the log, so a message step checks those and a
    // tick (every few ms on a replica) sweeps the rest: a slot broken another way is caught
    // within one tick.
    const { cluster, inside } = healthy()
    inside('R1').log.slots.set(6, emptySlot(6, 7))
    cluster.request('bob', 1, put('y', '1'), ['R0'])
    // Slot 2's pre-prepare, prepares and commits reach R1: none of them touches slot 6.
    expect(() => cluster.deliverAll()).not.toThrow()
    expect(cluster.executedSeq('R1')).toBe(2)
    expect(tick(cluster.core('R1'))).toThrow(/slot 6: belongs to view 7, not 0/)
    // A message that reaches a broken slot stops the replica on that step.
    const slot = inside('R2').log.slots.get(1)
    slot.prepared = false
    expect(() => cluster.step('R2', { kind: 'message', from: 'R3', message: { ...slot.commits.get('R3')[0] } })).toThrow(/slot 1: committed but not prepared/)
  })
})
