/**
 * The settings every tgsc command shares (tgsc-server, tgsc-auth, tgsc-mcp):
 * the data directory, a session name, the login timeout, the proxy to reach
 * Telegram through, the switch to the Telegram emulator, and the Telegram
 * credentials, which come from the
 * environment only (a flag would show them in the process list). The API
 * token is in ConfigSecurity.ts.
 *
 * A command takes a setting with Setting.ts's `withDefault` or `optional`
 * (an @effect/cli option), reads the checked values into its configuration
 * with a `Problems`, and parses with CommandLine.ts's `parseFlags`; the help
 * line is Help.ts's `entryOf(setting)`. AuthOptions.ts is a small example.
 */
import * as nodePath from "node:path"
import { Options } from "@effect/cli"
import { Config, Data, Either, Option, Redacted } from "effect"
import {
  type EmulatorConfig,
  parseDcMap,
  readRsaPublicKey,
  type TelegramCredentials
} from "../adapters/telegram/TelegramAdapterConfig.js"
import { parseTelegramProxy, type TelegramProxy } from "../adapters/telegram/TelegramProxy.js"
import { DEFAULTS } from "../domain/Defaults.js"
import { type SessionName, validateSessionName } from "../domain/SessionName.js"
import { type Checked, optional, type Problems, seconds, type Setting, sourced, type Sourced } from "./Setting.js"

export const DATA_DIR: Setting<string> & { readonly variable: string; readonly default: string } = {
  flag: "data-dir",
  variable: "TGSC_DATA_DIR",
  placeholder: "<dir>",
  help: "data directory (sessions, caches, settings.yaml)",
  default: DEFAULTS.dataDir,
  check: Either.right
}

/** The data directory (any text is a path), made absolute against the working directory `cwd`. */
export const dataDirOption = (cwd: string): Options.Options<string> =>
  Options.text(DATA_DIR.flag).pipe(
    Options.withFallbackConfig(Config.string(DATA_DIR.variable)),
    Options.withDefault(DATA_DIR.default),
    Options.map((dir) => nodePath.resolve(cwd, dir))
  )

/** A session name checked as it will be a file name: `--session <name>`, no variable. */
export const SESSION: Setting<SessionName> = {
  flag: "session",
  placeholder: "<name>",
  help: "the logged-in session to use (as in {data_dir}/sessions/<name>.session)",
  check: (text, source) => Either.mapLeft(validateSessionName(text), (reason) => `${source}: ${reason}`)
}

export const LOGIN_TIMEOUT: Setting<number> & { readonly default: number } = {
  flag: "login-timeout",
  variable: "TGSC_LOGIN_TIMEOUT_SECONDS",
  placeholder: "<s>",
  help: "a login (QR or phone code) not completed by then expires",
  default: DEFAULTS.loginTimeoutSeconds,
  check: seconds({ zero: false })
}

/**
 * Checked when read: a bad one stops the command (exit code 2) with a
 * sentence that names it, never its password or secret.
 */
export const PROXY: Setting<TelegramProxy> = {
  flag: "proxy",
  variable: "TGSC_PROXY",
  placeholder: "<url>",
  help: "reach Telegram through this proxy, every connection (logins, requests, media): socks5://[user:pass@]host:port " +
    "or mtproxy://<secret>@host:port (the secret in hex or base64; fake-TLS ee secrets are not supported)",
  check: parseTelegramProxy
}

export const proxyOption = optional(PROXY)

export const TELEGRAM_DC: Setting<Sourced> = {
  flag: "telegram-dc",
  variable: "TGSC_TELEGRAM_DC",
  placeholder: "<addr>",
  help: "talk to a Telegram emulator instead of Telegram: host:port for every DC, or 1=host:port,2=host:port " +
    "(needs --telegram-public-key)",
  check: sourced
}

export const TELEGRAM_PUBLIC_KEY: Setting<Sourced> = {
  flag: "telegram-public-key",
  variable: "TGSC_TELEGRAM_PUBLIC_KEY",
  placeholder: "<pem>",
  help: "the emulator's RSA public key (PEM file)",
  check: sourced
}

export const emulatorOptions = Options.all({ dc: optional(TELEGRAM_DC), publicKey: optional(TELEGRAM_PUBLIC_KEY) })

/**
 * The emulator switch: both settings or neither, an address that parses,
 * and a readable RSA public key (its path made absolute against `cwd`).
 * Problems name the flag, variable or file.
 */
export const emulatorOf = (
  given: { readonly dc: Option.Option<Checked<Sourced>>; readonly publicKey: Option.Option<Checked<Sourced>> },
  cwd: string,
  problems: Problems
): EmulatorConfig | undefined => {
  const dc = problems.takeGiven(given.dc)
  const key = problems.takeGiven(given.publicKey)
  if (dc === undefined && key === undefined) return undefined
  if (dc === undefined || key === undefined) {
    const [set, missing] = dc === undefined
      ? [key!.source, "--telegram-dc (or TGSC_TELEGRAM_DC)"]
      : [dc.source, "--telegram-public-key (or TGSC_TELEGRAM_PUBLIC_KEY)"]
    return problems.add(`${set} is set but ${missing} is not: the Telegram emulator needs both`)
  }
  const before = problems.list.length
  const attempt = (read: () => unknown) => {
    try {
      read()
    } catch (error) {
      problems.add((error as Error).message)
    }
  }
  attempt(() => parseDcMap(dc.text.trim(), dc.source))
  const publicKeyPath = nodePath.resolve(cwd, key.text.trim())
  attempt(() => readRsaPublicKey(publicKeyPath, key.source))
  return problems.list.length > before ? undefined : { dc: dc.text.trim(), publicKeyPath }
}

/** TELEGRAM_API_ID or TELEGRAM_API_HASH unset: the server still starts (Telegram's routes answer 503 with this message). */
export class TelegramCredentialsMissing extends Data.TaggedError("TelegramCredentialsMissing")<{
  readonly variables: ReadonlyArray<string>
}> {
  override get message() {
    return `Telegram API credentials are not configured: set ${this.variables.join(" and ")} in the server's environment ` +
      "(from https://my.telegram.org/apps) and restart it"
  }
}

/** TELEGRAM_API_ID is not Telegram's api_id (a positive 32-bit integer): refused at start. Its value is not echoed (half of a credential). */
export class TelegramApiIdInvalid extends Data.TaggedError("TelegramApiIdInvalid")<{}> {
  override get message() {
    return "TELEGRAM_API_ID must be a positive integer (the api_id from https://my.telegram.org/apps)"
  }
}

/**
 * TELEGRAM_API_ID and TELEGRAM_API_HASH, environment only. The hash is read
 * as a Redacted value: no log line or error that prints the credentials can
 * show it.
 */
export const telegramCredentials: Config.Config<
  Either.Either<TelegramCredentials, TelegramCredentialsMissing | TelegramApiIdInvalid>
> = Config.map(
  Config.all({
    id: Config.option(Config.string("TELEGRAM_API_ID")),
    hash: Config.option(Config.redacted("TELEGRAM_API_HASH"))
  }),
  ({ hash, id }) => {
    if (Option.isNone(id) || Option.isNone(hash)) {
      const variables = [Option.isNone(id) ? "TELEGRAM_API_ID" : undefined, Option.isNone(hash) ? "TELEGRAM_API_HASH" : undefined]
      return Either.left(new TelegramCredentialsMissing({ variables: variables.filter((v) => v !== undefined) }))
    }
    const apiId = id.value.trim()
    if (!/^\d{1,10}$/.test(apiId) || !(Number(apiId) >= 1 && Number(apiId) <= 2147483647)) {
      return Either.left(new TelegramApiIdInvalid())
    }
    return Either.right({ apiId: Number(apiId), apiHash: Redacted.make(Redacted.value(hash.value).trim()) })
  }
)
