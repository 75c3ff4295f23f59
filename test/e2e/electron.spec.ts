/**
 * The same story in the desktop app, through Electron's IPC and preload. Runs only where the
 * Electron binary is installed (it cannot be downloaded on offline machines) and there is a display.
 */
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { _electron as electron, expect, test } from '@playwright/test'
import { repositoryRoot } from './fixtures/lab-server'
import { raftFailoverFlow } from './flows/raft-failover'
import { displayProblem, findElectronBinary } from '../../src-main/launch/electron-binary'

function electronUnavailable(): string | undefined {
  const binary = findElectronBinary(path.join(repositoryRoot, 'package.json'))
  if (!binary.ok) return binary.reason
  const noDisplay = displayProblem()
  if (noDisplay) return `${noDisplay}; try xvfb-run`
  if (!existsSync(path.join(repositoryRoot, 'out', 'main', 'index.js'))) return 'the Electron main is not built (run npm run build)'
  return undefined
}

const unavailable = electronUnavailable()

test('desktop app: build a 5-node Raft cluster, crash the leader, see the failover and the verdict', async ({}, testInfo) => {
  // The reason goes to the output too: reporters list a skip without its description.
  if (unavailable !== undefined) console.log(`Electron e2e skipped: ${unavailable}`)
  test.skip(unavailable !== undefined, `Electron e2e skipped: ${unavailable}`)
  const app = await electron.launch({
    args: [repositoryRoot],
    cwd: repositoryRoot,
    env: { ...process.env, CONSENSUS_LAB_USER_DATA: mkdtempSync(path.join(tmpdir(), 'consensus-lab-electron-')) },
  })
  try {
    const page = await app.firstWindow()
    await page.setViewportSize({ width: 1440, height: 900 })
    // The renderer sees the preload's API and nothing of Node or Electron.
    expect(await page.evaluate(() => ({ lab: typeof (globalThis as { lab?: unknown }).lab, require: typeof (globalThis as { require?: unknown }).require, process: typeof (globalThis as { process?: unknown }).process }))).toEqual({
      lab: 'object',
      require: 'undefined',
      process: 'undefined',
    })
    await expect(page.getByTestId('connection-pill')).toHaveText('Desktop lab')
    await raftFailoverFlow(page, testInfo)
  } finally {
    await app.close()
  }
})
