/**
 * `npm run build`, third step: the web app (web/, served at /app by
 * src/http/WebApp.ts) type-checked on its own (web/tsconfig.json: the DOM,
 * TSX for Preact) and bundled by esbuild into one minified app.js, with its
 * app.css, index.html and icon.svg beside it, and the media players'
 * service worker (sw.js), in dist/web (or
 * TGSC_BUNDLE_OUTDIR/web: the test run's bundle, see
 * test/support/globalSetup.ts). Nothing is loaded from elsewhere at run
 * time. Prints the script's gzipped size and fails above the budget.
 *
 * TGSC_WEB_SKIP_TYPECHECK=1 skips the type check (the test run's bundle:
 * `npm test` type-checks web/ itself).
 */
import { execFileSync } from "node:child_process"
import * as esbuild from "esbuild"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const outdir = path.join(process.env.TGSC_BUNDLE_OUTDIR ? path.resolve(process.env.TGSC_BUNDLE_OUTDIR) : path.join(root, "dist"), "web")
/** The budget for the app's JavaScript, gzipped. */
const BUDGET_BYTES = 150 * 1024

if (process.env.TGSC_WEB_SKIP_TYPECHECK !== "1") {
  execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", path.join(root, "web/tsconfig.json")], {
    stdio: "inherit"
  })
}

fs.rmSync(outdir, { recursive: true, force: true })
fs.mkdirSync(outdir, { recursive: true })
await esbuild.build({
  absWorkingDir: root,
  entryPoints: { app: "web/src/main.tsx", "app-style": "web/app.css", sw: "web/src/sw.ts" },
  outdir,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["chrome111", "firefox111", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: true,
  charset: "utf8",
  legalComments: "none",
  logLevel: "warning"
})
fs.renameSync(path.join(outdir, "app-style.css"), path.join(outdir, "app.css"))
for (const file of ["index.html", "icon.svg"]) fs.copyFileSync(path.join(root, "web", file), path.join(outdir, file))

const script = fs.readFileSync(path.join(outdir, "app.js"))
const gzipped = gzipSync(script, { level: 9 }).length
const kb = (n) => `${(n / 1024).toFixed(1)} KB`
console.log(`web app: ${path.relative(root, outdir)}/app.js ${kb(script.length)}, ${kb(gzipped)} gzipped (budget ${kb(BUDGET_BYTES)})`)
if (gzipped > BUDGET_BYTES) {
  console.error(`scripts/build-web.mjs: app.js is ${kb(gzipped)} gzipped, over the ${kb(BUDGET_BYTES)} budget`)
  process.exit(1)
}
