import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import { parseHash, routeHash, type Route, type RouteName } from '../router/routes'

export const useRouteStore = defineStore('route', () => {
  const current = shallowRef<Route>(parseHash(globalThis.location?.hash ?? ''))

  /**
   * Opens another page at its top, as a link to a new page does (the previous page's scroll means
   * nothing there); a change within the same page (runs picked on Compare) keeps the reader's place.
   */
  function go(name: RouteName, ...params: string[]): void {
    const hash = routeHash(name, ...params)
    const otherPage = current.value.name !== name
    current.value = parseHash(hash)
    if (globalThis.location !== undefined && globalThis.location.hash !== hash) globalThis.location.hash = hash
    if (otherPage) globalThis.scrollTo?.(0, 0)
  }

  /** Follows the address bar (back/forward); returns the remover. */
  function listen(target: Window = window): () => void {
    const follow = () => (current.value = parseHash(target.location.hash))
    target.addEventListener('hashchange', follow)
    return () => target.removeEventListener('hashchange', follow)
  }

  return { current, go, listen }
})
