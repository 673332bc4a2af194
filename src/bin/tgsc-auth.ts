#!/usr/bin/env node
/**
 * tgsc-auth <name>: log a session in from a terminal. Draws the QR code as
 * text (redrawn when Telegram refreshes it), asks for the 2FA password
 * without echo, and saves the session where tgsc-server looks for it.
 */
import * as nodePath from "node:path"
import * as readline from "node:readline"
import { parseArgs } from "node:util"
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Console, Effect, Either, Layer } from "effect"
import QRCode from "qrcode"
import { SessionFilesLive } from "../adapters/fs/SessionFiles.js"
import { TelegramAdapterConfig } from "../adapters/telegram/TelegramGatewayLive.js"
import { TelegramLoginLive } from "../adapters/telegram/TelegramLoginLive.js"
import { telegramCredentialsFromEnv } from "../app/Config.js"
import { validateSessionName } from "../domain/SessionName.js"
import { SessionStore } from "../ports/SessionStore.js"
import { TelegramLogin } from "../ports/TelegramLogin.js"

const USAGE = `Usage: tgsc-auth <session-name> [--data-dir <dir>] [--force]

Logs a Telegram account in by QR code and saves it as {data_dir}/sessions/<session-name>.session.
  --data-dir <dir>   data directory (default: $TGSC_DATA_DIR or ./data)
  --force            replace an existing session (kept until the new login succeeds)
Needs TELEGRAM_API_ID and TELEGRAM_API_HASH in the environment.
`

const fail = (message: string, code = 2): never => {
  process.stderr.write(`tgsc-auth: ${message}\n`)
  process.exit(code)
}

let parsed: ReturnType<typeof parseArgs<{ options: { "data-dir": { type: "string" }; force: { type: "boolean" }; help: { type: "boolean"; short: "h" } }; allowPositionals: true }>>
try {
  parsed = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { "data-dir": { type: "string" }, force: { type: "boolean" }, help: { type: "boolean", short: "h" } }
  })
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`)
}
if (parsed!.values.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}
if (parsed!.positionals.length !== 1) fail(`expected exactly one session name\n${USAGE}`)
const name = Either.getOrElse(validateSessionName(parsed!.positionals[0]!), (message) => fail(message))
const credentials = Either.getOrElse(telegramCredentialsFromEnv(process.env), (message) => fail(message))
const dataDir = nodePath.resolve(parsed!.values["data-dir"] ?? process.env.TGSC_DATA_DIR ?? "./data")
const force = parsed!.values.force === true
const interactive = process.stdout.isTTY === true

const askPassword = (prompt: string) =>
  Effect.async<string>((resume) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true })
    if (process.stdin.isTTY) {
      // Echo the prompt, never the typed characters.
      ;(rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
        if (s.startsWith(prompt)) process.stdout.write(prompt)
      }
    }
    rl.question(prompt, (answer) => {
      rl.close()
      if (process.stdin.isTTY) process.stdout.write("\n")
      resume(Effect.succeed(answer))
    })
    return Effect.sync(() => rl.close())
  })

const program = Effect.gen(function*() {
  const sessions = yield* SessionStore
  const login = yield* TelegramLogin
  if (!force && (yield* sessions.exists(name))) {
    return yield* Effect.fail(`session '${name}' already exists in ${dataDir}: use --force to log in again`)
  }
  const result = yield* Effect.scoped(
    login.qrLogin({
      onQrUrl: (url) =>
        Effect.promise(() => QRCode.toString(url, { type: "terminal", small: true })).pipe(
          Effect.flatMap((art) =>
            Console.log(
              `${interactive ? "\x1b[2J\x1b[H" : ""}Scan with Telegram: Settings > Devices > Link Desktop Device\n${art}\nqr_url: ${url}`
            )
          )
        ),
      password: (hint, previousError) =>
        Effect.zipRight(
          previousError === null ? Effect.void : Console.log(previousError),
          askPassword(`Two-step verification password${hint ? ` (hint: ${hint})` : ""}: `)
        )
    })
  ).pipe(Effect.mapError((e) => `login failed: ${e._tag === "TelegramRpcError" ? e.message : e._tag === "FloodWait" ? `rate limited for ${e.seconds} s` : e.reason}`))
  yield* sessions.save(name, result.session).pipe(Effect.mapError((e) => `could not save the session: ${String(e.cause)}`))
  const who = [result.account.firstName, result.account.lastName].filter(Boolean).join(" ") || String(result.account.userId)
  yield* Console.log(`Logged in as ${who}; session '${name}' saved in ${nodePath.join(dataDir, "sessions")}`)
})

const layer = Layer.mergeAll(SessionFilesLive(nodePath.join(dataDir, "sessions")), TelegramLoginLive).pipe(
  Layer.provide(Layer.succeed(TelegramAdapterConfig, { credentials: Either.right(credentials), floodThresholdSeconds: 120 }))
)

NodeRuntime.runMain(
  program.pipe(
    Effect.provide(layer),
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.void
        : Console.error(`tgsc-auth: ${String(Cause.squash(cause) instanceof Error ? (Cause.squash(cause) as Error).message : Cause.squash(cause))}`).pipe(
          Effect.zipRight(Effect.sync(() => {
            process.exitCode = 1
          }))
        )
    )
  ),
  { disableErrorReporting: true, disablePrettyLogger: true }
)
