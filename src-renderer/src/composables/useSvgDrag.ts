/**
 * Dragging SVG items with pointer events: a press that moves less than `slopPx` is a click.
 * Coordinates are converted into the SVG's own user space, so the viewBox may scale freely.
 */
import type { Ref } from 'vue'

export interface Dragging {
  id: string
  moved: boolean
}

export function useSvgDrag(
  svg: Ref<SVGSVGElement | undefined>,
  handlers: { move: (id: string, point: { x: number; y: number }) => void; click: (id: string) => void; drop?: (id: string) => void },
  slopPx = 3,
) {
  let active: (Dragging & { startX: number; startY: number }) | undefined

  function toSvg(event: PointerEvent): { x: number; y: number } {
    const element = svg.value
    const matrix = element?.getScreenCTM?.()
    if (element === undefined || !matrix || typeof element.createSVGPoint !== 'function') return { x: event.offsetX, y: event.offsetY }
    const point = element.createSVGPoint()
    point.x = event.clientX
    point.y = event.clientY
    const local = point.matrixTransform(matrix.inverse())
    return { x: local.x, y: local.y }
  }

  function down(id: string, event: PointerEvent, draggable: boolean): void {
    event.stopPropagation()
    if (!draggable) {
      handlers.click(id)
      return
    }
    active = { id, moved: false, startX: event.clientX, startY: event.clientY }
    ;(event.target as Element).setPointerCapture?.(event.pointerId)
  }

  function move(event: PointerEvent): void {
    if (active === undefined) return
    if (!active.moved && Math.hypot(event.clientX - active.startX, event.clientY - active.startY) < slopPx) return
    active.moved = true
    handlers.move(active.id, toSvg(event))
  }

  function up(): void {
    if (active === undefined) return
    const { id, moved } = active
    active = undefined
    if (!moved) handlers.click(id)
    else handlers.drop?.(id)
  }

  return { down, move, up }
}
