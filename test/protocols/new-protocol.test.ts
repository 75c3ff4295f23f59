/**
 * What a new protocol takes: its folder (here test/protocols/fixtures/solo-protocol.ts) and one
 * registry line (here the mock below adds it to protocols/registry.ts's list). Validation, the
 * published schema, resolveNode, the replica's core, its read route and the checker's words then
 * follow its descriptor with no other file changed. (Not covered here: the simulator, which also
 * needs a real core; the renderer's design form draws the same protocol's fields in
 * test/renderer/components/cluster-form.test.ts.)
 */
import { describe, expect, it, vi } from 'vitest'
import { resolveNode } from '../../src-main/api/experiment.js'
import { experimentJsonSchema } from '../../src-main/api/json-schema.js'
import { validateExperiment } from '../../src-main/api/validate.js'
import { checkInvariants } from '../../src-main/checker/invariants.js'
import { adapterFor } from '../../src-main/replica/adapters.js'
import { replicaConfigSchema } from '../../src-main/replica/config.js'

vi.mock('../../src-main/protocols/registry.js', async (importOriginal) => {
  const { withSolo } = await import('./fixtures/solo-registry.js')
  return withSolo(await importOriginal<typeof import('../../src-main/protocols/registry.js')>())
})

const solo = (cluster: Record<string, unknown> = {}) => ({ protocol: 'solo', cluster: { nodes: 3, tickMs: 10, ...cluster }, workload: { duration: '1s', clients: 1 } })

describe('a protocol added as its folder and one registry line', () => {
  it('is validated with its own options, defaults and rules, and is in the published schema', () => {
    const valid = validateExperiment(solo({ holdMs: 50 }))
    expect(valid.ok && valid.experiment.cluster).toMatchObject({ holdMs: 50 })
    const tooLong = validateExperiment(solo({ holdMs: 500 }))
    expect(!tooLong.ok && tooLong.errors).toEqual([{ path: 'cluster.holdMs', message: 'expected at most ten ticks (100 ms)' }])
    const wrongType = validateExperiment(solo({ holdMs: 'long' }))
    expect(!wrongType.ok && wrongType.errors.map((error) => error.path)).toEqual(['cluster.holdMs'])
    const schema = experimentJsonSchema() as { properties: { protocol: { enum: string[] }; cluster: { properties: Record<string, unknown> } } }
    expect(schema.properties.protocol.enum).toContain('solo')
    expect(schema.properties.cluster.properties).toHaveProperty('holdMs')
  })

  it('starts a replica from resolveNode: its settings in ticks, its core, its read route', () => {
    const validated = validateExperiment(solo({ holdMs: 50 }))
    if (!validated.ok) throw new Error(JSON.stringify(validated.errors))
    const node = resolveNode(validated.experiment, 'B')
    expect(node.settings).toEqual({ holdTicks: 5 })
    const launch = replicaConfigSchema.parse({ ...node, dataDir: '/nonexistent' })
    const adapter = adapterFor({ ...launch, secret: 'a run secret of at least sixteen characters' })
    expect(adapter.readRoute).toBe('log')
    const core = adapter.createCore([])
    const ready = core.step({ kind: 'propose', proposals: [{ command: { op: 'put', key: 'k', value: 'v' }, tag: { clientId: 'c', seq: 1 } }] })
    expect(ready.rejections).toEqual([expect.objectContaining({ reason: 'not-leader', leaderHint: 'A' })])
  })

  it('is checked in its own words', async () => {
    const trace = [
      { t: 1, node: 'A', kind: 'role' as const, role: 'soloist', term: 1 },
      { t: 2, node: 'B', kind: 'role' as const, role: 'soloist', term: 1 },
    ]
    // A lab run judges it by its descriptor (lab/checker/run-verdict.ts passes it as the facts).
    const { descriptorOf } = await import('../../src-main/protocols/registry.js')
    const results = checkInvariants({ trace, protocol: 'solo' as never, finalStates: [], facts: descriptorOf('solo') })
    expect(results.find((result) => result.name === 'election-safety')).toMatchObject({ ok: false })
    expect(results.map((result) => result.name)).not.toContain('leader-completeness')
  })
})
