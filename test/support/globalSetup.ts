/**
 * Every temporary file of a test run (data directories, emulator keys,
 * scratch databases) goes under one directory, removed when the run ends,
 * so a run leaves nothing in the machine's /tmp.
 *
 * The commands the process tests start (tgsc-server, tgsc-auth) are bundled
 * from the current source once, as `npm run build` bundles them for
 * release (scripts/bundle.mjs): a bundled command starts in a quarter of a
 * second, the same command through tsx in about three. The bundle goes
 * under node_modules/.cache (its external packages resolve from
 * node_modules), one per run, removed with it; TGSC_TEST_BIN names it.
 * The web app is built beside it (web/), where the bundled server finds it.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { projectRoot } from "./ServerProcess.js"

export default function setup() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tgsc-tests-"))
  const previous = { TMPDIR: process.env.TMPDIR, TGSC_TEST_BIN: process.env.TGSC_TEST_BIN }
  const cache = path.join(projectRoot, "node_modules", ".cache")
  fs.mkdirSync(cache, { recursive: true })
  const bundle = fs.mkdtempSync(path.join(cache, "tgsc-test-bin-"))
  execFileSync(process.execPath, [path.join(projectRoot, "scripts/bundle.mjs")], {
    cwd: projectRoot,
    env: { ...process.env, TGSC_BUNDLE_OUTDIR: bundle },
    stdio: "inherit"
  })
  // The web app beside it (bundle/web, which the bundled server serves at /app); npm test type-checks it already.
  execFileSync(process.execPath, [path.join(projectRoot, "scripts/build-web.mjs")], {
    cwd: projectRoot,
    env: { ...process.env, TGSC_BUNDLE_OUTDIR: bundle, TGSC_WEB_SKIP_TYPECHECK: "1" },
    stdio: "inherit"
  })
  // Workers are started after this and inherit both; os.tmpdir() reads TMPDIR.
  process.env.TMPDIR = root
  process.env.TGSC_TEST_BIN = path.join(bundle, "bin")
  return () => {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
    fs.rmSync(root, { recursive: true, force: true })
    fs.rmSync(bundle, { recursive: true, force: true })
  }
}
