import type { Command, RequestTag } from '../types.js'

/**
 * The identity of a log entry or an applied command: term, command and request tag. Two entries
 * with the same key at the same index are the same entry (Raft's log matching compares exactly this).
 */
export function entryKey(term: number, command: Command, tag: RequestTag | undefined): string {
  const tagText = tag === undefined ? '-' : `${tag.clientId}#${tag.seq}`
  return `${term}|${commandText(command)}|${tagText}`
}

/**
 * Every field of the command, in name order: an identity that stays complete when commands gain
 * fields or kinds (a switch over the ops here would silently ignore a new field).
 */
export function commandText(command: Command): string {
  const fields = command as unknown as Record<string, unknown>
  const names = Object.keys(fields).filter((name) => name !== 'op' && fields[name] !== undefined).sort()
  return [command.op, ...names.map((name) => `${name}=${JSON.stringify(fields[name])}`)].join(' ')
}
