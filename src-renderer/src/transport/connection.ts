/**
 * What the UI knows of its host: a LabApi and whether it is reachable. The two transports
 * (Electron IPC, browser WebSocket) both produce a LabConnection; nothing else depends on which.
 */
import type { LabApi } from '../../../src-main/api/lab-api'

export type ConnectionState =
  | { status: 'connecting' }
  | { status: 'connected' }
  /**
   * unreachable: nothing answers (the lab process stopped or died);
   * rejected: a lab answers but refuses this page's token (it was restarted with a new one);
   * incompatible: it speaks another wire protocol version.
   */
  | { status: 'lost'; reason: 'unreachable' | 'rejected' | 'incompatible'; attempts: number; retryAtMs: number }

export interface LabConnection {
  readonly host: 'electron' | 'browser'
  readonly api: LabApi
  state(): ConnectionState
  onState(listener: (state: ConnectionState) => void): () => void
  /** Skip the back-off and try to reconnect now. */
  retryNow(): void
  close(): void
}

export class LabUnavailableError extends Error {
  constructor(message = 'not connected to the lab') {
    super(message)
    this.name = 'LabUnavailableError'
  }
}
