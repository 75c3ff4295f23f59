/**
 * Whether a page in a real Chromium draws its Hangul from the shipped Noto Sans KR, on a machine
 * without a Korean font (this one has none: `fc-list | grep -i kr` is empty). A test of the text
 * alone (pdftotext, the page's HTML) cannot tell: a Korean character drawn from another font is a
 * box (tofu), yet it is still in the text. Chromium says which fonts drew a node's glyphs
 * (DevTools `CSS.getPlatformFontsForNode`): every element's own Hangul must be drawn by the
 * custom font. Ways it went wrong, all seen: the page's CSP refused the embedded font; an
 * element's stack did not name Noto Sans KR (a monospace run id); bold text whose Hangul face was
 * still loading when first laid out kept DejaVu Sans Bold's boxes after the face loaded (a report's
 * first headings, the app's toast button) while system-ui came first in its stack.
 */
import type { Page } from 'playwright-core'

const hangul = /[\uac00-\ud7a3]/g

/** Elements whose own Hangul some font other than Noto Sans KR drew, one a line; empty when none. */
export async function koreanGlyphProblems(page: Page, selector = 'body *'): Promise<string[]> {
  await page.evaluate(() => document.fonts.ready.then(() => true))
  const cdp = await page.context().newCDPSession(page)
  try {
    await cdp.send('DOM.enable')
    await cdp.send('CSS.enable')
    const { root } = await cdp.send('DOM.getDocument', { depth: -1, pierce: true })
    const { nodeIds } = await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector })
    const problems: string[] = []
    for (const nodeId of nodeIds) {
      // A live page (a running cluster's views) may drop a node between the query and this look.
      const described = await cdp.send('DOM.describeNode', { nodeId, depth: 1 }).catch(() => undefined)
      if (described === undefined) continue
      const { node } = described
      const ownText = (node.children ?? []).filter((child) => child.nodeType === 3).map((child) => child.nodeValue).join('')
      const hangulCount = ownText.match(hangul)?.length ?? 0
      if (hangulCount === 0) continue
      const platform = await cdp.send('CSS.getPlatformFontsForNode', { nodeId }).catch(() => undefined)
      if (platform === undefined) continue
      const { fonts } = platform
      // Not drawn at all (a closed <option>, an SVG <title>): nothing to see.
      if (fonts.length === 0) continue
      const drawnByNoto = fonts.filter((font) => font.isCustomFont && font.familyName.startsWith('Noto Sans KR')).reduce((sum, font) => sum + font.glyphCount, 0)
      if (drawnByNoto < hangulCount) {
        problems.push(`<${node.localName}> “${ownText.trim().slice(0, 30)}”: ${hangulCount} Hangul, ${drawnByNoto} drawn by Noto Sans KR (fonts: ${fonts.map((font) => `${font.postScriptName} ×${font.glyphCount}`).join(', ')})`)
      }
    }
    return problems
  } finally {
    await cdp.detach()
  }
}
