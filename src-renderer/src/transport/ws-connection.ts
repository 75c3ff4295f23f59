/**
 * Browser mode: the LabApi over one WebSocket to the page's own origin, with the token from the
 * page URL. Calls carry ids and resolve on their reply; the run stream arrives unasked. When the
 * socket drops, every pending call fails at once (no frozen buttons) and the connection retries
 * with back-off, asking /healthz whether the lab is gone or refuses our token.
 */
import { labCallJsonBytesMax, type LabApi, type LabStreamMessage } from '../../../src-main/api/lab-api'
import { healthPath, wirePath, wireProtocolVersion, type LabCallMethod, type WireServerMessage } from '../../../src-main/api/wire'
import { LabUnavailableError, type ConnectionState, type LabConnection } from './connection'

/** Starting a run spawns every replica; anything slower than this is a lab that hangs. */
export const callTimeoutMs = 60_000
/** How long a call made while the first connection is being set up waits for it. */
export const connectWaitMs = 10_000
export const reconnectBackoffMs = [500, 1000, 2000, 4000, 5000]

/**
 * The part of a WebSocket this client uses: the browser's and the `ws` package's both fit.
 * Handlers take `any` because each implementation declares its own event classes.
 */
export interface SocketLike {
  readonly readyState: number
  send(text: string): void
  close(): void
  /* eslint-disable @typescript-eslint/no-explicit-any */
  onopen: ((event: any) => void) | null
  onmessage: ((event: any) => void) | null
  onclose: ((event: any) => void) | null
  onerror: ((event: any) => void) | null
  /* eslint-enable @typescript-eslint/no-explicit-any */
}

export interface WsConnectionOptions {
  url: string
  healthUrl: string
  createSocket: (url: string) => SocketLike
  fetch: (url: string, init?: RequestInit) => Promise<{ status: number }>
  now?: () => number
}

export function wsEndpointsFromLocation(location: Location): { url: string; healthUrl: string } {
  const token = new URLSearchParams(location.search).get('token') ?? ''
  const query = `?token=${encodeURIComponent(token)}`
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return { url: `${scheme}//${location.host}${wirePath}${query}`, healthUrl: `${location.origin}${healthPath}${query}` }
}

interface PendingCall {
  resolve: (value: unknown) => void
  reject: (error: Error) => void
  timer: ReturnType<typeof setTimeout>
}

export function wsConnection(options: WsConnectionOptions): LabConnection {
  const now = options.now ?? (() => Date.now())
  const stateListeners = new Set<(state: ConnectionState) => void>()
  const streamListeners = new Set<(message: LabStreamMessage) => void>()
  const pending = new Map<number, PendingCall>()
  const waiters = new Set<() => void>()
  let state: ConnectionState = { status: 'connecting' }
  let socket: SocketLike | undefined
  let nextId = 1
  let attempts = 0
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let closed = false

  const setState = (next: ConnectionState) => {
    state = next
    for (const listener of stateListeners) listener(next)
    if (next.status !== 'connecting') for (const wake of [...waiters]) wake()
  }

  const failPending = (error: Error) => {
    for (const call of pending.values()) {
      clearTimeout(call.timer)
      call.reject(error)
    }
    pending.clear()
  }

  const open = () => {
    retryTimer = undefined
    if (closed) return
    const current = options.createSocket(options.url)
    socket = current
    current.onmessage = (event: { data: unknown }) => {
      if (socket === current) receive(event.data)
    }
    current.onclose = () => {
      if (socket === current) lost()
    }
    current.onerror = () => {}
  }

  const receive = (data: unknown) => {
    let message: WireServerMessage
    try {
      message = JSON.parse(String(data)) as WireServerMessage
    } catch {
      return
    }
    if (message.type === 'hello') {
      if (message.protocol !== wireProtocolVersion) return lost('incompatible')
      attempts = 0
      setState({ status: 'connected' })
    } else if (message.type === 'reply') {
      const call = pending.get(message.id)
      if (call === undefined) return
      pending.delete(message.id)
      clearTimeout(call.timer)
      if (message.ok) call.resolve(message.value)
      else call.reject(new Error(message.error))
    } else if (message.type === 'stream') {
      for (const listener of streamListeners) listener(message.message)
    }
  }

  const lost = (known?: 'incompatible') => {
    const dead = socket
    socket = undefined
    dead?.close()
    failPending(new LabUnavailableError('lost the connection to the lab'))
    if (closed) return
    attempts += 1
    const delay = reconnectBackoffMs[Math.min(attempts - 1, reconnectBackoffMs.length - 1)]
    const retryAtMs = now() + delay
    setState({ status: 'lost', reason: known ?? 'unreachable', attempts, retryAtMs })
    if (known === undefined) {
      void probeHealth(options).then((reason) => {
        if (state.status === 'lost' && state.attempts === attempts) setState({ ...state, reason })
      })
    }
    retryTimer = setTimeout(open, delay)
  }

  const whenSettled = () =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        waiters.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, connectWaitMs)
      waiters.add(wake)
    })

  const call = async <T>(method: LabCallMethod, ...args: unknown[]): Promise<T> => {
    if (state.status === 'connecting') await whenSettled()
    const ready = socket
    if (state.status !== 'connected' || ready === undefined) throw new LabUnavailableError()
    const id = nextId++
    const text = JSON.stringify({ type: 'call', id, method, args })
    // The lab closes the connection of a message this large (1009): say so here, and keep it open.
    const bytes = text.length <= labCallJsonBytesMax / 3 ? text.length : new TextEncoder().encode(text).length
    if (bytes > labCallJsonBytesMax) throw new Error(`${method}: the call is ${megabytes(bytes)}, more than the lab accepts (${megabytes(labCallJsonBytesMax)})`)
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id)
        reject(new Error(`the lab did not answer ${method} within ${callTimeoutMs / 1000} s`))
      }, callTimeoutMs)
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer })
      ready.send(text)
    })
  }

  const api: LabApi = {
    info: () => call('info'),
    listExperiments: () => call('listExperiments'),
    validateExperiment: (text) => call('validateExperiment', text),
    saveExperiment: (file, text) => call('saveExperiment', file, text),
    startRun: (text) => call('startRun', text),
    stopRun: (runId) => call('stopRun', runId),
    injectFault: (runId, fault) => call('injectFault', runId, fault),
    getRunRecord: (runId) => call('getRunRecord', runId),
    listRunDirectories: () => call('listRunDirectories'),
    readTrace: (runId, query) => call('readTrace', runId, query),
    listExercises: () => call('listExercises'),
    listSweeps: () => call('listSweeps'),
    startSweep: (file) => call('startSweep', file),
    stopSweep: () => call('stopSweep'),
    renderPdf: (html) => call('renderPdf', html),
    subscribe: (listener) => {
      streamListeners.add(listener)
      return () => streamListeners.delete(listener)
    },
  }

  open()
  return {
    host: 'browser',
    api,
    state: () => state,
    onState: (listener) => {
      stateListeners.add(listener)
      return () => stateListeners.delete(listener)
    },
    retryNow: () => {
      if (retryTimer === undefined || closed) return
      clearTimeout(retryTimer)
      open()
    },
    close: () => {
      closed = true
      if (retryTimer !== undefined) clearTimeout(retryTimer)
      socket?.close()
      socket = undefined
      failPending(new LabUnavailableError('the connection to the lab was closed'))
    },
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`
}

async function probeHealth(options: WsConnectionOptions): Promise<'unreachable' | 'rejected'> {
  try {
    const response = await options.fetch(options.healthUrl, { cache: 'no-store' })
    return response.status === 403 ? 'rejected' : 'unreachable'
  } catch {
    return 'unreachable'
  }
}
