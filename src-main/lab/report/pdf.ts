/**
 * PDF reports: the HTML report printed by Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core). The page gets no network at all: every request is refused, so the PDF shows
 * exactly what the self-contained HTML holds.
 */
import fs from 'node:fs'

export const defaultChromiumPath = '/usr/bin/chromium'
/** Launch and print each get this long before the report gives up on Chromium. */
const chromiumTimeoutMs = 60_000

const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** Chromium is not where the lab looks for it; the message says what to install or set. */
export class ChromiumMissingError extends Error {
  override name = 'ChromiumMissingError'
}

export function chromiumPath(): string {
  return process.env.CONSENSUS_LAB_CHROMIUM || defaultChromiumPath
}

/** A Chromium kept open to print several reports (a class's hand-ins); close it when done. */
export interface PdfPrinter {
  print(html: string): Promise<Uint8Array>
  close(): Promise<void>
}

export async function openPdfPrinter(options: { chromium?: string } = {}): Promise<PdfPrinter> {
  const executablePath = options.chromium ?? chromiumPath()
  if (!fs.existsSync(executablePath)) {
    throw new ChromiumMissingError(
      `PDF reports need Chromium, and ${executablePath} does not exist: install it (Debian/Ubuntu: apt-get install -y chromium) or set CONSENSUS_LAB_CHROMIUM to a Chromium binary; --format html gives the same report without it`,
    )
  }
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({ executablePath, args: chromiumArgs, timeout: chromiumTimeoutMs })
  return {
    async print(html: string) {
      // A fresh page each time: nothing of one report (fonts, routes) reaches the next.
      const page = await browser.newPage()
      try {
        return await printPage(page, html)
      } finally {
        await page.close()
      }
    },
    close: () => browser.close(),
  }
}

export async function htmlToPdf(html: string, options: { chromium?: string } = {}): Promise<Uint8Array> {
  const printer = await openPdfPrinter(options)
  try {
    return await printer.print(html)
  } finally {
    await printer.close()
  }
}

async function printPage(page: import('playwright-core').Page, html: string): Promise<Uint8Array> {
  page.setDefaultTimeout(chromiumTimeoutMs)
  await page.route('**/*', (route) => route.abort())
  await page.setContent(html, { waitUntil: 'load', timeout: chromiumTimeoutMs })
  // Embedded fonts (a report's Korean) load after the page: print once they are in.
  await page.evaluate('document.fonts.ready.then(() => true)')
  await page.emulateMedia({ media: 'print' })
  const pdf = await page.pdf({
    format: 'A4',
    printBackground: true,
    margin: { top: '14mm', bottom: '16mm', left: '12mm', right: '12mm' },
    displayHeaderFooter: true,
    headerTemplate: '<span></span>',
    footerTemplate: '<div style="width:100%;font:9px sans-serif;color:#868e96;text-align:center"><span class="pageNumber"></span> / <span class="totalPages"></span></div>',
  })
  return new Uint8Array(pdf)
}
