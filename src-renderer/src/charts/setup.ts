/** Registers the ECharts parts the timelines use (tree-shaken: no full echarts bundle). */
import { use } from 'echarts/core'
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers'
import { BarChart, CustomChart, LineChart, ScatterChart } from 'echarts/charts'
import { AriaComponent, GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, TooltipComponent } from 'echarts/components'

let registered = false

export function registerCharts(): void {
  if (registered) return
  registered = true
  use([CanvasRenderer, SVGRenderer, LineChart, ScatterChart, BarChart, CustomChart, GridComponent, LegendComponent, TooltipComponent, MarkLineComponent, MarkAreaComponent, AriaComponent])
}
