/**
 * `npm run emulator -- --scenario <file.json> [--realism all|none|<json>] [--updates <json>]
 *   [--rate <method>=<n>/s[,burst=<n>]]... [--latency 150ms[±20ms]] [--latency-jitter 20ms] [--port n] [--control-port n]
 *   [--only-from addr] [--verbose]`
 *
 * `--realism all` turns on every imperfection of the real Telegram the
 * emulator knows (Realism.ts), whatever the scenario says; a JSON object
 * names some (`--realism '{"min_peers":true}'`). `--updates` sets the
 * update machinery's settings (UpdateSettings.ts), as `POST /updates/settings`
 * does: `--updates '{"difference_limit":50,"retention":1000}'`. `--rate`
 * (repeatable) sets per-account rate budgets answering FLOOD_WAIT
 * (RateLimits.ts), `--latency` a delay on every answer (Latency.ts), both in
 * place of the scenario's.
 *
 * Starts the Telegram emulator on a scenario and prints exactly one JSON line
 * on stdout when ready: `{"env": {...}, "control": "http://127.0.0.1:p"}`.
 * Everything else goes to stderr. Runs until SIGINT/SIGTERM. Bad arguments
 * or an invalid scenario exit with code 2, a failure to start with 1.
 */
import { startEmulator } from "./Emulator.js"
import { EMULATOR_USAGE, type EmulatorArgs, parseEmulatorArgs } from "./EmulatorArgs.js"
import type { EmulatorWorld } from "./RpcContext.js"
import { loadWorldFromFile } from "./World.js"

const message = (error: unknown): string => error instanceof Error ? error.message : String(error)

const fail = (text: string, code: number): never => {
  process.stderr.write(`emulator: ${text}\n`)
  process.exit(code)
}

const main = async (): Promise<void> => {
  let args: EmulatorArgs
  try {
    args = parseEmulatorArgs(process.argv.slice(2))
  } catch (error) {
    return fail(`${message(error)}\n${EMULATOR_USAGE}`, 2)
  }
  let world: EmulatorWorld
  try {
    world = loadWorldFromFile(args.scenario)
    if (args.realism !== undefined) world.setRealism?.(args.realism)
    if (args.updates !== undefined) world.updateSettings?.(args.updates)
  } catch (error) {
    return fail(`invalid scenario: ${message(error)}`, 2)
  }
  const emulator = await startEmulator({
    world,
    port: args.port,
    controlPort: args.controlPort,
    verbose: args.verbose,
    ...(args.rate === undefined ? {} : { rate: args.rate }),
    ...(args.latency === undefined ? {} : { latency: args.latency }),
    ...(args.onlyFrom === undefined ? {} : { onlyFrom: args.onlyFrom })
  })
    .catch((error: unknown) => fail(`could not start: ${message(error)}`, 1))

  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    if (args.verbose) process.stderr.write(`emulator: ${signal}, stopping\n`)
    emulator.stop().then(() => process.exit(0), (error: unknown) => fail(`stop failed: ${message(error)}`, 1))
  }
  process.on("SIGINT", stop)
  process.on("SIGTERM", stop)
  process.stdout.write(`${JSON.stringify({ env: emulator.env, control: emulator.control })}\n`)
}

void main()
