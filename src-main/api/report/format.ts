/** Number and text formatting shared by the report formats (HTML, Markdown). */

/** Milliseconds with precision that fits their size: 0.412, 7.35, 72.5, 770. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–'
  const size = Math.abs(ms)
  if (size === 0) return '0'
  if (size < 1) return ms.toFixed(3)
  if (size < 10) return ms.toFixed(2)
  if (size < 100) return ms.toFixed(1)
  return ms.toFixed(0)
}

/** 0.5 s, 1 s, 2.25 s: at most two decimals, no trailing zeros. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(2))} s`
}

export function formatCount(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–'
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '–'
  if (bytes < 1024) return `${bytes.toFixed(bytes < 10 && bytes % 1 !== 0 ? 1 : 0)} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GiB`
}

/** "×1.23" against the baseline; "–" when there is no meaningful ratio. */
export function formatRatio(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '–'
  return `×${value >= 10 ? value.toFixed(1) : value.toFixed(2)}`
}

export function formatLinearizable(value: boolean | 'unknown' | undefined): string {
  if (value === undefined) return 'not checked'
  // Why (a search over budget, a history with nothing acknowledged) is in the verdict's witness.
  if (value === 'unknown') return 'unknown'
  return value ? 'yes' : 'NO'
}

/** A replica that exited on its own, in one line: "B at 6.45 s: Error: ... (exit code 70)". */
export function describeReplicaExit(exit: { node: string; atMs: number; reason: string }): string {
  return `${exit.node} at ${(exit.atMs / 1000).toFixed(2)} s: ${exit.reason}`
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

/** A Markdown table cell: pipes escaped, line breaks folded, so one value stays one cell. */
export function escapeMarkdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>')
}
