/** The machine and versions a run was made on, for reports (what a reader needs to weigh numbers). */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { RunEnvironment } from '../../api/run-file.js'
import { repositoryRoot } from '../paths.js'

export function captureEnvironment(capturedAt: RunEnvironment['capturedAt'] = 'run'): RunEnvironment {
  const cpus = os.cpus()
  const model = cpus[0]?.model.trim().replace(/\s+/g, ' ')
  return {
    machine: model ? `${os.hostname()} (${model})` : os.hostname(),
    cpus: cpus.length,
    memoryBytes: os.totalmem(),
    os: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    labVersion: labVersion(),
    capturedAt,
  }
}

let cachedVersion: string | undefined

export function labVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(repositoryRoot(), 'package.json'), 'utf8')) as { version?: unknown }
      cachedVersion = typeof manifest.version === 'string' ? manifest.version : 'unknown'
    } catch {
      cachedVersion = 'unknown'
    }
  }
  return cachedVersion
}
