import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseReplicaArgs, readSecretFile } from '../../src-main/replica/config.js'

const launch = { id: 'A', protocol: 'raft', members: ['A', 'B', 'C'], dataDir: '/tmp/a' }

describe('replica arguments', () => {
  it('refuse a --config that carries the secret: a command line is readable by every local user', () => {
    const parsed = parseReplicaArgs(['--config', JSON.stringify({ ...launch, secret: 'a secret of the run' })])
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.message).toMatch(/must not carry the secret/)
  })

  it('take a node joining a running cluster from members that do not list it, and only with joining set', () => {
    const joining = { ...launch, id: 'D' }
    const refused = parseReplicaArgs(['--config', JSON.stringify(joining)])
    expect(refused).toMatchObject({ ok: false, message: expect.stringMatching(/id: expected one of members \(or joining: true/) })
    const parsed = parseReplicaArgs(['--config', JSON.stringify({ ...joining, joining: true })])
    expect(parsed).toMatchObject({ ok: true, config: { id: 'D', members: ['A', 'B', 'C'], joining: true } })
    const listed = parseReplicaArgs(['--config', JSON.stringify({ ...launch, joining: true })])
    expect(listed).toMatchObject({ ok: false, message: expect.stringMatching(/a joining node is not one of the members/) })
  })

  it('take a secret file for a replica started by hand', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'replica-config-'))
    try {
      const file = path.join(directory, 'secret')
      fs.writeFileSync(file, 'a-long-enough-shared-secret\n', { mode: 0o600 })
      const parsed = parseReplicaArgs(['--id', 'A', '--members', 'A,B', '--data-dir', directory, '--secret-file', file])
      expect(parsed).toMatchObject({ ok: true, secretFile: file, config: { id: 'A' } })
      expect(readSecretFile(file)).toEqual({ ok: true, secret: 'a-long-enough-shared-secret' })
      fs.writeFileSync(file, 'short\n')
      expect(readSecretFile(file)).toMatchObject({ ok: false, message: expect.stringMatching(/at least 16 characters/) })
      expect(readSecretFile(path.join(directory, 'missing'))).toMatchObject({ ok: false, message: expect.stringMatching(/cannot read --secret-file/) })
    } finally {
      fs.rmSync(directory, { recursive: true, force: true })
    }
  })
})
