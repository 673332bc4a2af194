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
 *
 * tgsc-auth token create|list|revoke: named API tokens (src/cli/TokenCommand.ts).
 */
import * as nodePath from "node:path"
import * as readline from "node:readline"
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Console, Duration, Effect, Either, Exit, Layer, Option } from "effect"
import QRCode from "qrcode"
import { lockDataDir } from "../adapters/fs/DataDirLock.js"
import { SessionFilesLive } from "../adapters/fs/SessionFiles.js"
import { holdCredentials, TelegramAdapterConfig } from "../adapters/telegram/TelegramAdapterConfig.js"
import { AUTH_HELP, authCommandLine, type AuthRun } from "../cli/AuthOptions.js"
import { COMMAND_LINE_EXIT_CODE, envConfigProvider } from "../cli/CommandLine.js"
import { isTokenCommand, tokenProgram } from "../cli/TokenCommand.js"
import { makeSessionLogout } from "../app/SessionLogout.js"
import { logOutAtTelegram } from "../app/TelegramLogout.js"
import { SessionStore } from "../ports/SessionStore.js"
import { describeTelegramError } from "../ports/TelegramGateway.js"
import { TelegramLogin } from "../ports/TelegramLogin.js"
import { DEFAULTS } from "../domain/Defaults.js"

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
const telegramLogin = ({ credentials, emulator }: AuthRun) =>
  Effect.flatMap(Effect.promise(() => import("../adapters/telegram/TelegramLoginLive.js")), ({ TelegramLoginLive }) =>
    Effect.provide(
      TelegramLogin,
      TelegramLoginLive.pipe(
        Layer.provide(Layer.succeed(TelegramAdapterConfig, {
          credentials: Either.right(holdCredentials(credentials)),
          floodThresholdSeconds: DEFAULTS.floodThresholdSeconds,
          emulator
        }))
      )
    ))

const login = (command: AuthRun) => Effect.gen(function*() {
  const { dataDir, force, loginTimeoutSeconds: timeoutSeconds, name } = command
  const sessions = yield* SessionStore
  const replaced = yield* sessions.load(name)
  if (!force && Option.isSome(replaced)) {
    return yield* Effect.fail(`session '${name}' already exists in ${dataDir}: use --force to log in again`)
  }
  const login = yield* telegramLogin(command)
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

const logout = (command: AuthRun) => Effect.gen(function*() {
  const { dataDir, name } = command
  yield* lockDataDir(dataDir).pipe(
    Effect.catchTag("DataDirLocked", () =>
      Effect.fail(
        `the data directory ${dataDir} is in use by a running tgsc server: delete the session through it, ` +
          `e.g. curl -X DELETE http://localhost:8000/api/v3/sessions/${name}`
      )),
    Effect.mapError((e) => (typeof e === "string" ? e : e.message))
  )
  const logOut = yield* makeSessionLogout.pipe(Effect.provideService(TelegramLogin, yield* telegramLogin(command)))
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

const messageOf = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.squash(cause)
  return failure instanceof Error ? failure.message : String(failure)
}

const exitWith = (code: number) =>
  Effect.sync(() => {
    process.exitCode = code
  })

const run = (command: AuthRun) =>
  Effect.scoped(command._tag === "Logout" ? logout(command) : login(command)).pipe(
    Effect.provide(SessionFilesLive(nodePath.join(command.dataDir, "sessions"))),
    Effect.onInterrupt(() =>
      Effect.sync(() => {
        process.stderr.write("tgsc-auth: cancelled: nothing was saved\n")
        process.exitCode = 130
      })
    ),
    Effect.catchAllCause((cause) => Console.error(`tgsc-auth: ${messageOf(cause)}`).pipe(Effect.zipRight(exitWith(1))))
  )

const program = authCommandLine(process.argv.slice(2), process.cwd()).pipe(
  Effect.withConfigProvider(envConfigProvider(process.env)),
  Effect.flatMap((command) =>
    command._tag === "Help" ? Effect.sync(() => void process.stdout.write(AUTH_HELP)) : run(command)
  ),
  Effect.catchTag("CommandLineError", (error) =>
    Console.error(`tgsc-auth: ${error.message}`).pipe(Effect.zipRight(exitWith(COMMAND_LINE_EXIT_CODE))))
)

// `tgsc-auth token ...`: named API tokens, a command of its own (no Telegram, no data-directory lock).
const main = isTokenCommand(process.argv.slice(2))
  ? tokenProgram(process.argv.slice(3), process.cwd()).pipe(
    Effect.withConfigProvider(envConfigProvider(process.env)),
    Effect.flatMap(exitWith)
  )
  : program

NodeRuntime.runMain(
  main,
  {
    disableErrorReporting: true,
    disablePrettyLogger: true,
    // GramJS may leave timers behind: leave as soon as the work is done.
    teardown: (exit) => process.exit(Number(process.exitCode ?? (Exit.isSuccess(exit) ? 0 : 1)))
  }
)
