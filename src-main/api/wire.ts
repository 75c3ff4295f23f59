/**
 * The browser-mode wire protocol: LabApi calls, their replies and the run stream, as JSON text
 * frames over one WebSocket. Part of the contract: the server speaks it and the renderer's transport
 * imports it (types and three constants, nothing that pulls host code into the renderer's bundle).
 */
import type { LabApi, LabStreamMessage } from './lab-api.js'

/** Every LabApi method except `subscribe`, which is the stream itself. */
export type LabCallMethod = Exclude<keyof LabApi, 'subscribe'>

export interface WireCall {
  type: 'call'
  /** Chosen by the client, echoed in the reply; unique among the client's calls in flight. */
  id: number
  method: LabCallMethod
  args: unknown[]
}

export type WireReply =
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string }

export interface WireStream {
  type: 'stream'
  message: LabStreamMessage
}

/** Sent once when the socket opens, before anything else. */
export interface WireHello {
  type: 'hello'
  protocol: typeof wireProtocolVersion
}

/** The answer to a message that is not a call at all (not JSON, binary, no id): nothing to reply to. */
export interface WireError {
  type: 'error'
  error: string
}

export type WireServerMessage = WireReply | WireStream | WireHello | WireError

export const wireProtocolVersion = 1

/** The WebSocket path; the token travels as `?token=` because browsers cannot set headers on it. */
export const wirePath = '/lab'
/** Answers 200 with a valid token and 403 without, so a client can tell "down" from "rejected". */
export const healthPath = '/healthz'
