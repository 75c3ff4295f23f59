import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import { parseHash, routeHash, type Route, type RouteName } from '../router/routes'

export const useRouteStore = defineStore('route', () => {
  const current = shallowRef<Route>(parseHash(globalThis.location?.hash ?? ''))

  function go(name: RouteName, ...params: string[]): void {
    const hash = routeHash(name, ...params)
    current.value = parseHash(hash)
    if (globalThis.location !== undefined && globalThis.location.hash !== hash) globalThis.location.hash = hash
  }

  /** Follows the address bar (back/forward); returns the remover. */
  function listen(target: Window = window): () => void {
    const follow = () => (current.value = parseHash(target.location.hash))
    target.addEventListener('hashchange', follow)
    return () => target.removeEventListener('hashchange', follow)
  }

  return { current, go, listen }
})
