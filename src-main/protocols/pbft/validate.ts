/**
 * Shape checks for messages from the network. A Byzantine replica may send anything; the core
 * checks every field before it reads any, so a malformed message is dropped with a note and never
 * throws. Each object must have exactly its type's fields (no extra ones, no inherited ones), and
 * sizes are bounded here too (a batch, a proof, a P set).
 */
import { checkCommand } from '../common/command-check.js'
import type { Command } from '../types.js'
import type { ClientRequest, PbftMessage } from './types.js'
import { encodedBytesMax } from '../common/wire-budget.js'

export interface ShapeLimits {
  n: number
  batchMax: number
  /** Bytes of one batch: a larger one, even inside a certificate, could make a view change outgrow a frame. */
  batchBytesMax: number
  logWindowMax: number
  forwardedRequestsMax: number
  executedRetainMax: number
  viewChangesHeldMax: number
}

type Check = (value: unknown) => boolean
type Fields = Record<string, unknown>

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value)
const isString = (value: unknown): value is string => typeof value === 'string'
const isNat = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
const arrayOf = (check: Check, max: number): Check => (value) =>
  Array.isArray(value) && value.length <= max && value.every(check)

/**
 * A plain object with exactly these own fields (the optional ones may be missing). Nothing else is
 * read, so nothing unexpected (a field nested ten thousand levels deep, a prototype) reaches the
 * canonical encoding or the protocol.
 */
function hasFields(value: unknown, required: readonly string[], optional: readonly string[] = []): value is Fields {
  if (!isObject(value)) return false
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return false
  for (const key of Object.keys(value)) if (!required.includes(key) && !optional.includes(key)) return false
  return required.every((key) => Object.hasOwn(value, key))
}

/** The fields each command may carry (see Command); checkCommand checks their values. */
const commandFields: Record<string, { required: readonly string[]; optional?: readonly string[] }> = {
  put: { required: ['op', 'key', 'value'], optional: ['lease'] },
  delete: { required: ['op', 'key'] },
  cas: { required: ['op', 'key', 'expected', 'value'] },
  get: { required: ['op', 'key'] },
  range: { required: ['op', 'prefix'] },
  'lease-grant': { required: ['op', 'lease', 'ttlMs'] },
  'lease-keepalive': { required: ['op', 'lease'] },
  'lease-revoke': { required: ['op', 'lease'], optional: ['expired'] },
  noop: { required: ['op'] },
}

export function isCommand(value: unknown): value is Command {
  if (!isObject(value) || !isString(value.op) || !Object.hasOwn(commandFields, value.op)) return false
  const fields = commandFields[value.op]
  return hasFields(value, fields.required, fields.optional) && checkCommand(value) === null
}

export function isClientRequest(value: unknown): value is ClientRequest {
  return hasFields(value, ['command', 'tag']) && isCommand(value.command) && hasFields(value.tag, ['clientId', 'seq']) &&
    isString(value.tag.clientId) && isNat(value.tag.seq)
}

/** The fields of each message type besides type, replica and auth. */
const messageFields: Record<PbftMessage['type'], readonly string[]> = {
  Request: ['view', 'requests'],
  PrePrepare: ['view', 'seq', 'digest', 'batch'],
  Prepare: ['view', 'seq', 'digest'],
  Commit: ['view', 'seq', 'digest'],
  Checkpoint: ['seq', 'digest'],
  ViewChange: ['view', 'stableSeq', 'stableDigest', 'checkpointProof', 'prepared'],
  ViewChangeAck: ['view', 'subject', 'digest'],
  NewView: ['view', 'viewChanges', 'acks', 'prePrepares'],
  Status: ['view', 'viewChanging', 'stableSeq', 'executedSeq', 'uncommitted', 'viewChangesHeld'],
  CatchUp: ['fromSeq', 'toSeq', 'toDigest', 'proof', 'batches', 'digests'],
}

/** A short, safe name for whatever arrived as a message's type. */
function typeName(value: unknown): string {
  return isString(value) ? JSON.stringify(value.slice(0, 40)) : typeof value
}

/** Builds the check once per core: returns the reason a message is malformed, or undefined. */
export function shapeChecker(limits: ShapeLimits): (value: unknown) => string | undefined {
  const checks = bodyChecks(limits)
  return (value) => {
    if (!isObject(value)) return 'not an object'
    const type = value.type
    if (!isString(type) || !Object.hasOwn(checks, type)) return `unknown type ${typeName(type)}`
    if (!hasFields(value, ['type', 'replica', 'auth', ...messageFields[type as PbftMessage['type']]])) return `${type} with missing or unexpected fields`
    if (!isString(value.replica)) return 'replica is not a string'
    if (!Array.isArray(value.auth) || value.auth.length !== limits.n || !value.auth.every(isString)) return 'bad authenticator'
    return checks[type](value) ? undefined : `malformed ${type}`
  }
}

function bodyChecks(limits: ShapeLimits): Record<string, (value: Fields) => boolean> {
  const requests = arrayOf(isClientRequest, limits.batchMax)
  const batch = (value: unknown): boolean => requests(value) && encodedBytesMax(value) <= limits.batchBytesMax
  /** A message nested in another (a certificate's, a proof's): same rules as one on its own. */
  const signed = (type: PbftMessage['type'], body: (v: Fields) => boolean) => (value: unknown): boolean =>
    hasFields(value, ['type', 'replica', 'auth', ...messageFields[type]]) && value.type === type && isString(value.replica) &&
    Array.isArray(value.auth) && value.auth.length === limits.n && value.auth.every(isString) && body(value)
  const prePrepare = (v: Fields): boolean => isNat(v.view) && isNat(v.seq) && isString(v.digest) && batch(v.batch)
  const vote = (v: Fields): boolean => isNat(v.view) && isNat(v.seq) && isString(v.digest)
  const checkpoint = (v: Fields): boolean => isNat(v.seq) && isString(v.digest)
  const ack = (v: Fields): boolean => isNat(v.view) && isString(v.subject) && isString(v.digest)
  const proof = arrayOf(signed('Checkpoint', checkpoint), limits.n)
  const preparedProof = (value: unknown): boolean =>
    hasFields(value, ['prePrepare', 'prepares']) && signed('PrePrepare', prePrepare)(value.prePrepare) &&
    arrayOf(signed('Prepare', vote), limits.n)(value.prepares)
  const viewChange = (v: Fields): boolean =>
    isNat(v.view) && isNat(v.stableSeq) && isString(v.stableDigest) && proof(v.checkpointProof) &&
    arrayOf(preparedProof, limits.logWindowMax)(v.prepared)
  const held = (value: unknown): boolean => hasFields(value, ['replica', 'view']) && isString(value.replica) && isNat(value.view)
  return {
    Request: (v) => isNat(v.view) && arrayOf(isClientRequest, limits.forwardedRequestsMax)(v.requests),
    PrePrepare: prePrepare,
    Prepare: vote,
    Commit: vote,
    Checkpoint: checkpoint,
    ViewChange: viewChange,
    ViewChangeAck: ack,
    NewView: (v) =>
      isNat(v.view) && arrayOf(signed('ViewChange', viewChange), limits.n)(v.viewChanges) &&
      arrayOf(signed('ViewChangeAck', ack), limits.n * limits.n)(v.acks) &&
      arrayOf(signed('PrePrepare', prePrepare), limits.logWindowMax)(v.prePrepares),
    Status: (v) =>
      isNat(v.view) && typeof v.viewChanging === 'boolean' && isNat(v.stableSeq) && isNat(v.executedSeq) &&
      arrayOf(isNat, limits.logWindowMax)(v.uncommitted) && arrayOf(held, limits.viewChangesHeldMax)(v.viewChangesHeld),
    CatchUp: (v) =>
      isNat(v.fromSeq) && isNat(v.toSeq) && isString(v.toDigest) && proof(v.proof) &&
      arrayOf(batch, limits.executedRetainMax)(v.batches) && arrayOf(isString, limits.executedRetainMax)(v.digests),
  }
}
