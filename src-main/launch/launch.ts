/**
 * `npm start`: the desktop app when the Electron binary is installed, browser mode otherwise.
 * Bundled to out/node/launch.js. Where Electron cannot run (binary not downloaded, e.g. with
 * ELECTRON_SKIP_BINARY_DOWNLOAD, or no display on Linux) it says why in one line and serves the
 * same UI on 127.0.0.1 instead.
 *
 * The launcher is the one place that knows both hosts: it runs the Electron host as a separate
 * process (its binary) and starts the browser-mode server in-process. The hosts themselves
 * (electron/, server/, cli/) never import each other.
 */
import { spawn } from 'node:child_process'
import { displayProblem, findElectronBinary, type ElectronBinary } from './electron-binary.js'
import { defaultLabRoot, startLabServer, stopOnSignals } from '../server/start.js'
import { onStopSignal } from '../lab/signals.js'

/** The Electron binary's path, or why it cannot be used here. */
export function findElectron(): ElectronBinary {
  const found = findElectronBinary()
  if (!found.ok) return found
  const noDisplay = displayProblem()
  return noDisplay ? { ok: false, reason: noDisplay } : found
}

async function launch(): Promise<void> {
  const root = defaultLabRoot()
  const electron = findElectron()
  if (electron.ok) {
    const child = spawn(electron.binary, [root], { stdio: 'inherit' })
    // The app stops its replicas when it quits; a signal to us (or npm's death) quits it.
    onStopSignal((signal) => child.kill(signal))
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
    return
  }
  console.error(`Consensus Lab: cannot open the desktop app because ${electron.reason}; starting browser mode instead.`)
  const server = await startLabServer({ root, port: Number(process.env.PORT ?? 5173), portFallback: true })
  console.log(`Consensus Lab (browser mode): ${server.url}`)
  stopOnSignals((reason) => server.close(reason))
}

launch().catch((error: unknown) => {
  console.error(`Consensus Lab: could not start: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
