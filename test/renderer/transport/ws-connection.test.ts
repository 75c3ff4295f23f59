// @vitest-environment node
/**
 * The browser-mode transport end to end: the renderer's WebSocket client against the real
 * serveLab over loopback. The LabApi behind the server is a stub defined here (the real lab is
 * exercised by the Playwright tests).
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { labCallJsonBytesMax, type Fault, type LabApi, type LabStreamMessage } from '../../../src-main/api/lab-api'
import { serveLab, type LabHttpServer } from '../../../src-main/server/http-server'
import { wsConnection } from '../../../src-renderer/src/transport/ws-connection'
import type { ConnectionState } from '../../../src-renderer/src/transport/connection'

function stubApi() {
  const listeners = new Set<(message: LabStreamMessage) => void>()
  const calls: unknown[][] = []
  const api: LabApi = {
    info: async () => ({ host: 'browser', version: 'test', platform: 'linux', nodeVersion: process.version, experimentsDir: '/x' }),
    listExperiments: async () => [],
    listSweeps: async () => [],
    startSweep: async () => ({ ok: true }),
    stopSweep: async () => {},
    validateExperiment: async () => ({ ok: false, errors: [{ path: 'protocol', message: 'expected one of raft' }] }),
    saveExperiment: async (file) => ({ ok: true, file }),
    startRun: async () => ({ ok: true, runId: 'run-1' }),
    stopRun: async () => {},
    injectFault: async (runId: string, fault: Fault) => {
      calls.push([runId, fault])
      return { ok: true, targets: ['B'] }
    },
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    getRunRecord: async (runId: string) => {
      calls.push(['getRunRecord', runId])
      return { format: 'consensus-lab-run', summary: { runId } } as never
    },
    readTrace: async (runId, query) => {
      calls.push(['readTrace', runId, query])
      return { events: [{ t: 1, node: 'A', kind: 'term', term: 2 }], matched: 1, omitted: 0, chunksRead: 1, bytesRead: 40 }
    },
    listExercises: async () => [],
    listRunDirectories: async () => [{ runId: 'run-1', name: 'r', protocol: 'raft', startedAt: '2026-01-01T00:00:00Z', completed: true }],
    renderPdf: async (html: string) => {
      calls.push(['renderPdf', html.length])
      return 'JVBERi0='
    },
  }
  return { api, calls, emit: (message: LabStreamMessage) => listeners.forEach((listener) => listener(message)) }
}

function staticDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-static-'))
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>lab</title>')
  mkdirSync(path.join(dir, 'assets'))
  writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log(1)')
  return dir
}

const servers: LabHttpServer[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close()
})

async function start(token?: string, port = 0) {
  const stub = stubApi()
  const server = await serveLab({ api: stub.api, staticDir: staticDir(), port, token })
  servers.push(server)
  const base = `http://127.0.0.1:${server.port}`
  return { ...stub, server, base }
}

function connect(base: string, token: string) {
  const states: ConnectionState[] = []
  const connection = wsConnection({
    url: `${base.replace('http', 'ws')}/lab?token=${token}`,
    healthUrl: `${base}/healthz?token=${token}`,
    createSocket: (url) => new WebSocket(url) as never,
    fetch: (url, init) => fetch(url, init),
  })
  connection.onState((state) => states.push(state))
  return { connection, states }
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('browser mode serves the renderer only with the token', () => {
  it('answers 403 without the token or with a wrong one, 200 with it, and admits assets by cookie', async () => {
    const { base, server } = await start()
    expect((await fetch(`${base}/`)).status).toBe(403)
    expect((await fetch(`${base}/?token=wrong-token-of-some-length`)).status).toBe(403)
    const page = await fetch(`${base}/?token=${server.token}`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`)
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]
    expect(cookie).toMatch(/^consensus_lab_\d+=/)
    expect((await fetch(`${base}/assets/app.js`)).status).toBe(403)
    expect((await fetch(`${base}/assets/app.js`, { headers: { cookie } })).status).toBe(200)
    expect((await fetch(`${base}/healthz?token=${server.token}`)).status).toBe(200)
  })

  it('never serves files outside the renderer folder', async () => {
    const { base, server } = await start()
    for (const probe of ['/..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/%00x']) {
      expect((await fetch(`${base}${probe}?token=${server.token}`)).status).toBe(404)
    }
  })

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const { server } = await start()
    const status = await new Promise<number>((resolve, reject) => {
      import('node:http').then(({ request }) => {
        const req = request({ host: '127.0.0.1', port: server.port, path: `/?token=${server.token}`, headers: { host: `evil.example:${server.port}` } }, (res) => resolve(res.statusCode ?? 0))
        req.on('error', reject)
        req.end()
      })
    })
    expect(status).toBe(403)
  })

  it('refuses the WebSocket without the token', async () => {
    const { base } = await start()
    const error = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/lab`)
      ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)))
      ws.on('open', () => resolve('opened'))
      ws.on('error', () => {})
    })
    expect(error).toBe('403')
  })
})

describe('the LabApi over the WebSocket', () => {
  it('carries calls, their errors and the run stream', async () => {
    const { base, server, calls, emit } = await start()
    const { connection } = connect(base, server.token)
    expect(await connection.api.startRun('protocol: raft')).toEqual({ ok: true, runId: 'run-1' })
    expect(connection.state().status).toBe('connected')
    expect(await connection.api.injectFault('run-1', { kind: 'crash', target: 'B' })).toEqual({ ok: true, targets: ['B'] })
    expect(calls).toEqual([['run-1', { kind: 'crash', target: 'B' }]])
    await expect(connection.api.injectFault('run-1', { explode: 'B' } as never)).rejects.toThrow(/injectFault: invalid arguments/)
    await expect(connection.api.stopRun('../../etc')).rejects.toThrow(/expected a run id/)
    const received: LabStreamMessage[] = []
    connection.api.subscribe((message) => received.push(message))
    emit({ kind: 'error', runId: 'run-1', message: 'replica A exited' })
    await until(() => received.length === 1)
    expect(received[0]).toEqual({ kind: 'error', runId: 'run-1', message: 'replica A exited' })
    connection.close()
  })

  it('refuses a call larger than the lab accepts without sending it, says why, and stays connected', async () => {
    const { base, server } = await start()
    const { connection, states } = connect(base, server.token)
    await connection.api.info()
    await expect(connection.api.saveExperiment('huge.yaml', 'x'.repeat(labCallJsonBytesMax))).rejects.toThrow(
      new RegExp(`^saveExperiment: the call is ${Math.floor(labCallJsonBytesMax / 1e6)}\\.\\d MB, more than the lab accepts \\(${Math.floor(labCallJsonBytesMax / 1e6)}\\.\\d MB\\)`),
    )
    expect((await connection.api.info()).version).toBe('test')
    expect(states.map((state) => state.status)).not.toContain('lost')
    connection.close()
  })

  it('carries the run store calls: a run record, the run folders, a PDF as base64, each argument checked', async () => {
    const { base, server, calls } = await start()
    const { connection } = connect(base, server.token)
    expect(await connection.api.getRunRecord('run-1')).toMatchObject({ summary: { runId: 'run-1' } })
    await expect(connection.api.getRunRecord('../runs')).rejects.toThrow(/getRunRecord: invalid arguments .*expected a run id/)
    expect(await connection.api.listRunDirectories()).toHaveLength(1)
    expect(await connection.api.renderPdf('<!doctype html><p>x</p>')).toBe('JVBERi0=')
    await expect(connection.api.renderPdf('')).rejects.toThrow(/renderPdf: invalid arguments .*expected the HTML of a report/)
    await expect(connection.api.renderPdf(42 as never)).rejects.toThrow(/renderPdf: invalid arguments/)
    expect(calls).toEqual([['getRunRecord', 'run-1'], ['renderPdf', 23]])
    connection.close()
  })

  it('carries a trace window read, its query checked', async () => {
    const { base, server, calls } = await start()
    const { connection } = connect(base, server.token)
    const query = { fromMs: 5000, toMs: 7000, kinds: ['fault'], text: 'crash' }
    expect(await connection.api.readTrace('run-1', query)).toMatchObject({ matched: 1, events: [{ kind: 'term' }] })
    await expect(connection.api.readTrace('run-1', { fromMs: 'soon' } as never)).rejects.toThrow(/readTrace: invalid arguments \(argument 1\.fromMs\)/)
    await expect(connection.api.readTrace('run-1', { limit: 10_000_000 })).rejects.toThrow(/readTrace: invalid arguments/)
    expect(calls).toEqual([['readTrace', 'run-1', query]])
    connection.close()
  })

  it('when the lab dies: pending calls fail at once, the state says unreachable, and it reconnects when the lab is back', async () => {
    const token = 'fixed-token-for-restart-tests-0123'
    const first = await start(token)
    const { connection, states } = connect(first.base, token)
    await connection.api.info()
    await first.server.close()
    servers.splice(servers.indexOf(first.server), 1)
    await until(() => connection.state().status === 'lost')
    await expect(connection.api.info()).rejects.toThrow(/not connected/)
    await until(() => states.some((s) => s.status === 'lost' && s.reason === 'unreachable'))
    await start(token, first.server.port)
    connection.retryNow()
    await until(() => connection.state().status === 'connected', 10_000)
    expect((await connection.api.info()).version).toBe('test')
    connection.close()
  })

  it('tells a restarted lab with a new token ("rejected") from a dead one', async () => {
    const first = await start('first-token-0123456789abcdef')
    const { connection } = connect(first.base, 'first-token-0123456789abcdef')
    await connection.api.info()
    await first.server.close()
    servers.splice(servers.indexOf(first.server), 1)
    await start('second-token-0123456789abcdef', first.server.port)
    await until(() => connection.state().status === 'lost' && (connection.state() as { reason: string }).reason === 'rejected', 10_000)
    connection.close()
  })
})
