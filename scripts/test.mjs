#!/usr/bin/env node
/**
 * `npm test`: the type check and the test suite at the same time, failing
 * when either fails. Most of the suite's time is spent waiting on servers,
 * emulators and timers, so the type check (about 20 s of one core) fits
 * beside it instead of before it. Extra arguments go to vitest.
 */
import { spawn } from "node:child_process"

const run = (command, args, options = {}) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio: options.capture ? ["ignore", "pipe", "pipe"] : "inherit" })
    let output = ""
    if (options.capture) {
      child.stdout.on("data", (d) => (output += d))
      child.stderr.on("data", (d) => (output += d))
    }
    child.on("close", (code, signal) => resolve({ code: code ?? (signal === null ? 1 : 128), output }))
  })

const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname
const [typecheck, tests] = await Promise.all([
  // Its output is shown once it is done, not interleaved with the tests'. Then the web app's (web/tsconfig.json: the DOM, TSX).
  run(bin("tsc"), ["-p", "tsconfig.json", "--noEmit"], { capture: true }).then((server) =>
    server.code !== 0 ? server : run(bin("tsc"), ["-p", "web/tsconfig.json"], { capture: true })
  ),
  run(bin("vitest"), ["run", ...process.argv.slice(2)])
])
if (typecheck.code !== 0) {
  process.stderr.write(`\nType check failed (tsc -p tsconfig.json --noEmit, then tsc -p web/tsconfig.json):\n${typecheck.output}`)
} else {
  process.stdout.write("\nType check passed (tsc -p tsconfig.json --noEmit, tsc -p web/tsconfig.json).\n")
}
process.exit(typecheck.code !== 0 ? typecheck.code : tests.code)
