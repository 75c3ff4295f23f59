/**
 * Noto Sans KR on disk (the @fontsource package): the slices the app ships, copied into the
 * renderer's public folder at build time, and the slices a CLI report embeds.
 */
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { appFontWeights, appSlices, embeddedFontCss, fontFaceCss, parseFontsourceCss, type FontSlice } from '../../api/report/fonts.js'

/** The package's folder, resolved from `from` (a file; the bundle itself unless a build says where). */
function packageDir(from: string = import.meta.url): string {
  const require = createRequire(from)
  return path.dirname(require.resolve('@fontsource/noto-sans-kr/package.json'))
}

/** The slices of the weights the app ships, Hangul and Latin only. */
export function shippedSlices(dir = packageDir()): FontSlice[] {
  return appSlices(appFontWeights.flatMap((weight) => parseFontsourceCss(fs.readFileSync(path.join(dir, `${weight}.css`), 'utf8'))))
}

/** @font-face rules that embed what `text` needs, for a self-contained report. */
export async function reportFontCss(text: string): Promise<string> {
  const dir = packageDir()
  return embeddedFontCss(shippedSlices(dir), text, async (slice) => new Uint8Array(await fs.promises.readFile(path.join(dir, 'files', slice.file))))
}

/**
 * Writes the app's font folder: the slices, a stylesheet with their unicode ranges (the browser
 * fetches only the slices a page uses), and slices.json for reports made in the app. Like the
 * bundles (scripts/build-node.mjs), a file is replaced by a rename and an unchanged one is left
 * alone: a lab serving this folder while another build runs never sees it half written or gone.
 */
export function writeAppFonts(outDir: string, resolveFrom?: string): { files: number; bytes: number } {
  const dir = packageDir(resolveFrom)
  const slices = shippedSlices(dir)
  fs.mkdirSync(outDir, { recursive: true })
  const wanted = new Map<string, Buffer>()
  for (const slice of slices) wanted.set(slice.file, fs.readFileSync(path.join(dir, 'files', slice.file)))
  wanted.set('noto-sans-kr.css', Buffer.from(`${fontFaceCss(slices.map((slice) => ({ slice, src: `./${slice.file}` })))}\n`))
  wanted.set('slices.json', Buffer.from(JSON.stringify(slices)))
  wanted.set('LICENSE.txt', fs.readFileSync(path.join(dir, 'LICENSE')))
  for (const [file, contents] of wanted) writeIfChanged(path.join(outDir, file), contents)
  for (const stale of fs.readdirSync(outDir).filter((file) => !wanted.has(file) && !file.endsWith('.tmp'))) fs.rmSync(path.join(outDir, stale), { force: true })
  const bytes = slices.reduce((sum, slice) => sum + wanted.get(slice.file)!.length, 0)
  return { files: slices.length, bytes }
}

function writeIfChanged(file: string, contents: Buffer): void {
  try {
    if (fs.readFileSync(file).equals(contents)) return
  } catch {
    // not there yet
  }
  const temporary = `${file}.${process.pid}.tmp`
  fs.writeFileSync(temporary, contents)
  fs.renameSync(temporary, file)
}
