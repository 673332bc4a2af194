/**
 * tgsc-auth's command line: `tgsc-auth <session-name>` (log in) or
 * `tgsc-auth logout <session-name>`, the shared settings (data directory,
 * login timeout, emulator switch) and the Telegram credentials from the
 * environment. Every problem is reported at once (CommandLineError, exit
 * code 2).
 */
import { Options } from "@effect/cli"
import { Effect, Either } from "effect"
import type { EmulatorConfig, TelegramCredentials } from "../adapters/telegram/TelegramAdapterConfig.js"
import { DEFAULTS } from "../domain/Defaults.js"
import { type SessionName, validateSessionName } from "../domain/SessionName.js"
import { CommandLineError, parseFlags } from "./CommandLine.js"
import { entryOf, type HelpEntry, renderOptions } from "./Help.js"
import { Problems, withDefault } from "./Setting.js"
import {
  DATA_DIR,
  dataDirOption,
  emulatorOf,
  emulatorOptions,
  LOGIN_TIMEOUT,
  TELEGRAM_DC,
  TELEGRAM_PUBLIC_KEY,
  telegramCredentials
} from "./SharedOptions.js"

const COMMAND = "tgsc-auth"

const FORCE: HelpEntry = {
  usage: "--force",
  help: "replace an existing session (kept until the new login succeeds, then logged out at Telegram)"
}

export const AUTH_HELP = `Usage: tgsc-auth <session-name> [options]
       tgsc-auth logout <session-name> [options]
       tgsc-auth token create|list|revoke ... (named API tokens: tgsc-auth token --help)

Logs a Telegram account in by QR code and saves it as {data_dir}/sessions/<session-name>.session.
With logout: logs the session out at Telegram and deletes it (not while a server uses the data
directory: then DELETE /api/v3/sessions/<session-name> on the server).
Options (each also settable by the environment variable shown):
${
  renderOptions([
    entryOf(DATA_DIR),
    FORCE,
    entryOf(LOGIN_TIMEOUT),
    entryOf(TELEGRAM_DC),
    entryOf(TELEGRAM_PUBLIC_KEY),
    { usage: "-h, --help", help: "show this help" }
  ])
}Needs TELEGRAM_API_ID and TELEGRAM_API_HASH in the environment. Without a terminal,
the 2FA password is read as one line from stdin.
`

export interface AuthRun {
  readonly _tag: "Login" | "Logout"
  readonly name: SessionName
  readonly dataDir: string
  /** Replace an existing session (Login). */
  readonly force: boolean
  readonly loginTimeoutSeconds: number
  readonly emulator: EmulatorConfig | undefined
  readonly credentials: TelegramCredentials
}

const authOptions = (cwd: string) =>
  Options.all({
    help: Options.boolean("help").pipe(Options.withAlias("h")),
    dataDir: dataDirOption(cwd),
    force: Options.boolean("force"),
    loginTimeout: withDefault(LOGIN_TIMEOUT),
    emulator: emulatorOptions
  })

const FLAGS = [DATA_DIR.flag, "force", LOGIN_TIMEOUT.flag, TELEGRAM_DC.flag, TELEGRAM_PUBLIC_KEY.flag, "help"]

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
    const loginTimeoutSeconds = problems.take(given.loginTimeout) ?? DEFAULTS.loginTimeoutSeconds
    const emulator = emulatorOf(given.emulator, cwd, problems)
    const telegram = problems.take(Either.mapLeft(credentials, (error) => error.message))
    if (problems.list.length > 0) return yield* new CommandLineError({ command: COMMAND, problems: problems.list })
    return {
      _tag: logout ? "Logout" : "Login",
      name: name!,
      dataDir: given.dataDir,
      force: given.force,
      loginTimeoutSeconds,
      emulator,
      credentials: telegram!
    } as const
  })
