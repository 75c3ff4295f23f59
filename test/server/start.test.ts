import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { labRootOf } from '../../src-main/server/start'

describe('the lab root a server finds from its own module', () => {
  const root = path.resolve('/srv/consensus-lab')
  const at = (...parts: string[]) => pathToFileURL(path.join(root, ...parts)).href

  it('is two levels above out/node/serve.js and src-main/server/start.ts', () => {
    expect(labRootOf(at('out', 'node', 'serve.js'))).toBe(root)
    expect(labRootOf(at('src-main', 'server', 'start.ts'))).toBe(root)
  })

  it('is three levels above a shared chunk in out/node/chunks (where the build puts start.ts)', () => {
    expect(labRootOf(at('out', 'node', 'chunks', 'chunk-Y2ZF3VCZ.js'))).toBe(root)
  })
})
