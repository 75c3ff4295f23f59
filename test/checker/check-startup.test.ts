/**
 * `lab check` must start fast (issue 13: ≤ 0.3 s wall for a small history, start-up included; see
 * README "Checking a recorded run" for the measured figure). Start-up is what the command's code
 * imports, so this pins the import graph rather than a wall-clock time: the check command bundles
 * no protocol core and no schema library. It failed when the checker read leader roles and words
 * off protocols/registry.ts (zod and every core, about 210 KiB more to parse per call).
 */
import path from 'node:path'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { repositoryRoot } from '../../src-main/lab/paths.js'

async function importsOf(entry: string): Promise<{ sources: string[]; packages: string[] }> {
  const result = await build({
    absWorkingDir: repositoryRoot(),
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
    outdir: path.join(repositoryRoot(), 'out/check-startup-probe'),
  })
  const output = Object.values(result.metafile.outputs)[0]!
  return {
    sources: Object.keys(result.metafile.inputs),
    packages: output.imports.filter((entry) => entry.external && !entry.path.startsWith('node:')).map((entry) => entry.path),
  }
}

describe('lab check loads only what checking needs', () => {
  it('the check command imports no protocol core and no schema library', { timeout: 30_000 }, async () => {
    const { sources, packages } = await importsOf('src-main/lab/checker/check-command.ts')
    // protocols/common holds leaf helpers (describeValue, the seeded random) that import nothing.
    const protocolCode = sources.filter((source) => source.startsWith('src-main/protocols/') && !source.startsWith('src-main/protocols/common/'))
    expect(protocolCode).toEqual([])
    expect(packages).toEqual([])
  })
})
