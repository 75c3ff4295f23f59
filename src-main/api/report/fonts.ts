/**
 * Hangul on machines without a Korean font: the lab ships Noto Sans KR (from @fontsource, the
 * Google Fonts slices, each a woff2 file covering a unicode-range) and embeds in a report only the
 * slices whose ranges hold a character of that report. Pure: the CLI reads the slices from disk,
 * the app fetches them from its own bundle, both pick them with these functions.
 */

export const koreanFontFamily = 'Noto Sans KR'
/** Weights the app ships; reports embed the regular one only (headings use synthetic bold). */
export const appFontWeights = [400, 700] as const
export const reportFontWeight = 400

export interface FontSlice {
  /** woff2 file name. */
  file: string
  weight: number
  /** Inclusive code point ranges. */
  ranges: [number, number][]
}

/** What the app needs a glyph for: Latin, punctuation, arrows, boxes, Hangul (jamo and syllables), full-width forms. */
const neededRanges: [number, number][] = [
  [0x20, 0x7e],
  [0xa0, 0x17f],
  [0x2000, 0x22ff],
  [0x2460, 0x25ff],
  [0x3000, 0x303f],
  [0x1100, 0x11ff],
  [0x3130, 0x318f],
  [0xa960, 0xa97f],
  [0xac00, 0xd7af],
  [0xd7b0, 0xd7ff],
  [0xff00, 0xffef],
]

/** The @font-face rules of a fontsource CSS file (e.g. 400.css) as slices. */
export function parseFontsourceCss(css: string): FontSlice[] {
  const slices: FontSlice[] = []
  for (const match of css.matchAll(/@font-face\s*\{([^}]*)\}/g)) {
    const body = match[1]!
    const file = /url\(\.\/files\/([^)]+\.woff2)\)/.exec(body)?.[1]
    const weight = Number(/font-weight:\s*(\d+)/.exec(body)?.[1])
    const range = /unicode-range:\s*([^;]+);/.exec(body)?.[1]
    if (file === undefined || !Number.isFinite(weight) || range === undefined) continue
    slices.push({ file, weight, ranges: parseUnicodeRange(range) })
  }
  return slices
}

export function parseUnicodeRange(text: string): [number, number][] {
  return text
    .split(',')
    .map((part) => part.trim().replace(/^U\+/i, ''))
    .filter(Boolean)
    .map((part) => {
      const [from, to] = part.split('-')
      const start = Number.parseInt(from!.replace(/\?/g, '0'), 16)
      const end = to !== undefined ? Number.parseInt(to, 16) : Number.parseInt(from!.replace(/\?/g, 'f'), 16)
      return [start, end] as [number, number]
    })
}

const overlaps = (a: [number, number], b: [number, number]) => a[0] <= b[1] && b[0] <= a[1]

/** The slices the app ships: those holding any character it may show (CJK ideographs are left out). */
export function appSlices(slices: readonly FontSlice[]): FontSlice[] {
  return slices.filter((slice) => slice.ranges.some((range) => neededRanges.some((needed) => overlaps(range, needed))))
}

/** The slices that hold a character of `text`. */
export function slicesForText(slices: readonly FontSlice[], text: string): FontSlice[] {
  const codePoints = [...new Set([...text].map((character) => character.codePointAt(0)!))].filter((codePoint) => codePoint > 0x7f)
  // Latin is always wanted: the report's own words.
  return slices.filter((slice) => slice.ranges.some(([from, to]) => from <= 0x7e && to >= 0x20) || codePoints.some((codePoint) => slice.ranges.some(([from, to]) => codePoint >= from && codePoint <= to)))
}

export function unicodeRangeText(ranges: readonly [number, number][]): string {
  return ranges.map(([from, to]) => (from === to ? `U+${from.toString(16)}` : `U+${from.toString(16)}-${to.toString(16)}`)).join(', ')
}

/** @font-face rules for slices whose bytes are given as base64 (embedded) or as URLs. */
export function fontFaceCss(faces: readonly { slice: FontSlice; src: string }[]): string {
  return faces
    .map(({ slice, src }) => `@font-face{font-family:'${koreanFontFamily}';font-style:normal;font-display:block;font-weight:${slice.weight};src:url(${src}) format('woff2');unicode-range:${unicodeRangeText(slice.ranges)}}`)
    .join('\n')
}

export function base64OfBytes(bytes: Uint8Array): string {
  let binary = ''
  const chunk = 0x8000
  for (let index = 0; index < bytes.length; index += chunk) binary += String.fromCharCode(...bytes.subarray(index, index + chunk))
  return btoa(binary)
}

/** Embeds the slices a report's text needs: `read` gives a slice's bytes (from disk or from the app's bundle). */
export async function embeddedFontCss(slices: readonly FontSlice[], text: string, read: (slice: FontSlice) => Promise<Uint8Array>): Promise<string> {
  const needed = slicesForText(slices.filter((slice) => slice.weight === reportFontWeight), text)
  const faces = await Promise.all(needed.map(async (slice) => ({ slice, src: `data:font/woff2;base64,${base64OfBytes(await read(slice))}` })))
  return fontFaceCss(faces)
}
