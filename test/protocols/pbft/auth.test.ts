/**
 * Configuration checks, authenticators (MAC vectors, TOCS §3.2), malformed input, and the wire.
 */
import { pack, unpack } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import { encodeFrame, FrameDecoder } from '../../../src-main/replica/framing.js'
import { shapeChecker } from '../../../src-main/protocols/pbft/validate.js'
import { sign } from '../../../src-main/protocols/pbft/auth.js'
import { canonicalBytes } from '../../../src-main/protocols/pbft/canonical.js'
import { validatePbftConfig } from '../../../src-main/protocols/pbft/config.js'
import { PbftCore } from '../../../src-main/protocols/pbft/core.js'
import { nodeCrypto, sha256Digest } from '../../../src-main/replica/node-crypto.js'
import { createHash, createHmac } from 'node:crypto'
import type { PbftMessage, Prepare } from '../../../src-main/protocols/pbft/types.js'
import { Cluster, put } from './harness.js'

const members = ['A', 'B', 'C', 'D']

describe('PBFT configuration', () => {
  it('validatePbftConfig accepts n >= 3f+1 and explains everything else', () => {
    expect(validatePbftConfig(4, 1)).toBeUndefined()
    expect(validatePbftConfig(7, 2)).toBeUndefined()
    expect(validatePbftConfig(1, 0)).toBeUndefined()
    expect(validatePbftConfig(3, 1)).toBe('PBFT with f = 1 needs n >= 3f+1 = 4 replicas, got n = 3 (with 3 replicas f is at most 0)')
    expect(validatePbftConfig(6, 2)).toMatch(/needs n >= 3f\+1 = 7/)
    expect(validatePbftConfig(0, 0)).toMatch(/replicas >= 1/)
    expect(validatePbftConfig(4, -1)).toMatch(/f >= 0/)
    expect(validatePbftConfig(4, 1.5)).toMatch(/whole number of faults/)
  })

  it('the core refuses n < 3f+1, unknown ids and unknown Byzantine behaviours', () => {
    const crypto = nodeCrypto('s', members)
    expect(() => new PbftCore({ id: 'A', members: ['A', 'B', 'C'], f: 1, crypto })).toThrow(/needs n >= 3f\+1 = 4/)
    expect(() => new PbftCore({ id: 'Z', members, crypto })).toThrow(/not among the members/)
    expect(() => new PbftCore({ id: 'A', members: ['A', 'A', 'B', 'C'], crypto })).toThrow(/distinct/)
    expect(() => new PbftCore({ id: 'A', members, crypto, byzantine: 'sneaky' as never })).toThrow(/unknown Byzantine behaviour "sneaky"/)
    expect(() => new PbftCore({ id: 'A', members, crypto, checkpointInterval: 8, logWindowMax: 4 })).toThrow(/logWindowMax/)
  })

  it('f defaults to the largest the membership tolerates', () => {
    const cluster = new Cluster({ n: 7 })
    expect(cluster.f).toBe(2)
  })
})

describe('PBFT authenticators', () => {
  it('cover the sorted JSON of a message without its authenticator, and of a pre-prepare without its batch', () => {
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
    const prepare = { type: 'Prepare', view: 0, seq: 3, digest: 'd', replica: 'B', auth: ['m1', 'm2'] } as unknown as PbftMessage
    expect(text(canonicalBytes(prepare))).toBe('{"digest":"d","replica":"B","seq":3,"type":"Prepare","view":0}')
    const prePrepare = { view: 1, type: 'PrePrepare', seq: 4, digest: 'e', batch: [{ x: 1 }], replica: 'A', auth: [] } as unknown as PbftMessage
    expect(text(canonicalBytes(prePrepare))).toBe('{"digest":"e","replica":"A","seq":4,"type":"PrePrepare","view":1}')
    // Only a pre-prepare's batch is left to its digest: another message's field named batch is covered.
    const other = { type: 'Status', batch: 7, replica: 'C', auth: ['x'] } as unknown as PbftMessage
    expect(text(canonicalBytes(other))).toBe('{"batch":7,"replica":"C","type":"Status"}')
  })

  it('MAC with HMAC-SHA256 under the pair key, over the direction and the bytes, whichever way and how often asked', () => {
    const crypto = nodeCrypto('secret', members)
    const bytes = new TextEncoder().encode('{"seq":1}')
    const pairKey = createHmac('sha256', 'secret').update('pbft-pair\u0000A\u0000B').digest()
    const expected = (from: string, to: string) => createHmac('sha256', pairKey).update(`${from}>${to}\u0000`).update(bytes).digest('base64')
    for (let round = 0; round < 2; round += 1) {
      expect(crypto.mac('A', 'B', bytes)).toBe(expected('A', 'B'))
      expect(crypto.mac('B', 'A', bytes)).toBe(expected('B', 'A'))
    }
    expect(crypto.verify('A', 'B', bytes, expected('A', 'B'))).toBe(true)
    expect(crypto.verify('B', 'A', bytes, expected('A', 'B'))).toBe(false)
  })

  it('digest with SHA-256 in base64, the same bytes as createHash gives', () => {
    for (const input of ['', 'pbft', 'x'.repeat(1000)]) {
      const bytes = new TextEncoder().encode(input)
      expect(sha256Digest(bytes)).toBe(createHash('sha256').update(bytes).digest('base64'))
    }
  })

  function firstPrepare(cluster: Cluster): Prepare {
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverAll((e) => e.message.type === 'PrePrepare')
    const envelope = cluster.queue.find((e) => e.message.type === 'Prepare' && e.from === 'R1' && e.to === 'R2')
    if (envelope?.message.type !== 'Prepare') throw new Error('no prepare from R1')
    return envelope.message
  }

  it('a message with a bad MAC is dropped and reported as auth-failed', () => {
    const cluster = new Cluster({ n: 4 })
    const prepare = firstPrepare(cluster)
    const tampered = { ...prepare, auth: prepare.auth.map((mac, index) => (index === 2 ? 'AAAA' + mac.slice(4) : mac)) }
    const ready = cluster.step('R2', { kind: 'message', from: 'R1', message: tampered })
    expect(ready.events).toContainEqual({ kind: 'note', text: 'auth-failed from=R1 via=R1 type=Prepare' })
    expect(ready.messages).toEqual([])
  })

  it('a message changed after it was MACed fails, and so does one claiming another sender', () => {
    const cluster = new Cluster({ n: 4 })
    const prepare = firstPrepare(cluster)
    const changed = { ...prepare, digest: 'other' }
    expect(cluster.step('R2', { kind: 'message', from: 'R1', message: changed }).events).toContainEqual({
      kind: 'note', text: 'auth-failed from=R1 via=R1 type=Prepare',
    })
    // R3 MACs a prepare with its own keys but names R1 as the sender.
    const { auth: _auth, ...body } = prepare
    const byR3 = sign<Prepare>(cluster.crypto, cluster.members, { ...body, replica: 'R3' })
    const impersonation = { ...byR3, replica: 'R1' }
    expect(cluster.step('R2', { kind: 'message', from: 'R3', message: impersonation }).events).toContainEqual({
      kind: 'note', text: 'auth-failed from=R1 via=R3 type=Prepare',
    })
  })

  it('a relayed message verifies by its creator, whoever delivers it', () => {
    const cluster = new Cluster({ n: 4 })
    const prepare = firstPrepare(cluster)
    const ready = cluster.step('R2', { kind: 'message', from: 'R3', message: prepare })
    expect(ready.events.filter((e) => e.kind === 'note')).toEqual([])
  })

  it('malformed messages are dropped with a note and never throw', () => {
    const cluster = new Cluster({ n: 4 })
    const garbage: unknown[] = [
      null,
      42,
      { type: 'Prepare' },
      { type: 'Nope', replica: 'R1', auth: ['', '', '', ''] },
      { type: 'Prepare', replica: 'R1', auth: ['', ''], view: 0, seq: 1, digest: 'd' },
      { type: 'Prepare', replica: 'R1', auth: ['', '', '', ''], view: -1, seq: 1, digest: 'd' },
      { type: 'PrePrepare', replica: 'R0', auth: ['', '', '', ''], view: 0, seq: 1, digest: 'd', batch: [{ command: { op: 'drop-table' }, tag: { clientId: 'c', seq: 1 } }] },
      { type: 'ViewChange', replica: 'R1', auth: ['', '', '', ''], view: 1, stableSeq: 0, stableDigest: 'g', checkpointProof: [], prepared: [{ prePrepare: null, prepares: [] }] },
    ]
    for (const message of garbage) {
      const ready = cluster.step('R2', { kind: 'message', from: 'R1', message: message as PbftMessage })
      expect(ready.events.some((e) => e.kind === 'note' && e.text.startsWith('malformed message from=R1'))).toBe(true)
      expect(ready.messages).toEqual([])
    }
  })

  it('pairwise keys differ per pair and per secret', () => {
    const crypto = nodeCrypto('secret', members)
    const other = nodeCrypto('other-secret', members)
    const bytes = new TextEncoder().encode('hello')
    const mac = crypto.mac('A', 'B', bytes)
    expect(crypto.verify('A', 'B', bytes, mac)).toBe(true)
    expect(crypto.verify('A', 'C', bytes, mac)).toBe(false)
    expect(crypto.verify('C', 'B', bytes, mac)).toBe(false)
    expect(other.verify('A', 'B', bytes, mac)).toBe(false)
    expect(crypto.verify('A', 'B', bytes, 'garbage')).toBe(false)
    expect(crypto.verify('A', 'Z', bytes, mac)).toBe(false)
  })

  it('canonical bytes ignore field order, so MACs survive a msgpack round trip', () => {
    const cluster = new Cluster({ n: 4 })
    // A view change produces every message type but CatchUp; collect them all.
    const seen = new Map<string, PbftMessage>()
    cluster.dropIf = (e) => {
      seen.set(e.message.type, e.message)
      return e.message.type === 'Commit' && e.message.view === 0
    }
    cluster.request('alice', 1, { op: 'cas', key: 'x', expected: null, value: '1' }, ['R1'])
    cluster.deliverAll()
    cluster.crash('R0')
    cluster.run(30)
    expect([...seen.keys()].sort()).toEqual(['Commit', 'NewView', 'PrePrepare', 'Prepare', 'Request', 'Status', 'ViewChange', 'ViewChangeAck'])
    for (const message of seen.values()) {
      const wire = unpack(pack(message)) as PbftMessage
      expect(canonicalBytes(wire)).toEqual(canonicalBytes(message))
      const reordered = Object.fromEntries(Object.entries(wire).reverse()) as PbftMessage
      expect(canonicalBytes(reordered)).toEqual(canonicalBytes(message))
    }
    // Through the replica's own frames, every message keeps exactly its fields: the shape check,
    // which refuses unexpected ones, lets each through.
    const checkShape = shapeChecker({ n: 4, batchMax: 8, batchBytesMax: 1024 * 1024, logWindowMax: 8, forwardedRequestsMax: 1024, executedRetainMax: 4096, viewChangesHeldMax: 16 })
    for (const message of seen.values()) {
      const { bodies, error } = new FrameDecoder().push(encodeFrame(message))
      expect(error).toBeUndefined()
      expect(checkShape(bodies[0]), message.type).toBeUndefined()
    }
  })
})
