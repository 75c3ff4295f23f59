/**
 * Starts the browser-mode lab: a real lab service (real replicas) behind serveLab.
 * Shared by `npm run serve` (main.ts) and the `npm start` fallback (../launch/launch.ts).
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLabService } from '../lab/service.js'
import { htmlToPdf } from '../lab/report/pdf.js'
import { serveLab } from './http-server.js'
import { onStopSignal } from '../lab/signals.js'

export interface StartLabServerOptions {
  /** 0 or absent picks a free port. */
  port?: number
  /** When `port` is taken, take a free one instead of failing. */
  portFallback?: boolean
  host?: '127.0.0.1'
  /** Defaults to a fresh random token per start. */
  token?: string
  /** The repository (or installed app) root; the folders below default to places inside it. */
  root?: string
  experimentsDir?: string
  userExperimentsDir?: string
  runsDir?: string
  /** The built renderer. */
  staticDir?: string
}

export interface StartedLabServer {
  url: string
  port: number
  /** Stops serving; a run in progress is interrupted with `reason` (else it ends as if stopped). */
  close(reason?: string): Promise<void>
}

export function defaultLabRoot(): string {
  return labRootOf(import.meta.url)
}

/**
 * out/node/serve.js and src-main/server/start.ts sit two levels below the root; the build may put
 * this module in a chunk shared by several bundles (out/node/chunks), one level deeper.
 */
export function labRootOf(moduleUrl: string): string {
  const here = path.dirname(fileURLToPath(moduleUrl))
  const inChunks = path.basename(here) === 'chunks' && path.basename(path.dirname(here)) === 'node'
  return path.resolve(here, ...(inChunks ? ['..', '..', '..'] : ['..', '..']))
}

export async function startLabServer(options: StartLabServerOptions = {}): Promise<StartedLabServer> {
  const root = options.root ?? defaultLabRoot()
  const service = createLabService({
    experimentsDir: options.experimentsDir ?? path.join(root, 'experiments'),
    userExperimentsDir: options.userExperimentsDir ?? path.join(root, 'user-experiments'),
    runsDir: options.runsDir ?? path.join(root, 'runs'),
    // Browser mode prints PDF reports with the same Chromium as `lab report --format pdf`.
    renderPdf: (html) => htmlToPdf(html),
  })
  try {
    const serve = (port: number) =>
      serveLab({
        api: service,
        staticDir: options.staticDir ?? path.join(root, 'out', 'renderer'),
        host: options.host ?? '127.0.0.1',
        port,
        token: options.token,
      })
    const server = await serve(options.port ?? 0).catch((error: unknown) => {
      if (options.portFallback && (error as NodeJS.ErrnoException)?.code === 'EADDRINUSE') return serve(0)
      throw error
    })
    let closing: Promise<void> | undefined
    return {
      url: server.url,
      port: server.port,
      close: (reason) => (closing ??= server.close().finally(() => service.close(reason))),
    }
  } catch (error) {
    await service.close()
    throw error
  }
}

/**
 * On SIGINT, SIGTERM, SIGHUP (or the death of the npm that started us) interrupts the run in
 * progress, stops every replica, then exits; a second signal exits at once.
 */
export function stopOnSignals(close: (reason: string) => Promise<void>): void {
  // A terminal that went away (EIO) must not stop the cleanup half way.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined)
  onStopSignal((signal) => {
    console.error(`Consensus Lab: ${signal}, stopping every replica...`)
    close(`interrupted by ${signal}`).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`Consensus Lab: stopping failed: ${error instanceof Error ? error.message : String(error)}`)
        process.exit(1)
      },
    )
  })
}
