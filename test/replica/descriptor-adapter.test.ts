/**
 * The replica builds its core and answers live faults through the protocol's descriptor: a
 * Byzantine fault arrives as the experiment wrote it (a kind, 'honest', or a kind with ms), and the
 * replica must turn it into the core's behaviour the way the descriptor does, never hand it over raw.
 */
import { describe, expect, it } from 'vitest'
import { adapterFor } from '../../src-main/replica/adapters.js'
import { replicaConfigSchema } from '../../src-main/replica/config.js'
import type { PbftCore } from '../../src-main/protocols/pbft/core.js'

const members = ['A', 'B', 'C', 'D']
const config = { ...replicaConfigSchema.parse({ id: 'A', protocol: 'pbft', members, dataDir: '/nonexistent', tickMs: 10 }), secret: 'a secret of the run, long enough' }

describe('a live Byzantine fault on a PBFT replica', () => {
  it('stops the lie with behaviour honest', () => {
    const adapter = adapterFor(config)
    const core = adapter.createCore([]) as unknown as PbftCore
    adapter.setByzantine!(core as never, 'silent')
    expect(() => adapter.setByzantine!(core as never, 'honest')).not.toThrow()
    expect(core.status().byzantine).toBeUndefined()
  })

  it('holds pre-prepares for delayMs turned into ticks', () => {
    const adapter = adapterFor(config)
    const core = adapter.createCore([]) as unknown as PbftCore
    adapter.setByzantine!(core as never, { kind: 'slow-primary', delayMs: 300 })
    // The core keeps the behaviour to itself; its status names only the kind.
    expect(core.status().byzantine).toBe('slow-primary')
    expect((core as unknown as { byzantine: unknown }).byzantine).toEqual({ kind: 'slow-primary', delayTicks: 30 })
  })
})
