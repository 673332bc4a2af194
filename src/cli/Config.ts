/**
 * Server configuration: flags first, then environment variables, then
 * defaults, every value checked here at start (a message naming the flag or
 * variable, exit code 2). Telegram credentials come from the environment
 * only, and the API token from the environment or a file, so they never
 * show up in a process list or a shell history. A non-loopback address
 * without a token is refused (ConfigSecurity).
 */
import * as nodePath from "node:path"
import { parseArgs } from "node:util"
import { Context, Either, Option, Redacted } from "effect"
import {
  type EmulatorConfig,
  parseDcMap,
  readRsaPublicKey,
  type TelegramCredentials
} from "../adapters/telegram/TelegramAdapterConfig.js"
import { API_TOKEN_FLAG_REFUSED, apiTokenOption, booleanVariable, checkExposure, givesApiTokenFlag } from "./ConfigSecurity.js"
import { type AllowedHosts, normalizeHostName } from "../http/AllowedHosts.js"
import { LIMIT_FLAGS, LIMITS_HELP, limitOptions } from "./LimitOptions.js"
import { DEFAULTS } from "../domain/Defaults.js"

export type { TelegramCredentials }

export interface AppConfigShape {
  readonly dataDir: string
  readonly host: string
  readonly port: number
  /**
   * Host names or IPs accepted in the `Host` header beyond localhost, loopback
   * addresses and `host` (DNS rebinding protection); `*`: any. Unset: none.
   */
  readonly allowedHosts?: AllowedHosts
  readonly settingsSeed: Option.Option<string>
  /** Redacted: it never shows in a log or an error message. */
  readonly apiToken: Option.Option<Redacted.Redacted<string>>
  readonly floodThresholdSeconds: number
  /** How long an account's dialog list, folders and counts are reused before Telegram is asked again. */
  readonly dialogCacheTtlSeconds: number
  /** Longest silence on a history stream before a `: keep-alive` comment goes out (default 15). */
  readonly sseKeepAliveSeconds?: number
  /** Either the credentials, or the sentence saying which variable is missing. */
  readonly telegram: Either.Either<TelegramCredentials, string>
  /** The Telegram emulator instead of Telegram: --telegram-dc and --telegram-public-key (the key path made absolute). */
  readonly emulator?: EmulatorConfig | undefined
  readonly logLevel: LogLevelName
  readonly logFormat: "text" | "json"
  /** A QR login expires after this long (unset: 300). */
  readonly loginTimeoutSeconds?: number
  /** A finished QR login stays readable this long (unset: 120). */
  readonly loginKeepSeconds?: number
  /** An unused Telegram client is closed after this long (unset: 300). */
  readonly clientIdleSeconds?: number
  /** One Telegram request unanswered this long fails with a 502 (unset: 60). */
  readonly telegramTimeoutSeconds?: number
  /** Concurrent history streams per session / on the whole server; more get a 429 (unset: 8 / 32). */
  readonly maxStreamsPerSession?: number
  readonly maxStreams?: number
  /** QR logins pending at once on the server; more get a 429 (unset: 16). */
  readonly maxPendingLogins?: number
}

export const DEFAULT_SSE_KEEPALIVE_SECONDS = DEFAULTS.sseKeepAliveSeconds

export class AppConfig extends Context.Tag("app/AppConfig")<AppConfig, AppConfigShape>() {}

export const LOG_LEVELS = ["all", "trace", "debug", "info", "warning", "error", "fatal", "none"] as const
export type LogLevelName = (typeof LOG_LEVELS)[number]

export const HELP = `tgsc-server: local HTTP API for your own Telegram history

Usage: tgsc-server [options]

Options (each also settable by the environment variable shown):
  --data-dir <dir>         data directory (sessions, caches, settings.yaml)   TGSC_DATA_DIR   [./data]
  --host <addr>            address to bind; keep loopback unless you need it TGSC_HOST       [127.0.0.1]
  --port <n>               TCP port                                          TGSC_PORT       [8000]
  --allowed-hosts <list>   comma-separated host names the server may be
                           addressed as (Host header) besides localhost,
                           IP addresses and --host; * allows any             TGSC_ALLOWED_HOSTS
  --settings <yaml>        copy this settings file over {data_dir}/settings.yaml at start
  --api-token-file <path>  require "Authorization: Bearer <token>" on /api,
                           the token read from this file (or given in
                           TGSC_API_TOKEN; never as a flag)                  TGSC_API_TOKEN_FILE
  --insecure-no-token      allow a --host other than loopback without an API
                           token (refused otherwise; warned at every start)  TGSC_INSECURE_NO_TOKEN
  --flood-threshold <s>    wait out Telegram rate limits up to this many seconds,
                           answer 429 above it                               TGSC_FLOOD_THRESHOLD [${DEFAULTS.floodThresholdSeconds}]
  --dialog-cache-ttl <s>   reuse an account's dialog list, folders and counts
                           this many seconds (0: ask Telegram every time)    TGSC_DIALOG_CACHE_TTL [${DEFAULTS.dialogCacheTtlSeconds}]
  --sse-keepalive-seconds <s>
                           longest silence on a history stream before a
                           keep-alive comment                                TGSC_SSE_KEEPALIVE_SECONDS [${DEFAULTS.sseKeepAliveSeconds}]
  --login-timeout <s>      a QR login not completed by then expires          TGSC_LOGIN_TIMEOUT_SECONDS [${DEFAULTS.loginTimeoutSeconds}]
  --login-keep <s>         a finished QR login's status stays readable
                           this long                                         TGSC_LOGIN_KEEP_SECONDS [${DEFAULTS.loginKeepSeconds}]
  --client-idle <s>        a session's Telegram connection unused this long
                           is closed (reopened on the next request)          TGSC_CLIENT_IDLE_SECONDS [${DEFAULTS.clientIdleSeconds}]
  --telegram-timeout <s>   a Telegram request unanswered this long fails
                           (502; the connection is reopened)                 TGSC_TELEGRAM_TIMEOUT_SECONDS [${DEFAULTS.telegramTimeoutSeconds}]
${LIMITS_HELP}  --telegram-dc <addr>     talk to a Telegram emulator instead of Telegram:
                           host:port for every DC, or 1=host:port,2=host:port
                           (needs --telegram-public-key)                     TGSC_TELEGRAM_DC
  --telegram-public-key <pem>
                           the emulator's RSA public key (PEM file)          TGSC_TELEGRAM_PUBLIC_KEY
  --log-level <level>      all|trace|debug|info|warning|error|fatal|none     LOG_LEVEL       [info]
  --log-format <fmt>       text|json                                         LOG_FORMAT      [text]
  -h, --help               show this help

Environment only:
  TELEGRAM_API_ID, TELEGRAM_API_HASH   your app's credentials from https://my.telegram.org/apps.
                                       Without them the server starts, but Telegram endpoints answer 503.
                                       Never flags: a flag would show them in the process list.
  TGSC_API_TOKEN                       the API token itself (or --api-token-file).
  TGSC_IN_CONTAINER=1                  set by the Docker image: its 0.0.0.0 bind without a token is
                                       warned about at start instead of refused (docker run -p decides
                                       who can reach it).
`

export type ParsedCommandLine =
  | { readonly _tag: "Help" }
  | {
    readonly _tag: "Run"
    readonly config: AppConfigShape
    /** To log at start (level warning), e.g. a non-loopback bind without a token that was allowed. */
    readonly warnings: ReadonlyArray<string>
  }

/** An option's value and where it came from (`--flag` or the variable), for messages. */
export interface OptionValue {
  readonly value: string
  readonly source: string
}

export type OptionPicker = (flag: string, variable: string | undefined) => OptionValue | undefined

/** A flag's value if given, else its environment variable's if set and non-empty. */
export const optionPicker = (
  values: Readonly<Record<string, string | boolean | undefined>>,
  env: Readonly<Record<string, string | undefined>>
): OptionPicker =>
(flag, variable) => {
  const fromFlag = values[flag]
  if (typeof fromFlag === "string") return { value: fromFlag, source: `--${flag}` }
  const fromEnv = variable === undefined ? undefined : env[variable]
  if (fromEnv !== undefined && fromEnv.trim() !== "") return { value: fromEnv, source: variable! }
  return undefined
}

/** The emulator switch's flags, shared by tgsc-server and tgsc-auth (parseArgs options). */
export const EMULATOR_FLAGS = {
  "telegram-dc": { type: "string" },
  "telegram-public-key": { type: "string" }
} as const

/** A number of seconds > 0, or undefined when not given; a problem is recorded when malformed. */
export const positiveSeconds = (option: OptionValue | undefined, problems: Array<string>): number | undefined => {
  if (option === undefined) return undefined
  const text = option.value.trim()
  const value = Number(text)
  if (!/^\d+(\.\d+)?$/.test(text) || !(value > 0)) {
    problems.push(`${option.source} must be a number of seconds > 0, got ${JSON.stringify(option.value)}`)
    return undefined
  }
  return value
}

/**
 * --allowed-hosts / TGSC_ALLOWED_HOSTS: comma-separated host names or IP
 * addresses (normalized), or `*` alone; none when not given. A problem is
 * recorded for an empty entry or one that is not a host name or IP.
 */
export const allowedHostsOption = (option: OptionValue | undefined, problems: Array<string>): AllowedHosts => {
  if (option === undefined) return []
  const entries = option.value.split(",").map((entry) => entry.trim())
  if (entries.length === 1 && entries[0] === "*") return "*"
  const hosts: Array<string> = []
  for (const entry of entries) {
    if (entry === "") {
      problems.push(`${option.source} has an empty entry in ${JSON.stringify(option.value)}: separate host names with single commas`)
    } else if (entry === "*") {
      problems.push(`${option.source}: * (any host) must be the only entry, got ${JSON.stringify(option.value)}`)
    } else {
      const name = normalizeHostName(entry)
      if (name === undefined) {
        problems.push(
          `${option.source} entry ${JSON.stringify(entry)} is not a host name or IP address ` +
            "(no scheme, port, path or wildcard; * alone allows any host)"
        )
      } else if (!hosts.includes(name)) hosts.push(name)
    }
  }
  return hosts
}

/**
 * The emulator switch from --telegram-dc/--telegram-public-key or
 * TGSC_TELEGRAM_DC/TGSC_TELEGRAM_PUBLIC_KEY: both or neither, an address
 * that parses, and a readable RSA public key (its path made absolute).
 * Problems are recorded, naming the option or the file.
 */
export const emulatorOption = (pick: OptionPicker, cwd: string, problems: Array<string>): EmulatorConfig | undefined => {
  const dc = pick("telegram-dc", "TGSC_TELEGRAM_DC")
  const key = pick("telegram-public-key", "TGSC_TELEGRAM_PUBLIC_KEY")
  if (dc === undefined && key === undefined) return undefined
  if (dc === undefined || key === undefined) {
    const [given, missing] = dc === undefined
      ? [key!.source, "--telegram-dc (or TGSC_TELEGRAM_DC)"]
      : [dc.source, "--telegram-public-key (or TGSC_TELEGRAM_PUBLIC_KEY)"]
    problems.push(`${given} is set but ${missing} is not: the Telegram emulator needs both`)
    return undefined
  }
  const before = problems.length
  try {
    parseDcMap(dc.value.trim(), dc.source)
  } catch (error) {
    problems.push((error as Error).message)
  }
  const publicKeyPath = nodePath.resolve(cwd, key.value.trim())
  try {
    readRsaPublicKey(publicKeyPath, key.source)
  } catch (error) {
    problems.push((error as Error).message)
  }
  return problems.length > before ? undefined : { dc: dc.value.trim(), publicKeyPath }
}

/** Parses argv and env; `Left` carries a message for the user (exit code 2). */
export const parseCommandLine = (
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = process.cwd()
): Either.Either<ParsedCommandLine, string> => {
  if (givesApiTokenFlag(argv)) return Either.left(`${API_TOKEN_FLAG_REFUSED}\nRun tgsc-server --help for the options.`)
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        "data-dir": { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        "allowed-hosts": { type: "string" },
        settings: { type: "string" },
        "api-token-file": { type: "string" },
        "insecure-no-token": { type: "boolean" },
        "flood-threshold": { type: "string" },
        "dialog-cache-ttl": { type: "string" },
        "sse-keepalive-seconds": { type: "string" },
        "login-timeout": { type: "string" },
        "login-keep": { type: "string" },
        "client-idle": { type: "string" },
        "telegram-timeout": { type: "string" },
        ...EMULATOR_FLAGS,
        ...LIMIT_FLAGS,
        "log-level": { type: "string" },
        "log-format": { type: "string" },
        help: { type: "boolean", short: "h" }
      }
    }).values
  } catch (error) {
    return Either.left(`${error instanceof Error ? error.message : String(error)}\nRun tgsc-server --help for the options.`)
  }
  if (values.help === true) return Either.right({ _tag: "Help" })
  const pick = optionPicker(values, env)
  const problems: Array<string> = []
  const warnings: Array<string> = []

  const dataDir = nodePath.resolve(cwd, pick("data-dir", "TGSC_DATA_DIR")?.value ?? "./data")
  const host = pick("host", "TGSC_HOST")?.value ?? "127.0.0.1"
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(host)) problems.push(`host ${JSON.stringify(host)} is not a valid address`)

  const portOpt = pick("port", "TGSC_PORT")
  const port = portOpt === undefined ? 8000 : Number(portOpt.value)
  if (!Number.isInteger(port) || port < 0 || port > 65535 || (portOpt !== undefined && !/^\d+$/.test(portOpt.value))) {
    problems.push(`${portOpt!.source} must be a port number 0-65535, got ${JSON.stringify(portOpt!.value)}`)
  }

  const allowedHosts = allowedHostsOption(pick("allowed-hosts", "TGSC_ALLOWED_HOSTS"), problems)

  const seed = pick("settings", undefined)
  const apiToken = apiTokenOption(pick, env, cwd, problems, warnings)

  const floodOpt = pick("flood-threshold", "TGSC_FLOOD_THRESHOLD")
  const flood = floodOpt === undefined ? DEFAULTS.floodThresholdSeconds : Number(floodOpt.value)
  if (!Number.isFinite(flood) || flood < 0 || (floodOpt !== undefined && !/^\d+(\.\d+)?$/.test(floodOpt.value))) {
    problems.push(`${floodOpt!.source} must be a number of seconds >= 0, got ${JSON.stringify(floodOpt!.value)}`)
  }

  const ttlOpt = pick("dialog-cache-ttl", "TGSC_DIALOG_CACHE_TTL")
  const ttl = ttlOpt === undefined ? DEFAULTS.dialogCacheTtlSeconds : Number(ttlOpt.value)
  if (!Number.isFinite(ttl) || ttl < 0 || (ttlOpt !== undefined && !/^\d+(\.\d+)?$/.test(ttlOpt.value))) {
    problems.push(`${ttlOpt!.source} must be a number of seconds >= 0, got ${JSON.stringify(ttlOpt!.value)}`)
  }

  const keepAliveOpt = pick("sse-keepalive-seconds", "TGSC_SSE_KEEPALIVE_SECONDS")
  const keepAlive = keepAliveOpt === undefined ? DEFAULT_SSE_KEEPALIVE_SECONDS : Number(keepAliveOpt.value)
  if (!Number.isFinite(keepAlive) || keepAlive <= 0 || (keepAliveOpt !== undefined && !/^\d+(\.\d+)?$/.test(keepAliveOpt.value))) {
    problems.push(`${keepAliveOpt!.source} must be a number of seconds > 0, got ${JSON.stringify(keepAliveOpt!.value)}`)
  }

  const levelOpt = pick("log-level", "LOG_LEVEL")
  const level = (levelOpt?.value.toLowerCase() ?? "info").replace(/^warn$/, "warning")
  if (!(LOG_LEVELS as ReadonlyArray<string>).includes(level)) {
    problems.push(`${levelOpt!.source} must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(levelOpt!.value)}`)
  }
  const formatOpt = pick("log-format", "LOG_FORMAT")
  const format = formatOpt?.value.toLowerCase() ?? "text"
  if (format !== "text" && format !== "json") {
    problems.push(`${formatOpt!.source} must be text or json, got ${JSON.stringify(formatOpt!.value)}`)
  }

  const telegram = telegramCredentialsFromEnv(env)
  if (Either.isLeft(telegram) && telegram.left.includes("must be")) problems.push(telegram.left)

  const loginTimeout = positiveSeconds(pick("login-timeout", "TGSC_LOGIN_TIMEOUT_SECONDS"), problems)
  const loginKeep = positiveSeconds(pick("login-keep", "TGSC_LOGIN_KEEP_SECONDS"), problems)
  const clientIdle = positiveSeconds(pick("client-idle", "TGSC_CLIENT_IDLE_SECONDS"), problems)
  const telegramTimeout = positiveSeconds(pick("telegram-timeout", "TGSC_TELEGRAM_TIMEOUT_SECONDS"), problems)
  const emulator = emulatorOption(pick, cwd, problems)
  checkExposure({
    host,
    port,
    hasToken: Option.isSome(apiToken),
    insecureNoToken: values["insecure-no-token"] === true || booleanVariable(env, "TGSC_INSECURE_NO_TOKEN", problems),
    inContainer: booleanVariable(env, "TGSC_IN_CONTAINER", problems)
  }, problems, warnings)
  const limits = limitOptions(pick, problems)

  if (problems.length > 0) return Either.left(problems.join("\n") + "\nRun tgsc-server --help for the options.")
  return Either.right({
    _tag: "Run",
    config: {
      dataDir,
      host,
      port,
      allowedHosts,
      settingsSeed: Option.map(Option.fromNullable(seed?.value), (p) => nodePath.resolve(cwd, p)),
      apiToken,
      floodThresholdSeconds: flood,
      sseKeepAliveSeconds: keepAlive,
      dialogCacheTtlSeconds: ttl,
      telegram,
      emulator,
      logLevel: level as LogLevelName,
      logFormat: format as "text" | "json",
      ...(loginTimeout === undefined ? {} : { loginTimeoutSeconds: loginTimeout }),
      ...(loginKeep === undefined ? {} : { loginKeepSeconds: loginKeep }),
      ...(clientIdle === undefined ? {} : { clientIdleSeconds: clientIdle }),
      ...(telegramTimeout === undefined ? {} : { telegramTimeoutSeconds: telegramTimeout }),
      ...limits
    },
    warnings
  })
}

export const telegramCredentialsFromEnv = (
  env: Readonly<Record<string, string | undefined>>
): Either.Either<TelegramCredentials, string> => {
  const id = env.TELEGRAM_API_ID?.trim()
  const hash = env.TELEGRAM_API_HASH?.trim()
  const missing = [id ? undefined : "TELEGRAM_API_ID", hash ? undefined : "TELEGRAM_API_HASH"].filter(
    (v): v is string => v !== undefined
  )
  if (missing.length > 0) {
    return Either.left(
      `Telegram API credentials are not configured: set ${missing.join(" and ")} in the server's environment ` +
        "(from https://my.telegram.org/apps) and restart it"
    )
  }
  // Telegram's api_id is a 32-bit int; the value itself is not echoed (it is half of a credential).
  if (!/^\d{1,10}$/.test(id!) || !(Number(id) >= 1 && Number(id) <= 2147483647)) {
    return Either.left("TELEGRAM_API_ID must be a positive integer (the api_id from https://my.telegram.org/apps)")
  }
  return Either.right({ apiId: Number(id), apiHash: Redacted.make(hash!) })
}
