/**
 * Renders a chart option to an SVG string with ECharts' server-side SVG renderer: no DOM, no
 * canvas, no scripts in the result — it works in Node (CLI reports) and in the browser alike.
 */
import { init, use } from 'echarts/core'
import { SVGRenderer } from 'echarts/renderers'
import { BarChart, LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent } from 'echarts/components'
import type { EChartsOption } from 'echarts'

let registered = false

export interface SvgSize {
  width: number
  height: number
}

export function renderChartSvg(option: EChartsOption, size: SvgSize, label: string): string {
  if (!registered) {
    use([SVGRenderer, LineChart, BarChart, GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent])
    registered = true
  }
  const chart = init(null, null, { renderer: 'svg', ssr: true, width: size.width, height: size.height })
  try {
    chart.setOption(option)
    return tidySvg(chart.renderToSVGString(), label)
  } finally {
    // Without dispose the chart's animation loop keeps a Node process alive.
    chart.dispose()
  }
}

/**
 * Makes the SVG a static, labelled image: drops ECharts' hover-only style block (nothing hovers on
 * paper) and names the chart for screen readers.
 */
function tidySvg(svg: string, label: string): string {
  const safeLabel = label.replace(/[&<>"]/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[character]!)
  return svg.replace(/<style\b[^>]*>[\s\S]*?<\/style>/g, '').replace('<svg ', `<svg role="img" aria-label="${safeLabel}" class="chart" `)
}
