/**
 * The screenshots of a browser test's failed step, kept where the run's end
 * does not remove them: globalSetup deletes the run's temp root (TMPDIR, so
 * os.tmpdir() too), and CI would lose them there. They go under the
 * project's test-results/screenshots/ (git-ignored), one folder per test,
 * or under TGSC_TEST_SCREENSHOTS when it names a folder.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { projectRoot } from "./ServerProcess.js"

export const screenshotsRoot = (env: NodeJS.ProcessEnv = process.env): string =>
  env.TGSC_TEST_SCREENSHOTS || path.join(projectRoot, "test-results", "screenshots")

const fileName = (label: string) => label.replace(/\W+/g, "-")

/** Writes a test's screenshots, numbered in order, in its own folder (an earlier run's replaced); the folder. */
export const saveScreenshots = (root: string, test: string, shots: ReadonlyArray<readonly [string, Buffer]>): string => {
  const dir = path.resolve(root, fileName(test))
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  shots.forEach(([label, png], i) => fs.writeFileSync(path.join(dir, `${i + 1}-${fileName(label)}.png`), png))
  return dir
}
