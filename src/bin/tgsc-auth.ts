#!/usr/bin/env node
/**
 * tgsc-auth <name>: log a session in from a terminal. Draws the QR code as
 * text (redrawn when Telegram refreshes it), or with --phone has Telegram
 * send a code to the number and asks for it (`r` for another one); asks for
 * the 2FA password without echo, and saves the session where tgsc-server
 * looks for it, only once the login has succeeded (with --force, the login
 * it replaces is then logged out at Telegram). Without a terminal (a pipe),
 * each answer is read as one line from stdin. The number is shown masked,
 * the code and the password never.
 *
 * tgsc-auth logout <name>: the SessionLogout use case, as DELETE
 * /api/v3/sessions/{name} runs it. It takes the data-directory lock, so it
 * refuses while a server uses the directory (whose client for the session
 * would outlive the logout): the server's endpoint is the way then.
 *
 * tgsc-auth token create|list|revoke: named API tokens (src/cli/TokenCommand.ts).
 */
import * as nodePath from "node:path"
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Console, Duration, Effect, Either, Exit, Layer, Option, Redacted } from "effect"
import QRCode from "qrcode"
import { lockDataDir } from "../adapters/fs/DataDirLock.js"
import { SessionFilesLive } from "../adapters/fs/SessionFiles.js"
import { holdCredentials, TelegramAdapterConfig } from "../adapters/telegram/TelegramAdapterConfig.js"
import { AUTH_HELP, authCommandLine, type AuthRun } from "../cli/AuthOptions.js"
import { COMMAND_LINE_EXIT_CODE, envConfigProvider } from "../cli/CommandLine.js"
import { type LineReader, makeLineReader } from "../cli/LineReader.js"
import { SessionAlreadyExists } from "../app/PendingLogins.js"
import { CodeExpired, CodeRefused, MAX_WRONG_CODES, PhoneLoginUnsupported, ResendRefused, TooManyWrongCodes, WrongCode } from "../app/PhoneLogins.js"
import { isTokenCommand, tokenProgram } from "../cli/TokenCommand.js"
import { makeSessionLogout } from "../app/SessionLogout.js"
import { logOutAtTelegram } from "../app/TelegramLogout.js"
import { SessionStore } from "../ports/SessionStore.js"
import { describeTelegramError, type TelegramError } from "../ports/TelegramGateway.js"
import { type CodeAnswer, type CodeRetry, type LoginSuccess, type SentCode, TelegramLogin, type TelegramLoginService } from "../ports/TelegramLogin.js"
import { DEFAULTS } from "../domain/Defaults.js"
import { maskPhoneNumber } from "../domain/PhoneNumber.js"

const interactive = process.stdout.isTTY === true

/** GramJS is loaded only once there is a login to run (refusals answer at once). */
const telegramLogin = ({ credentials, emulator, proxy }: AuthRun) =>
  Effect.flatMap(Effect.promise(() => import("../adapters/telegram/TelegramLoginLive.js")), ({ TelegramLoginLive }) =>
    Effect.provide(
      TelegramLogin,
      TelegramLoginLive.pipe(
        Layer.provide(Layer.succeed(TelegramAdapterConfig, {
          credentials: Either.right(holdCredentials(credentials)),
          floodThresholdSeconds: DEFAULTS.floodThresholdSeconds,
          emulator,
          proxy
        }))
      )
    ))

type PasswordPrompt = (hint: string | null, previousError: string | null) => Effect.Effect<string>

/** The QR code drawn as text, redrawn when Telegram refreshes it, until the phone scans it. */
const qrLogin = (login: TelegramLoginService, password: PasswordPrompt) => {
  let codes = 0
  return Effect.scoped(login.qrLogin({
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
      Effect.zipRight(previousError === null ? Console.log("Scanned.") : Effect.void, password(hint, previousError))
  }))
}

const DELIVERY: Readonly<Record<string, string>> = {
  app: "in the Telegram app where this account is logged in",
  sms: "by SMS",
  call: "by a phone call",
  flash_call: "by a flash call",
  missed_call: "by a missed call (the code is the end of the calling number)",
  email: "by email",
  fragment_sms: "by an SMS through Fragment"
}

const RESEND = "r"

/**
 * Telegram sends a code to the number; each answer is the code, or `r` for
 * another one; wrong codes are counted. Told in the PhoneLogins errors'
 * words, as the server tells them, with the terminal's way to go on.
 */
const phoneLogin = (
  login: TelegramLoginService,
  phone: Redacted.Redacted<string>,
  ask: (prompt: string, secret: boolean, what: string) => Effect.Effect<string>,
  password: PasswordPrompt
): Effect.Effect<LoginSuccess, TelegramError | PhoneLoginUnsupported> => {
  if (login.phoneLogin === undefined) return Effect.fail(new PhoneLoginUnsupported())
  let wrong = 0
  const masked = maskPhoneNumber(Redacted.value(phone))
  const retryText = (retry: CodeRetry): string => {
    switch (retry._tag) {
      case "WrongCode":
        return `${new WrongCode({ attemptsLeft: MAX_WRONG_CODES - wrong }).message}.`
      case "CodeExpired":
        return `${new CodeExpired().message} (type ${RESEND}).`
      case "ResendRefused":
        return `${new ResendRefused({ error: retry.error }).message}: use the one already sent.`
      case "CodeRefused":
        return `${new CodeRefused({ error: retry.error }).message}: type it again after the wait.`
    }
  }
  const sentText = (sent: SentCode) =>
    `Telegram sent a login code to ${masked} ${DELIVERY[sent.type] ?? `(${sent.type})`}.` +
    (sent.nextType === null ? "" : ` Type ${RESEND} to have it sent ${DELIVERY[sent.nextType] ?? sent.nextType} instead` +
      `${sent.timeout === null ? "" : ` (after ${sent.timeout} s)`}.`)
  return Effect.scoped(login.phoneLogin(phone, {
    onCodeSent: (sent) => Console.log(sentText(sent)),
    code: (retry) =>
      Effect.gen(function*() {
        if (retry?._tag === "WrongCode") wrong++
        if (retry !== null) yield* Console.log(retryText(retry))
        // Ends the login (the code withdrawn at Telegram) as the server does after as many wrong codes.
        if (wrong >= MAX_WRONG_CODES) {
          return yield* Effect.die(new Error(`${new TooManyWrongCodes({ maxAttempts: MAX_WRONG_CODES }).message} (nothing was saved)`))
        }
        const typed = (yield* ask("Login code: ", false, "login code")).trim()
        return (typed.toLowerCase() === RESEND
          ? { _tag: "Resend" }
          : { _tag: "Code", code: Redacted.make(typed) }) satisfies CodeAnswer as CodeAnswer
      }),
    password
  }))
}

const login = (command: AuthRun) => Effect.gen(function*() {
  const { dataDir, force, loginTimeoutSeconds: timeoutSeconds, name } = command
  const sessions = yield* SessionStore
  const replaced = yield* sessions.load(name)
  if (!force && Option.isSome(replaced)) {
    return yield* Effect.fail(`${new SessionAlreadyExists({ name }).message} in ${dataDir}: use --force to log in again`)
  }
  const login = yield* telegramLogin(command)
  let reader: LineReader | undefined
  yield* Effect.addFinalizer(() => Effect.sync(() => reader?.close()))
  const ask = (prompt: string, secret: boolean, what: string) =>
    (reader ??= makeLineReader()).ask(prompt, { secret, closedReason: `stdin closed before the ${what} was given` }).pipe(
      Effect.catchAll((reason) => Effect.die(new Error(reason)))
    )
  const password = (hint: string | null, previousError: string | null) =>
    Effect.zipRight(
      previousError === null ? Console.log("This account has two-step verification.") : Console.log(previousError),
      ask(`Two-step verification password${hint ? ` (hint: ${hint})` : ""}: `, true, "2FA password")
    )
  const result = yield* (command.phone === undefined ? qrLogin(login, password) : phoneLogin(login, command.phone, ask, password)).pipe(
    Effect.mapError((e) => `login failed: ${e._tag === "PhoneLoginUnsupported" ? e.message : describeTelegramError(e)}`),
    Effect.timeoutFail({
      duration: Duration.seconds(timeoutSeconds),
      onTimeout: () => `the login expired after ${timeoutSeconds} s without completing: nothing was saved`
    })
  )
  yield* sessions.save(name, result.session).pipe(Effect.mapError((e) => e.message))
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
      SessionStoreFailed: (e) => Effect.fail(e.message)
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
