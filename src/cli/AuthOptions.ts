/**
 * tgsc-auth's command line: `tgsc-auth <session-name>` (log in) or
 * `tgsc-auth logout <session-name>`, the shared settings (data directory,
 * login timeout, proxy, emulator switch) and the Telegram credentials from the
 * environment. Every problem is reported at once (CommandLineError, exit
 * code 2).
 */
import { Options } from "@effect/cli"
import { Effect, Either, Redacted } from "effect"
import type { EmulatorConfig, TelegramCredentials } from "../adapters/telegram/TelegramAdapterConfig.js"
import type { TelegramProxy } from "../adapters/telegram/TelegramProxy.js"
import { DEFAULTS } from "../domain/Defaults.js"
import { parsePhoneNumber, type PhoneNumber } from "../domain/PhoneNumber.js"
import { type SessionName, validateSessionName } from "../domain/SessionName.js"
import { CommandLineError, parseFlags } from "./CommandLine.js"
import { entryOf, type HelpEntry, renderOptions } from "./Help.js"
import { optional, Problems, type Setting, withDefault } from "./Setting.js"
import {
  DATA_DIR,
  dataDirOption,
  emulatorOf,
  emulatorOptions,
  LOGIN_TIMEOUT,
  PROXY,
  proxyOption,
  TELEGRAM_DC,
  TELEGRAM_PUBLIC_KEY,
  telegramCredentials
} from "./SharedOptions.js"

const COMMAND = "tgsc-auth"

const FORCE: HelpEntry = {
  usage: "--force",
  help: "replace an existing session (kept until the new login succeeds, then logged out at Telegram)"
}

/** No variable: a number is given for one login, not set for every run. */
export const PHONE: Setting<PhoneNumber> = {
  flag: "phone",
  placeholder: "<number>",
  help: "log in by a code Telegram sends to this number (international form: +44 7700 900123) instead of by QR code",
  check: (text, source) => Either.mapLeft(parsePhoneNumber(text), (reason) => `${source}: ${reason}`)
}

export const AUTH_HELP = `Usage: tgsc-auth <session-name> [options]
       tgsc-auth logout <session-name> [options]
       tgsc-auth token create|list|revoke ... (named API tokens: tgsc-auth token --help)

Logs a Telegram account in by QR code (or, with --phone, by the code Telegram sends to the number)
and saves it as {data_dir}/sessions/<session-name>.session.
With logout: logs the session out at Telegram and deletes it (not while a server uses the data
directory: then DELETE /api/v3/sessions/<session-name> on the server).
Options (each also settable by the environment variable shown):
${
  renderOptions([
    entryOf(DATA_DIR),
    FORCE,
    entryOf(PHONE),
    entryOf(LOGIN_TIMEOUT),
    entryOf(PROXY),
    entryOf(TELEGRAM_DC),
    entryOf(TELEGRAM_PUBLIC_KEY),
    { usage: "-h, --help", help: "show this help" }
  ])
}Needs TELEGRAM_API_ID and TELEGRAM_API_HASH in the environment. Without a terminal, the
login code and the 2FA password are read as lines from stdin.
`

export interface AuthRun {
  readonly _tag: "Login" | "Logout"
  readonly name: SessionName
  readonly dataDir: string
  /** Replace an existing session (Login). */
  readonly force: boolean
  /** Log in by a code sent to this number instead of by QR code (Login). */
  readonly phone: Redacted.Redacted<PhoneNumber> | undefined
  readonly loginTimeoutSeconds: number
  readonly emulator: EmulatorConfig | undefined
  readonly proxy: TelegramProxy | undefined
  readonly credentials: TelegramCredentials
}

const authOptions = (cwd: string) =>
  Options.all({
    help: Options.boolean("help").pipe(Options.withAlias("h")),
    dataDir: dataDirOption(cwd),
    force: Options.boolean("force"),
    phone: optional(PHONE),
    loginTimeout: withDefault(LOGIN_TIMEOUT),
    proxy: proxyOption,
    emulator: emulatorOptions
  })

const FLAGS = [DATA_DIR.flag, "force", PHONE.flag, LOGIN_TIMEOUT.flag, PROXY.flag, TELEGRAM_DC.flag, TELEGRAM_PUBLIC_KEY.flag, "help"]

/** The command line and the environment (the ConfigProvider in the context), paths relative to `cwd`. */
export const authCommandLine = (
  argv: ReadonlyArray<string>,
  cwd: string
): Effect.Effect<{ readonly _tag: "Help" } | AuthRun, CommandLineError> =>
  Effect.gen(function*() {
    const { positionals, value: given } = yield* parseFlags(COMMAND, authOptions(cwd), argv, FLAGS, 2)
    if (given.help) return { _tag: "Help" } as const
    const credentials = yield* telegramCredentials.pipe(
      Effect.mapError((error) => new CommandLineError({ command: COMMAND, problems: [String(error)] }))
    )
    const problems = new Problems()
    // `tgsc-auth logout` alone is a login of a session named "logout", as it always was.
    const logout = positionals.length === 2 && positionals[0] === "logout"
    const name = positionals.length === 1 || logout
      ? problems.take(validateSessionName(positionals.at(-1)!))
      : problems.add("expected exactly one session name (or logout and one)")
    const phone = problems.takeGiven(given.phone)
    if (logout && phone !== undefined) problems.add("--phone is for a login, not for logout")
    const loginTimeoutSeconds = problems.take(given.loginTimeout) ?? DEFAULTS.loginTimeoutSeconds
    const proxy = problems.takeGiven(given.proxy)
    const emulator = emulatorOf(given.emulator, cwd, problems)
    const telegram = problems.take(Either.mapLeft(credentials, (error) => error.message))
    if (problems.list.length > 0) return yield* new CommandLineError({ command: COMMAND, problems: problems.list })
    return {
      _tag: logout ? "Logout" : "Login",
      name: name!,
      dataDir: given.dataDir,
      force: given.force,
      phone: phone === undefined ? undefined : Redacted.make(phone),
      loginTimeoutSeconds,
      emulator,
      proxy,
      credentials: telegram!
    } as const
  })
