/**
 * Electron main: one window, the LabApi over IPC, and the lab service that runs the replicas.
 * Follows Electron's security checklist: sandboxed renderer with context isolation and no Node,
 * served from a privileged app:// scheme with a strict CSP, navigation, new windows, webviews and
 * permission requests denied. Quitting stops every replica and workload process first.
 */
import { app, BrowserWindow, protocol, session, type WebContents } from 'electron'
import { randomUUID } from 'node:crypto'
import { readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { createLabService, type LabService } from '../lab/service.js'
import { contentSecurityPolicy, contentTypeOf, resolveStaticPath } from '../lab/static-files.js'
import { errorMessage } from '../api/lab-methods.js'
import { appHost, appOrigin, appScheme } from './channels.js'
import { serveLabOverIpc } from './ipc.js'

const here = import.meta.dirname
const rendererDir = path.join(here, '..', 'renderer')
const preloadFile = path.join(here, '..', 'preload', 'index.cjs')
/** electron-vite's dev server, only honoured in an unpackaged app. */
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined
/** Bounds the wait for replicas to stop when quitting; past it we quit anyway. */
const shutdownWaitMsMax = 10_000

protocol.registerSchemesAsPrivileged([
  { scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true } },
])
app.enableSandbox()
if (process.env.CONSENSUS_LAB_USER_DATA) app.setPath('userData', path.resolve(process.env.CONSENSUS_LAB_USER_DATA))

let mainWindow: BrowserWindow | undefined
let service: LabService | undefined
let serviceError = ''
let stopIpc: (() => void) | undefined

function startService(): void {
  const bundledExperiments = app.isPackaged
    ? path.join(process.resourcesPath, 'experiments')
    : path.join(app.getAppPath(), 'experiments')
  try {
    service = createLabService({
      experimentsDir: bundledExperiments,
      userExperimentsDir: path.join(app.getPath('userData'), 'experiments'),
      runsDir: path.join(app.getPath('userData'), 'runs'),
      host: 'electron',
      version: app.getVersion(),
      renderPdf: printReportToPdf,
    })
  } catch (error) {
    serviceError = `the lab service could not start: ${errorMessage(error)}`
    console.error(`Consensus Lab: ${serviceError}`)
  }
}

/**
 * A report's HTML printed by this Electron's Chromium: loaded from a temporary file into a hidden,
 * offscreen, sandboxed window without JavaScript (reports are static; their CSP allows nothing
 * but inline styles and data: images), printed, and both window and file are removed.
 */
async function printReportToPdf(html: string): Promise<Uint8Array> {
  const file = path.join(app.getPath('temp'), `consensus-lab-report-${randomUUID()}.html`)
  await writeFile(file, html, 'utf8')
  const printer = new BrowserWindow({
    show: false,
    webPreferences: { offscreen: true, sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false, webSecurity: true, spellcheck: false },
  })
  try {
    await printer.loadFile(file)
    const pdf = await printer.webContents.printToPDF({ pageSize: 'A4', printBackground: true, margins: { top: 0.55, bottom: 0.63, left: 0.47, right: 0.47 } })
    return new Uint8Array(pdf)
  } finally {
    printer.destroy()
    await rm(file, { force: true })
  }
}

function serveRendererFiles(): void {
  protocol.handle(appScheme, async (request) => {
    const url = new URL(request.url)
    const file = url.host === appHost ? resolveStaticPath(rendererDir, url.pathname) : undefined
    if (file === undefined) return new Response('not found', { status: 404 })
    try {
      const body = await readFile(file)
      return new Response(body, {
        headers: {
          'Content-Type': contentTypeOf(file),
          'Content-Security-Policy': contentSecurityPolicy(),
          'X-Content-Type-Options': 'nosniff',
        },
      })
    } catch {
      return new Response('not found', { status: 404 })
    }
  })
}

function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault())
  contents.on('will-redirect', (event) => event.preventDefault())
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
}

function createWindow(): void {
  mainWindow = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 640,
    title: 'Consensus Lab',
    backgroundColor: '#f6f7f9',
    show: false,
    webPreferences: {
      preload: preloadFile,
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  })
  mainWindow.once('ready-to-show', () => mainWindow?.show())
  mainWindow.on('closed', () => (mainWindow = undefined))
  void mainWindow.loadURL(devServerUrl ?? `${appOrigin}/index.html`)
}

let shutdown: Promise<void> | undefined
function stopEverything(): Promise<void> {
  shutdown ??= (async () => {
    stopIpc?.()
    if (service === undefined) return
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, shutdownWaitMsMax).unref())
    await Promise.race([service.close().catch((error: unknown) => console.error(`Consensus Lab: ${errorMessage(error)}`)), timeout])
  })()
  return shutdown
}

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    if (mainWindow === undefined) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.focus()
  })
  app.on('web-contents-created', (_event, contents) => hardenContents(contents))
  // A lab without a window must not keep replicas alive, on macOS too.
  app.on('window-all-closed', () => app.quit())
  let stopped = false
  app.on('before-quit', (event) => {
    if (stopped) return
    event.preventDefault()
    void stopEverything().finally(() => {
      stopped = true
      app.quit()
    })
  })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => app.quit())

  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
    session.defaultSession.setPermissionCheckHandler(() => false)
    serveRendererFiles()
    startService()
    const trustedOrigins = [appOrigin, ...(devServerUrl ? [new URL(devServerUrl).origin] : [])]
    stopIpc = serveLabOverIpc({ api: service, unavailable: serviceError, window: () => mainWindow, trustedOrigins })
    createWindow()
  })
}
