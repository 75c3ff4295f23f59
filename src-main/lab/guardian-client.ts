/** The orchestrator's side of the guardian (see guardian.ts): one per orchestrator process. */
import { fork, type ChildProcess } from 'node:child_process'
import { childProcessEnv, nodeBundle } from './paths.js'

export class Guardian {
  private static instance: Guardian | undefined
  private readonly child: ChildProcess

  private constructor() {
    this.child = fork(nodeBundle('guardian'), [], { env: childProcessEnv(), stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
    // The guardian must never keep the orchestrator alive; it exists only for when it dies.
    // If the guardian itself is gone, the replicas still exit with their own channels; never crash for it.
    this.child.on('error', () => undefined)
    this.child.unref()
    this.child.channel?.unref()
  }

  static shared(): Guardian {
    Guardian.instance ??= new Guardian()
    return Guardian.instance
  }

  watch(pid: number): void {
    if (this.child.connected) this.child.send({ add: pid })
  }

  forget(pid: number): void {
    if (this.child.connected) this.child.send({ remove: pid })
  }
}
