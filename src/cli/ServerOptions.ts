/**
 * tgsc-server's settings, in the order --help lists them: each one's flag,
 * variable, check, default and help line (Setting.ts), the @effect/cli
 * options built from them, and the help text.
 */
import { Options } from "@effect/cli"
import { Either } from "effect"
import { DEFAULTS } from "../domain/Defaults.js"
import { LOG_LEVELS, type LogLevelName } from "../config/AppConfig.js"
import { API_TOKEN_FILE, apiTokenOption, INSECURE_NO_TOKEN } from "./ConfigSecurity.js"
import { entryOf, type HelpEntry, renderOptions } from "./Help.js"
import { LIMIT_SETTINGS, limitOptions } from "./LimitOptions.js"
import {
  oneOf,
  optional,
  portNumber,
  seconds,
  type Setting,
  sourced,
  type Sourced,
  switchOption,
  withDefault,
  yesOrNo
} from "./Setting.js"
import {
  DATA_DIR,
  dataDirOption,
  emulatorOptions,
  LOGIN_TIMEOUT,
  PROXY,
  proxyOption,
  TELEGRAM_DC,
  TELEGRAM_PUBLIC_KEY
} from "./SharedOptions.js"


const HOST = {
  flag: "host",
  variable: "TGSC_HOST",
  placeholder: "<addr>",
  help: "address to bind; keep loopback unless you need it",
  default: DEFAULTS.host as string,
  check: (text: string, source: string) =>
    /^[A-Za-z0-9.:\-[\]]+$/.test(text) ? Either.right(text) : Either.left(`${source} ${JSON.stringify(text)} is not a valid address`)
}

const PORT = {
  flag: "port",
  variable: "TGSC_PORT",
  placeholder: "<n>",
  help: "TCP port",
  default: DEFAULTS.port as number,
  check: portNumber
}

/** Parsed into host names with the other settings (Config.ts: each bad entry is a problem of its own). */
const ALLOWED_HOSTS: Setting<Sourced> = {
  flag: "allowed-hosts",
  variable: "TGSC_ALLOWED_HOSTS",
  placeholder: "<list>",
  help: "comma-separated host names the server may be addressed as (Host header) besides localhost, IP addresses " +
    "and --host; * allows any",
  check: sourced
}

const SETTINGS: Setting<string> = {
  flag: "settings",
  placeholder: "<yaml>",
  help: "copy this settings file over {data_dir}/settings.yaml at start",
  check: Either.right
}

const FLOOD_THRESHOLD = {
  flag: "flood-threshold",
  variable: "TGSC_FLOOD_THRESHOLD",
  placeholder: "<s>",
  help: "wait out Telegram rate limits up to this many seconds, answer 429 above it",
  default: DEFAULTS.floodThresholdSeconds as number,
  check: seconds({ zero: true })
}

const DIALOG_CACHE_TTL = {
  flag: "dialog-cache-ttl",
  variable: "TGSC_DIALOG_CACHE_TTL",
  placeholder: "<s>",
  help: "reuse an account's dialog list, folders and counts this many seconds (0: ask Telegram every time)",
  default: DEFAULTS.dialogCacheTtlSeconds as number,
  check: seconds({ zero: true })
}

const SSE_KEEPALIVE = {
  flag: "sse-keepalive-seconds",
  variable: "TGSC_SSE_KEEPALIVE_SECONDS",
  placeholder: "<s>",
  help: "longest silence on a history stream or GET /mcp before a keep-alive comment",
  default: DEFAULTS.sseKeepAliveSeconds as number,
  check: seconds({ zero: false })
}

/** The next four are unset unless given: the library applies the same defaults (DEFAULTS). */
const LOGIN_KEEP: Setting<number> = {
  flag: "login-keep",
  variable: "TGSC_LOGIN_KEEP_SECONDS",
  placeholder: "<s>",
  help: "a finished login's status stays readable this long",
  default: DEFAULTS.loginKeepSeconds,
  check: seconds({ zero: false })
}

const CLIENT_IDLE: Setting<number> = {
  flag: "client-idle",
  variable: "TGSC_CLIENT_IDLE_SECONDS",
  placeholder: "<s>",
  help: "a session's Telegram connection unused this long is closed (reopened on the next request)",
  default: DEFAULTS.clientIdleSeconds,
  check: seconds({ zero: false })
}

const TELEGRAM_TIMEOUT: Setting<number> = {
  flag: "telegram-timeout",
  variable: "TGSC_TELEGRAM_TIMEOUT_SECONDS",
  placeholder: "<s>",
  help: "a Telegram request unanswered this long fails (502; the connection is reopened)",
  default: DEFAULTS.telegramTimeoutSeconds,
  check: seconds({ zero: false })
}

const NO_SEARCH_INDEX: Setting<boolean> = {
  flag: "no-search-index",
  variable: "TGSC_NO_SEARCH_INDEX",
  help: "keep no full-text index of the caches (search.db): source=cache|auto searches then find nothing",
  check: yesOrNo
}

const FOLLOW_UPDATES: Setting<boolean> = {
  flag: "follow-updates",
  variable: "TGSC_FOLLOW_UPDATES",
  help: "follow every logged-in account's updates live (caches kept current, GET /api/v3/updates), whatever the " +
    "setting follow_updates says",
  check: yesOrNo
}

const LOG_LEVEL = {
  flag: "log-level",
  variable: "LOG_LEVEL",
  placeholder: "<level>",
  help: LOG_LEVELS.join("|"),
  default: DEFAULTS.logLevel as LogLevelName,
  check: oneOf(LOG_LEVELS, { warn: "warning" })
}

const LOG_FORMAT = {
  flag: "log-format",
  variable: "LOG_FORMAT",
  placeholder: "<fmt>",
  help: "text|json",
  default: DEFAULTS.logFormat as "text" | "json",
  check: oneOf(["text", "json"] as const)
}

const HELP_OPTION = Options.boolean("help").pipe(Options.withAlias("h"))

/** The options, the data directory resolved against `cwd`. */
export const serverOptions = (cwd: string) =>
  Options.all({
    help: HELP_OPTION,
    dataDir: dataDirOption(cwd),
    host: withDefault(HOST),
    port: withDefault(PORT),
    allowedHosts: optional(ALLOWED_HOSTS),
    settings: optional(SETTINGS),
    apiToken: apiTokenOption,
    insecureNoToken: switchOption(INSECURE_NO_TOKEN),
    floodThreshold: withDefault(FLOOD_THRESHOLD),
    dialogCacheTtl: withDefault(DIALOG_CACHE_TTL),
    sseKeepAlive: withDefault(SSE_KEEPALIVE),
    loginTimeout: optional(LOGIN_TIMEOUT),
    loginKeep: optional(LOGIN_KEEP),
    clientIdle: optional(CLIENT_IDLE),
    telegramTimeout: optional(TELEGRAM_TIMEOUT),
    noSearchIndex: switchOption(NO_SEARCH_INDEX),
    followUpdates: switchOption(FOLLOW_UPDATES),
    limits: limitOptions,
    proxy: proxyOption,
    emulator: emulatorOptions,
    logLevel: withDefault(LOG_LEVEL),
    logFormat: withDefault(LOG_FORMAT)
  })

/** In --help's order. */
const SETTINGS_SHOWN: ReadonlyArray<Setting<any>> = [
  DATA_DIR,
  HOST,
  PORT,
  ALLOWED_HOSTS,
  SETTINGS,
  API_TOKEN_FILE,
  INSECURE_NO_TOKEN,
  FLOOD_THRESHOLD,
  DIALOG_CACHE_TTL,
  SSE_KEEPALIVE,
  LOGIN_TIMEOUT,
  LOGIN_KEEP,
  CLIENT_IDLE,
  TELEGRAM_TIMEOUT,
  NO_SEARCH_INDEX,
  FOLLOW_UPDATES,
  ...LIMIT_SETTINGS,
  PROXY,
  TELEGRAM_DC,
  TELEGRAM_PUBLIC_KEY,
  LOG_LEVEL,
  LOG_FORMAT
]

/** Every flag tgsc-server takes, for telling a repeated flag from an unknown one. */
export const SERVER_FLAGS = [...SETTINGS_SHOWN.map((s) => s.flag), "help"]

const HELP_ENTRY: HelpEntry = { usage: "-h, --help", help: "show this help" }

export const HELP = `tgsc-server: local HTTP API for your own Telegram history

Usage: tgsc-server [options]

Options (each also settable by the environment variable shown):
${renderOptions([...SETTINGS_SHOWN.map(entryOf), HELP_ENTRY])}
Environment only:
  TELEGRAM_API_ID, TELEGRAM_API_HASH   your app's credentials from https://my.telegram.org/apps.
                                       Without them the server starts, but Telegram endpoints answer 503.
                                       Never flags: a flag would show them in the process list.
  TGSC_API_TOKEN                       the admin API token itself (or --api-token-file).
  TGSC_IN_CONTAINER=1                  set by the Docker image: its 0.0.0.0 bind without a token is
                                       warned about at start instead of refused (docker run -p decides
                                       who can reach it).
`
