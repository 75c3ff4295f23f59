/**
 * Scripted client commands as the guide writes them: `SET x=1`, `DELETE z`, `GET x`,
 * `CAS x 1 2` (set x to 2 if it is 1; `nil` stands for an absent key), `RANGE user:`.
 */
import type { Command } from '../protocols/types.js'

/** A refusal says which form was expected (validation's `scriptForm` code says it in other languages). */
export type ParsedScriptCommand = { ok: true; command: Command } | { ok: false; message: string; expected: string }

const forms = 'SET key=value, DELETE key, GET key, CAS key expected new, or RANGE prefix'

export function parseScriptCommand(text: string): ParsedScriptCommand {
  const refuse = (expected: string): ParsedScriptCommand => ({ ok: false, message: `expected ${expected}, got ${JSON.stringify(text)}`, expected })
  const trimmed = text.trim()
  const [verbRaw, ...rest] = trimmed.split(/\s+/)
  const verb = (verbRaw ?? '').toUpperCase()
  const argument = trimmed.slice((verbRaw ?? '').length).trim()
  switch (verb) {
    case 'SET': {
      const match = /^([^=\s]+)\s*=\s*(.*)$/.exec(argument)
      if (!match) return refuse('SET key=value')
      return { ok: true, command: { op: 'put', key: match[1]!, value: match[2]! } }
    }
    case 'DELETE':
    case 'GET':
      if (rest.length !== 1) return refuse(`${verb} key`)
      return { ok: true, command: verb === 'GET' ? { op: 'get', key: rest[0]! } : { op: 'delete', key: rest[0]! } }
    case 'CAS':
      if (rest.length !== 3) return refuse('CAS key expected new')
      return { ok: true, command: { op: 'cas', key: rest[0]!, expected: rest[1] === 'nil' ? null : rest[1]!, value: rest[2]! } }
    case 'RANGE':
      if (rest.length !== 1) return refuse('RANGE prefix')
      return { ok: true, command: { op: 'range', prefix: rest[0]! } }
    default:
      return refuse(forms)
  }
}

export function describeCommand(command: Command): string {
  switch (command.op) {
    case 'put':
      return `SET ${command.key}=${command.value}`
    case 'delete':
      return `DELETE ${command.key}`
    case 'get':
      return `GET ${command.key}`
    case 'cas':
      return `CAS ${command.key} ${command.expected ?? 'nil'} ${command.value}`
    case 'range':
      return `RANGE ${command.prefix}`
    case 'lease-grant':
      return `LEASE GRANT ${command.lease} ${command.ttlMs}ms`
    case 'lease-keepalive':
      return `LEASE KEEPALIVE ${command.lease}`
    case 'lease-revoke':
      return `LEASE REVOKE ${command.lease}${command.expired ? ' (expired)' : ''}`
    case 'noop':
      return 'NOOP'
  }
}

/** Characters of a key or value a command label keeps (a value may be 256 KiB). */
const labelPartCharsMax = 24

/** describeCommand in at most a line: long keys and values are cut with an ellipsis. */
export function commandLabel(command: Command): string {
  const cut = (text: string) => (text.length > labelPartCharsMax ? `${text.slice(0, labelPartCharsMax)}…` : text)
  switch (command.op) {
    case 'put':
      return `SET ${cut(command.key)}=${cut(command.value)}`
    case 'cas':
      return `CAS ${cut(command.key)} ${cut(command.expected ?? 'nil')} ${cut(command.value)}`
    case 'delete':
    case 'get':
      return describeCommand({ ...command, key: cut(command.key) })
    case 'range':
      return `RANGE ${cut(command.prefix)}`
    case 'lease-grant':
    case 'lease-keepalive':
    case 'lease-revoke':
      return describeCommand({ ...command, lease: cut(command.lease) })
    case 'noop':
      return 'NOOP'
  }
}
