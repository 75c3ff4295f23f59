/**
 * Finds the Electron binary without running the electron package's index.js, which tries to
 * download a missing binary (no network on offline installs, and a launcher must not fetch).
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

export type ElectronBinary = { ok: true; binary: string } | { ok: false; reason: string }

export function findElectronBinary(from: string = import.meta.url): ElectronBinary {
  let packageDir: string
  try {
    packageDir = path.dirname(createRequire(from).resolve('electron/package.json'))
  } catch {
    return { ok: false, reason: 'the electron package is not installed' }
  }
  const pathFile = path.join(packageDir, 'path.txt')
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH
  if (override) return checked(path.join(override, relative || 'electron'))
  if (!relative) return { ok: false, reason: 'the Electron binary was never downloaded (node_modules/electron has no path.txt; ELECTRON_SKIP_BINARY_DOWNLOAD or an offline install)' }
  return checked(path.join(packageDir, 'dist', relative))
}

function checked(binary: string): ElectronBinary {
  return existsSync(binary) ? { ok: true, binary } : { ok: false, reason: `the Electron binary is missing at ${binary}` }
}

/** Electron also needs a display on Linux; without one it exits at once. */
export function displayProblem(): string | undefined {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)'
  return undefined
}
