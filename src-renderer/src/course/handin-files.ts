/**
 * The hand-in made in the app: the same zip `lab exercise run --handin` writes (api/exercise/handin),
 * with the report's Korean font taken from the app's own bundle (./fonts) and the PDF printed by the
 * lab host.
 */
import { reportHtmlCharsMax, type LabApi } from '../../../src-main/api/lab-api'
import { buildHandinManifest, buildHandinZip, handinFileName, type HandinContent } from '../../../src-main/api/exercise/handin'
import { buildHandinReportHtml } from '../../../src-main/api/exercise/report'
import { embeddedFontCss, type FontSlice } from '../../../src-main/api/report/fonts'
import { base64ToBytes, type FileToSave } from '../reports/report-files'

/** Where the app's font slices are (scripts/build-node.mjs writes them; Vite serves them as they are). */
const fontsBase = './fonts/'

let slicesCache: Promise<FontSlice[]> | undefined

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url)
  if (!response.ok) throw new Error(`${url}: ${response.status}`)
  return new Uint8Array(await response.arrayBuffer())
}

/** The report's @font-face rules; without the app's fonts (a test page) the report has none. */
export async function appReportFontCss(text: string): Promise<string> {
  slicesCache ??= fetch(`${fontsBase}slices.json`).then((response) => (response.ok ? (response.json() as Promise<FontSlice[]>) : []))
  const slices = await slicesCache.catch(() => [] as FontSlice[])
  return embeddedFontCss(slices, text, (slice) => fetchBytes(`${fontsBase}${slice.file}`))
}

export async function buildHandinFile(content: HandinContent, api: Pick<LabApi, 'renderPdf'>, options: { pdf: boolean }): Promise<FileToSave> {
  const { manifest } = await buildHandinManifest(content)
  const input = { manifest, exercise: content.exercise, runs: content.runs, check: content.check }
  const draft = buildHandinReportHtml({ ...input, fontCss: '' })
  const html = buildHandinReportHtml({ ...input, fontCss: await appReportFontCss(draft) })
  let pdf: Uint8Array | undefined
  if (options.pdf) {
    if (html.length > reportHtmlCharsMax) throw new Error(`the report is too large to print (${html.length} characters, at most ${reportHtmlCharsMax})`)
    pdf = base64ToBytes(await api.renderPdf(html))
  }
  const bytes = await buildHandinZip(content, { html, pdf })
  return { blob: new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }), fileName: handinFileName(content.student, content.exercise) }
}
