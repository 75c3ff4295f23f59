/**
 * Noto Sans KR on disk (the @fontsource package): the slices the app ships, copied into the
 * renderer's public folder at build time, and the slices a CLI report embeds.
 */
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { appFontWeights, appSlices, embeddedFontCss, fontFaceCss, parseFontsourceCss, type FontSlice } from '../../api/report/fonts.js'

function packageDir(): string {
  const require = createRequire(import.meta.url)
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
 * fetches only the slices a page uses), and slices.json for reports made in the app.
 */
export function writeAppFonts(outDir: string): { files: number; bytes: number } {
  const dir = packageDir()
  const slices = shippedSlices(dir)
  fs.rmSync(outDir, { recursive: true, force: true })
  fs.mkdirSync(outDir, { recursive: true })
  let bytes = 0
  for (const slice of slices) {
    fs.copyFileSync(path.join(dir, 'files', slice.file), path.join(outDir, slice.file))
    bytes += fs.statSync(path.join(outDir, slice.file)).size
  }
  fs.writeFileSync(path.join(outDir, 'noto-sans-kr.css'), `${fontFaceCss(slices.map((slice) => ({ slice, src: `./${slice.file}` })))}\n`)
  fs.writeFileSync(path.join(outDir, 'slices.json'), JSON.stringify(slices))
  fs.copyFileSync(path.join(dir, 'LICENSE'), path.join(outDir, 'LICENSE.txt'))
  return { files: slices.length, bytes }
}
