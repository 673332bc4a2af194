#!/usr/bin/env node
/**
 * tgsc-auth <name>: log a session in from a terminal. Draws the QR code as
 * text (redrawn when Telegram refreshes it), asks for the 2FA password
 * without echo, and saves the session where tgsc-server looks for it, only
 * once the login has succeeded (with --force, the login it replaces is then
 * logged out at Telegram). Without a terminal (a pipe), the password is read
 * as one line from stdin.
 *
 * tgsc-auth logout <name>: the SessionLogout use case, as DELETE
 * /api/v3/sessions/{name} runs it. It takes the data-directory lock, so it
 * refuses while a server uses the directory (whose client for the session
 * would outlive the logout): the server's endpoint is the way then.
 */
import * as nodePath from "node:path"
import * as readline from "node:readline"
import { parseArgs } from "node:util"
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Console, Duration, Effect, Either, Exit, Layer, Option } from "effect"
import QRCode from "qrcode"
import { lockDataDir } from "../adapters/fs/DataDirLock.js"
import { SessionFilesLive } from "../adapters/fs/SessionFiles.js"
import { holdCredentials, TelegramAdapterConfig } from "../adapters/telegram/TelegramAdapterConfig.js"
import { EMULATOR_FLAGS, emulatorOption, optionPicker, positiveSeconds, telegramCredentialsFromEnv } from "../cli/Config.js"
import { makeSessionLogout } from "../app/SessionLogout.js"
import { logOutAtTelegram } from "../app/TelegramLogout.js"
import { validateSessionName } from "../domain/SessionName.js"
import { SessionStore } from "../ports/SessionStore.js"
import { describeTelegramError } from "../ports/TelegramGateway.js"
import { TelegramLogin } from "../ports/TelegramLogin.js"
import { DEFAULTS } from "../domain/Defaults.js"

const USAGE = `Usage: tgsc-auth <session-name> [options]
       tgsc-auth logout <session-name> [options]

Logs a Telegram account in by QR code and saves it as {data_dir}/sessions/<session-name>.session.
With logout: logs the session out at Telegram and deletes it (not while a server uses the data
directory: then DELETE /api/v3/sessions/<session-name> on the server).
Options (each also settable by the environment variable shown):
  --data-dir <dir>         data directory                             TGSC_DATA_DIR [./data]
  --force                  replace an existing session (kept until the new login succeeds,
                           then logged out at Telegram)
  --login-timeout <s>      give up on a login not completed by then   TGSC_LOGIN_TIMEOUT_SECONDS [${DEFAULTS.loginTimeoutSeconds}]
  --telegram-dc <addr>     talk to a Telegram emulator instead of Telegram:
                           host:port, or 1=host:port,2=host:port      TGSC_TELEGRAM_DC
  --telegram-public-key <pem>
                           the emulator's RSA public key (PEM file)   TGSC_TELEGRAM_PUBLIC_KEY
  -h, --help               show this help
Needs TELEGRAM_API_ID and TELEGRAM_API_HASH in the environment. Without a terminal,
the 2FA password is read as one line from stdin.
`

const fail = (message: string, code = 2): never => {
  process.stderr.write(`tgsc-auth: ${message}\n`)
  process.exit(code)
}

const OPTIONS = {
  "data-dir": { type: "string" },
  force: { type: "boolean" },
  "login-timeout": { type: "string" },
  ...EMULATOR_FLAGS,
  help: { type: "boolean", short: "h" }
} as const

let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>
try {
  parsed = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: OPTIONS })
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`)
}
if (parsed!.values.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}
// `tgsc-auth logout` alone is a login of a session named "logout", as it always was.
const logout = parsed!.positionals.length === 2 && parsed!.positionals[0] === "logout"
if (parsed!.positionals.length !== 1 && !logout) fail(`expected exactly one session name (or logout and one)\n${USAGE}`)
const name = Either.getOrElse(validateSessionName(parsed!.positionals.at(-1)!), (message) => fail(message))
const pick = optionPicker(parsed!.values, process.env)
const problems: Array<string> = []
const timeoutSeconds = positiveSeconds(pick("login-timeout", "TGSC_LOGIN_TIMEOUT_SECONDS"), problems) ?? DEFAULTS.loginTimeoutSeconds
const emulator = emulatorOption(pick, process.cwd(), problems)
if (problems.length > 0) fail(problems.join("\n"))
const credentials = Either.getOrElse(telegramCredentialsFromEnv(process.env), (message) => fail(message))
const dataDir = nodePath.resolve(pick("data-dir", "TGSC_DATA_DIR")?.value ?? "./data")
const force = parsed!.values.force === true
const interactive = process.stdout.isTTY === true

/**
 * One line reader for the rest of the run, made at the first password
 * prompt (a pipe may deliver several lines at once). On a terminal readline
 * echoes nothing: the prompt is written here, the typed characters never,
 * and Ctrl+C (raw mode turns it into a key) still cancels.
 */
const makePasswordReader = () => {
  const terminal = process.stdin.isTTY === true
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal })
  if (terminal) {
    ;(rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {}
    rl.on("SIGINT", () => process.kill(process.pid, "SIGINT"))
  }
  const lines: Array<string> = []
  const waiting: Array<(line: string | null) => void> = []
  let closed = false
  rl.on("line", (line) => {
    const next = waiting.shift()
    if (next === undefined) lines.push(line)
    else next(line)
  })
  rl.on("close", () => {
    closed = true
    for (const next of waiting.splice(0)) next(null)
  })
  return {
    ask: (text: string) =>
      Effect.async<string, string>((resume) => {
        process.stdout.write(text)
        const answer = (line: string | null) => {
          if (terminal) process.stdout.write("\n")
          resume(line === null ? Effect.fail("stdin closed before the 2FA password was given") : Effect.succeed(line))
        }
        const ready = lines.shift()
        if (ready !== undefined) answer(ready)
        else if (closed) answer(null)
        else waiting.push(answer)
        return Effect.sync(() => {
          const i = waiting.indexOf(answer)
          if (i >= 0) waiting.splice(i, 1)
        })
      }),
    close: () => rl.close()
  }
}

/** GramJS is loaded only once there is a login to run (refusals answer at once). */
const telegramLogin = Effect.promise(() => import("../adapters/telegram/TelegramLoginLive.js")).pipe(
  Effect.flatMap(({ TelegramLoginLive }) =>
    Effect.provide(
      TelegramLogin,
      TelegramLoginLive.pipe(
        Layer.provide(Layer.succeed(TelegramAdapterConfig, {
          credentials: Either.right(holdCredentials(credentials)),
          floodThresholdSeconds: DEFAULTS.floodThresholdSeconds,
          emulator
        }))
      )
    )
  )
)

const program = Effect.gen(function*() {
  const sessions = yield* SessionStore
  const replaced = yield* sessions.load(name)
  if (!force && Option.isSome(replaced)) {
    return yield* Effect.fail(`session '${name}' already exists in ${dataDir}: use --force to log in again`)
  }
  const login = yield* telegramLogin
  let reader: ReturnType<typeof makePasswordReader> | undefined
  yield* Effect.addFinalizer(() => Effect.sync(() => reader?.close()))
  let codes = 0
  const result = yield* Effect.scoped(
    login.qrLogin({
      onQrUrl: (url) =>
        Effect.promise(() => QRCode.toString(url, { type: "terminal", small: true })).pipe(
          Effect.flatMap((art) =>
            Console.log(
              `${interactive ? "\x1b[2J\x1b[H" : ""}${
                codes++ === 0 ? "" : "The code was refreshed.\n"
              }Scan with Telegram on your phone: Settings > Devices > Link Desktop Device\n${art}\nqr_url: ${url}\nWaiting for the scan...`
            )
          )
        ),
      password: (hint, previousError) =>
        Effect.zipRight(
          previousError === null
            ? Console.log("Scanned. This account has two-step verification.")
            : Console.log(previousError),
          (reader ??= makePasswordReader()).ask(`Two-step verification password${hint ? ` (hint: ${hint})` : ""}: `).pipe(
            Effect.catchAll((reason) => Effect.die(new Error(reason)))
          )
        )
    })
  ).pipe(
    Effect.mapError((e) => `login failed: ${describeTelegramError(e)}`),
    Effect.timeoutFail({
      duration: Duration.seconds(timeoutSeconds),
      onTimeout: () => `the login expired after ${timeoutSeconds} s without completing: nothing was saved`
    })
  )
  yield* sessions.save(name, result.session).pipe(Effect.mapError((e) => `could not save the session: ${String(e.cause)}`))
  const who = [result.account.firstName, result.account.lastName].filter(Boolean).join(" ") || String(result.account.userId)
  yield* Console.log(`Logged in as ${who}; session '${name}' saved in ${nodePath.join(dataDir, "sessions")}`)
  if (Option.isSome(replaced) && replaced.value !== result.session) {
    const outcome = yield* logOutAtTelegram(login, replaced.value)
    yield* outcome._tag === "NotConfirmed"
      ? Console.error(`tgsc-auth: could not log out the replaced login at Telegram (${outcome.reason}): end it in Telegram > Settings > Devices`)
      : Console.log(outcome._tag === "LoggedOut" ? "The replaced login was logged out at Telegram." : "The replaced login had already ended at Telegram.")
  }
})

const logoutProgram = Effect.gen(function*() {
  yield* lockDataDir(dataDir).pipe(
    Effect.catchTag("DataDirLocked", () =>
      Effect.fail(
        `the data directory ${dataDir} is in use by a running tgsc server: delete the session through it, ` +
          `e.g. curl -X DELETE http://localhost:8000/api/v3/sessions/${name}`
      )),
    Effect.mapError((e) => (typeof e === "string" ? e : e.message))
  )
  const logOut = yield* makeSessionLogout.pipe(Effect.provideService(TelegramLogin, yield* telegramLogin))
  const deleted = yield* logOut.logOut(name).pipe(
    Effect.catchTags({
      SessionNotFound: () => Effect.fail(`no session '${name}' in ${nodePath.join(dataDir, "sessions")}`),
      SessionStoreFailed: (e) => Effect.fail(`could not delete the session file: ${String(e.cause)}`)
    })
  )
  switch (deleted.telegram._tag) {
    case "LoggedOut":
      return yield* Console.log(`Session '${name}' logged out at Telegram and deleted.`)
    case "AlreadyEnded":
      return yield* Console.log(`Session '${name}' deleted; Telegram had already ended its login (${deleted.telegram.reason}).`)
    case "NotConfirmed":
      return yield* Console.log(
        `Session '${name}' deleted here, but Telegram did not confirm the logout (${deleted.telegram.reason}): ` +
          "end the login in Telegram > Settings > Devices."
      )
  }
})

const layer = SessionFilesLive(nodePath.join(dataDir, "sessions"))

const messageOf = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.squash(cause)
  return failure instanceof Error ? failure.message : String(failure)
}

NodeRuntime.runMain(
  Effect.scoped(logout ? logoutProgram : program).pipe(
    Effect.provide(layer),
    Effect.onInterrupt(() =>
      Effect.sync(() => {
        process.stderr.write("tgsc-auth: cancelled: nothing was saved\n")
        process.exitCode = 130
      })
    ),
    Effect.catchAllCause((cause) =>
      Console.error(`tgsc-auth: ${messageOf(cause)}`).pipe(
        Effect.zipRight(Effect.sync(() => {
          process.exitCode = 1
        }))
      )
    )
  ),
  {
    disableErrorReporting: true,
    disablePrettyLogger: true,
    // GramJS may leave timers behind: leave as soon as the work is done.
    teardown: (exit) => process.exit(Number(process.exitCode ?? (Exit.isSuccess(exit) ? 0 : 1)))
  }
)
