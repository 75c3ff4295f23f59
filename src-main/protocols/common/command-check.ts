/**
 * Shape check of a Command that arrived over the wire. A replica runs it before a command reaches
 * its core or state machine: those assert on impossible input and would stop the process.
 */
export function checkCommand(command: unknown): string | null {
  if (typeof command !== 'object' || command === null) return 'command must be an object'
  const fields = command as Record<string, unknown>
  const strings = (...names: string[]): string | null => {
    for (const name of names) if (typeof fields[name] !== 'string') return `command.${name} must be a string`
    return null
  }
  switch (fields.op) {
    case 'put':
      if (fields.lease !== undefined && typeof fields.lease !== 'string') return 'command.lease must be a string'
      return strings('key', 'value')
    case 'lease-grant':
      if (typeof fields.ttlMs !== 'number' || !(fields.ttlMs > 0) || !Number.isFinite(fields.ttlMs)) return 'command.ttlMs must be a positive number of milliseconds'
      return strings('lease')
    case 'lease-keepalive':
      return strings('lease')
    case 'lease-revoke':
      if (fields.expired !== undefined && typeof fields.expired !== 'boolean') return 'command.expired must be a boolean'
      return strings('lease')
    case 'delete':
    case 'get':
      return strings('key')
    case 'cas':
      if (fields.expected !== null && typeof fields.expected !== 'string') return 'command.expected must be a string or null'
      return strings('key', 'value')
    case 'range':
      return strings('prefix')
    case 'noop':
      return null
    default:
      return `unknown command op ${JSON.stringify(fields.op)}`
  }
}

export function checkRequestTag(tag: unknown): string | null {
  if (tag === undefined) return null
  if (typeof tag !== 'object' || tag === null) return 'tag must be an object'
  const fields = tag as Record<string, unknown>
  if (typeof fields.clientId !== 'string' || !Number.isInteger(fields.seq)) return 'tag must have a clientId string and an integer seq'
  return null
}
