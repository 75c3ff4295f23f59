/**
 * `npm run serve`: the lab in a browser. Bundled to out/node/serve.js.
 *   node out/node/serve.js [--port 5173] [--experiments DIR] [--user-experiments DIR] [--runs DIR]
 * The token is fresh per start unless CONSENSUS_LAB_TOKEN is set (tests use it to restart in place).
 */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startLabServer, stopOnSignals, type StartLabServerOptions } from './start.js'

export { startLabServer } from './start.js'

export async function serveMain(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '5173' },
      experiments: { type: 'string' },
      'user-experiments': { type: 'string' },
      runs: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  })
  const portGiven = argv.some((arg) => arg === '--port' || arg.startsWith('--port='))
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port: expected a port number, got ${values.port}`)
  const options: StartLabServerOptions = {
    port,
    portFallback: !portGiven,
    token: process.env.CONSENSUS_LAB_TOKEN || undefined,
    experimentsDir: values.experiments,
    userExperimentsDir: values['user-experiments'],
    runsDir: values.runs,
  }
  const server = await startLabServer(options)
  // One line a person can click and a script can parse.
  if (values.json) console.log(JSON.stringify({ url: server.url, port: server.port, pid: process.pid }))
  else console.log(`Consensus Lab (browser mode): ${server.url}`)
  stopOnSignals((reason) => server.close(reason))
}

function isEntryPoint(): boolean {
  const entry = process.argv[1]
  if (entry === undefined) return false
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (isEntryPoint()) serveMain(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error)
  const inUse = (error as NodeJS.ErrnoException)?.code === 'EADDRINUSE'
  console.error(`Consensus Lab: could not start browser mode: ${inUse ? `${message} (pick another with --port)` : message}`)
  process.exit(1)
})
