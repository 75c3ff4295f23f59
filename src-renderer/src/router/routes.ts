/**
 * A small hash router: the renderer is served from app:// and from a token URL, so the path and
 * query stay as they are and only the hash moves. #/runs/<id> opens a stored run; #/compare/<id>/<id>...
 * compares stored runs, the first being the baseline; #/course/<exercise id> opens an exercise;
 * #/sweeps/<file> opens a sweep.
 */
export const routeNames = ['course', 'grading', 'library', 'design', 'run', 'runs', 'compare', 'sweeps'] as const
export type RouteName = (typeof routeNames)[number]

export interface Route {
  name: RouteName
  /** Path segments after the name, e.g. a run id: #/runs/<id>. */
  params: string[]
}

export const defaultRoute: Route = { name: 'library', params: [] }

export function parseHash(hash: string): Route {
  const [name, ...params] = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(safeDecode)
  return (routeNames as readonly string[]).includes(name ?? '') ? { name: name as RouteName, params } : defaultRoute
}

export function routeHash(name: RouteName, ...params: string[]): string {
  return `#/${[name, ...params].map(encodeURIComponent).join('/')}`
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
