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
 * ServerOptions.ts; this module assembles the AppConfig (src/config) the server runs with.
 */
import * as nodePath from "node:path"
import { Effect, Either, Option } from "effect"
import { DEFAULTS } from "../domain/Defaults.js"
import type { AppConfigShape } from "../config/AppConfig.js"
import { type AllowedHosts, normalizeHostName } from "../config/HostNames.js"
import { CommandLineError, parseFlags } from "./CommandLine.js"
import { API_TOKEN_FLAG_REFUSED, apiTokenOf, checkExposure, givesApiTokenFlag, inContainer } from "./ConfigSecurity.js"
import { limitsOf } from "./LimitOptions.js"
import { SERVER_FLAGS, serverOptions } from "./ServerOptions.js"
import { Problems, type Sourced } from "./Setting.js"
import { emulatorOf, telegramCredentials } from "./SharedOptions.js"

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
    const followUpdates = problems.take(given.followUpdates) ?? false
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
      ...(followUpdates ? { followUpdates } : {}),
      ...limits
    }
    return { _tag: "Run", config, warnings } as const
  })
