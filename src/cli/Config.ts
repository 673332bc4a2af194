/**
 * Server configuration: flags first, then environment variables, then
 * defaults (DEFAULTS), every value checked here at start and every problem
 * reported at once (CommandLineError: a message naming the flag or
 * variable, exit code 2). Telegram credentials come from the environment
 * only, and the API token from the environment or a file, so they never
 * show up in a process list or a shell history; both are held Redacted. A
 * non-loopback address without a token is refused (ConfigSecurity).
 *
 * The settings themselves (flags, variables, checks, help) are in
 * ServerOptions.ts; this module assembles the AppConfig the server runs with.
 */
import * as nodePath from "node:path"
import { Context, Effect, Either, Option, type Redacted } from "effect"
import type { EmulatorConfig, TelegramCredentials } from "../adapters/telegram/TelegramAdapterConfig.js"
import type { TelegramProxy } from "../adapters/telegram/TelegramProxy.js"
import { DEFAULTS } from "../domain/Defaults.js"
import { type AllowedHosts, normalizeHostName } from "../http/AllowedHosts.js"
import { CommandLineError, envConfigProvider, parseFlags } from "./CommandLine.js"
import { API_TOKEN_FLAG_REFUSED, apiTokenOf, checkExposure, givesApiTokenFlag, inContainer } from "./ConfigSecurity.js"
import { limitsOf } from "./LimitOptions.js"
import { type LogLevelName, SERVER_FLAGS, serverOptions } from "./ServerOptions.js"
import { Problems, type Sourced } from "./Setting.js"
import { emulatorOf, telegramCredentials } from "./SharedOptions.js"

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
  /** Every Telegram connection through this proxy: --proxy / TGSC_PROXY (credentials Redacted). */
  readonly proxy?: TelegramProxy | undefined
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
  /** Concurrent event streams (history, GET /mcp) per session / on the whole server; more get a 429 (unset: 8 / 32). */
  readonly maxStreamsPerSession?: number
  readonly maxStreams?: number
  /** Logins (QR or phone code) pending at once on the server; more get a 429 (unset: 16). */
  readonly maxPendingLogins?: number
  /** --no-search-index: keep no full-text index of the caches. */
  readonly noSearchIndex?: boolean
}

export const DEFAULT_SSE_KEEPALIVE_SECONDS = DEFAULTS.sseKeepAliveSeconds

export class AppConfig extends Context.Tag("app/AppConfig")<AppConfig, AppConfigShape>() {}

export type ParsedCommandLine =
  | { readonly _tag: "Help" }
  | {
    readonly _tag: "Run"
    readonly config: AppConfigShape
    /** To log at start (level warning), e.g. a non-loopback bind without a token that was allowed. */
    readonly warnings: ReadonlyArray<string>
  }

/**
 * --allowed-hosts / TGSC_ALLOWED_HOSTS: comma-separated host names or IP
 * addresses (normalized), or `*` alone; none when not given. A problem is
 * recorded for an empty entry or one that is not a host name or IP.
 */
const allowedHostsOf = (option: Sourced | undefined, problems: Problems): AllowedHosts => {
  if (option === undefined) return []
  const entries = option.text.split(",").map((entry) => entry.trim())
  if (entries.length === 1 && entries[0] === "*") return "*"
  const hosts: Array<string> = []
  for (const entry of entries) {
    if (entry === "") {
      problems.add(`${option.source} has an empty entry in ${JSON.stringify(option.text)}: separate host names with single commas`)
    } else if (entry === "*") {
      problems.add(`${option.source}: * (any host) must be the only entry, got ${JSON.stringify(option.text)}`)
    } else {
      const name = normalizeHostName(entry)
      if (name === undefined) {
        problems.add(
          `${option.source} entry ${JSON.stringify(entry)} is not a host name or IP address ` +
            "(no scheme, port, path or wildcard; * alone allows any host)"
        )
      } else if (!hosts.includes(name)) hosts.push(name)
    }
  }
  return hosts
}

const COMMAND = "tgsc-server"

/**
 * tgsc-server's command line and environment (the ConfigProvider in the
 * context; `envConfigProvider` makes one in which an empty variable counts
 * as unset), paths relative to `cwd`.
 */
export const serverCommandLine = (
  argv: ReadonlyArray<string>,
  cwd: string
): Effect.Effect<ParsedCommandLine, CommandLineError> =>
  Effect.gen(function*() {
    if (givesApiTokenFlag(argv)) return yield* new CommandLineError({ command: COMMAND, problems: [API_TOKEN_FLAG_REFUSED] })
    const { value: given } = yield* parseFlags(COMMAND, serverOptions(cwd), argv, SERVER_FLAGS)
    if (given.help) return { _tag: "Help" } as const
    const [credentials, container] = yield* Effect.all([telegramCredentials, inContainer]).pipe(
      Effect.mapError((error) => new CommandLineError({ command: COMMAND, problems: [String(error)] }))
    )
    const problems = new Problems()
    const warnings: Array<string> = []
    // A value with a problem stands in as its default until every problem has been found.
    const host = problems.take(given.host) ?? DEFAULTS.host
    const port = problems.take(given.port) ?? DEFAULTS.port
    const allowedHosts = allowedHostsOf(problems.takeGiven(given.allowedHosts), problems)
    const settingsSeed = problems.takeGiven(given.settings)
    const apiToken = apiTokenOf(given.apiToken, cwd, problems, warnings)
    const floodThresholdSeconds = problems.take(given.floodThreshold) ?? DEFAULTS.floodThresholdSeconds
    const dialogCacheTtlSeconds = problems.take(given.dialogCacheTtl) ?? DEFAULTS.dialogCacheTtlSeconds
    const sseKeepAliveSeconds = problems.take(given.sseKeepAlive) ?? DEFAULTS.sseKeepAliveSeconds
    const logLevel = problems.take(given.logLevel) ?? DEFAULTS.logLevel
    const logFormat = problems.take(given.logFormat) ?? DEFAULTS.logFormat
    // Missing credentials are no reason to refuse: the server starts and Telegram's routes answer 503 saying so.
    if (Either.isLeft(credentials) && credentials.left._tag === "TelegramApiIdInvalid") problems.add(credentials.left.message)
    const telegram = Either.mapLeft(credentials, (error) => error.message)
    const loginTimeout = problems.takeGiven(given.loginTimeout)
    const loginKeep = problems.takeGiven(given.loginKeep)
    const clientIdle = problems.takeGiven(given.clientIdle)
    const telegramTimeout = problems.takeGiven(given.telegramTimeout)
    const emulator = emulatorOf(given.emulator, cwd, problems)
    const proxy = problems.takeGiven(given.proxy)
    const insecureNoToken = problems.take(given.insecureNoToken) ?? false
    const noSearchIndex = problems.take(given.noSearchIndex) ?? false
    const exposure = { host, port, hasToken: Option.isSome(apiToken), insecureNoToken, inContainer: problems.take(container) ?? false }
    checkExposure(exposure, problems, warnings)
    const limits = limitsOf(given.limits, problems)

    if (problems.list.length > 0) return yield* new CommandLineError({ command: COMMAND, problems: problems.list })
    const config: AppConfigShape = {
      dataDir: given.dataDir,
      host,
      port,
      allowedHosts,
      settingsSeed: Option.map(Option.fromNullable(settingsSeed), (file) => nodePath.resolve(cwd, file)),
      apiToken,
      floodThresholdSeconds,
      sseKeepAliveSeconds,
      dialogCacheTtlSeconds,
      telegram,
      emulator,
      ...(proxy === undefined ? {} : { proxy }),
      logLevel,
      logFormat,
      ...(loginTimeout === undefined ? {} : { loginTimeoutSeconds: loginTimeout }),
      ...(loginKeep === undefined ? {} : { loginKeepSeconds: loginKeep }),
      ...(clientIdle === undefined ? {} : { clientIdleSeconds: clientIdle }),
      ...(telegramTimeout === undefined ? {} : { telegramTimeoutSeconds: telegramTimeout }),
      ...(noSearchIndex ? { noSearchIndex } : {}),
      ...limits
    }
    return { _tag: "Run", config, warnings } as const
  })

/** serverCommandLine with `env` as the environment, at once (nothing in it waits). */
export const parseCommandLine = (
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = process.cwd()
): Either.Either<ParsedCommandLine, CommandLineError> =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(serverCommandLine(argv, cwd), envConfigProvider(env))))
