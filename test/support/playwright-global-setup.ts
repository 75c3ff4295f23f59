import { makeScratchTmpdir } from './scratch-tmpdir'

export default function globalSetup(): () => void {
  return makeScratchTmpdir('e2e')
}
