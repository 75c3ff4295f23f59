/// <reference types="vite/client" />
import type { LabApi } from '../../src-main/api/lab-api'

declare global {
  interface Window {
    /** Present only under Electron: the preload's LabApi over IPC. */
    lab?: LabApi
  }
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}

export {}
