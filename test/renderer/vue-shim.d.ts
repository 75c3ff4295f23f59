// The root tsconfig (tsc) checks tests but not .vue files; vue-tsc checks those (src-renderer/tsconfig.json).
declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}
