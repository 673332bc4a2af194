/**
 * tgsc-mcp: the MCP server on stdio, for a desktop agent to launch.
 *
 *   tgsc-mcp --session <name> [--data-dir ./data] [--scope folder:<id|name>] [--scope dialog:<id>] ...
 *
 * It works whether or not a tgsc-server runs on the same data directory:
 * - the directory's lock is free: embedded. This process takes the lock and
 *   runs the tools itself (TgscLive over the directory), as long as the
 *   agent keeps stdin open; a tgsc-server started meanwhile is refused.
 * - a tgsc-server holds the lock: relay. The server's address is read from
 *   the directory ({data_dir}/.tgsc.server.json, written by the server) and
 *   every request goes to its /mcp (with TGSC_API_TOKEN when it needs one).
 *   The server does the work, once; nothing here opens the caches.
 * Either way no two processes talk to Telegram for the session or write the
 * caches at once.
 *
 * Options fall back to environment variables, then defaults; Telegram
 * credentials come from the environment only (TELEGRAM_API_ID,
 * TELEGRAM_API_HASH), as for the server.
 */
import * as nodePath from "node:path"
import { Command, Options } from "@effect/cli"
import { Config, Data, Duration, Effect, Either, Logger, Option, Redacted, Schedule, type Stream } from "effect"
import { type DataDirLocked, lockDataDir } from "../adapters/fs/DataDirLock.js"
import { readServerAddress, removeServerAddress } from "../adapters/fs/ServerAddressFile.js"
import { emulatorFromEnv } from "../adapters/telegram/TelegramAdapterConfig.js"
import { type AccessScope, everything, formatScopeEntry, limitedTo, parseScopeEntry, type ScopeEntry } from "../domain/AccessScope.js"
import { type SessionName, validateSessionName } from "../domain/SessionName.js"
import { SessionStore } from "../ports/SessionStore.js"
import { TgscLive } from "../TgscLive.js"
import { formatScopeHeader } from "../mcp/ScopeHeader.js"
import { relayStdio } from "../mcp/Relay.js"
import { serveStdio } from "../mcp/StdioServer.js"
import { DEFAULTS } from "../domain/Defaults.js"
import { DATA_DIR, PROXY, SESSION } from "../cli/SharedOptions.js"
import type { TelegramProxy } from "../adapters/telegram/TelegramProxy.js"

/** Why tgsc-mcp cannot start; `usage`: the command line or environment is wrong (exit code 2, else 1). */
export class McpStartError extends Data.TaggedError("McpStartError")<{ readonly message: string; readonly usage: boolean }> {}

const usage = (message: string) => new McpStartError({ message, usage: true })

export interface McpIo {
  readonly input: Stream.Stream<Uint8Array, unknown>
  readonly write: (line: string) => Effect.Effect<void>
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  /** Runs before serving starts: from then on stdout carries the protocol only. */
  readonly reserveStdout: Effect.Effect<void>
}

const options = {
  session: Options.text(SESSION.flag).pipe(
    Options.withDescription("the session to act for (a name logged in with tgsc-auth or the server's login)"),
    Options.withFallbackConfig(Config.string("TGSC_SESSION"))
  ),
  dataDir: Options.text(DATA_DIR.flag).pipe(
    Options.withDescription("the data directory, as tgsc-server's --data-dir"),
    Options.withFallbackConfig(Config.string(DATA_DIR.variable)),
    Options.withDefault(DATA_DIR.default)
  ),
  scope: Options.text("scope").pipe(
    Options.withDescription(
      "only what this admits, as if nothing else existed: folder:<id or title> (the folder's chats, as it is " +
        "defined at each call) or dialog:<id>; repeat for more"
    ),
    Options.repeated
  ),
  dialogCacheTtl: Options.integer("dialog-cache-ttl").pipe(
    Options.withDescription(`embedded: reuse the dialog list, folders and counts this many seconds [${DEFAULTS.dialogCacheTtlSeconds}]`),
    Options.withFallbackConfig(Config.integer("TGSC_DIALOG_CACHE_TTL")),
    Options.optional
  ),
  proxy: Options.text(PROXY.flag).pipe(
    Options.withDescription(`embedded: ${PROXY.help}`),
    Options.withFallbackConfig(Config.string(PROXY.variable!)),
    Options.optional
  ),
  floodThreshold: Options.integer("flood-threshold").pipe(
    Options.withDescription(`embedded: wait out Telegram rate limits up to this many seconds [${DEFAULTS.floodThresholdSeconds}]`),
    Options.withFallbackConfig(Config.integer("TGSC_FLOOD_THRESHOLD")),
    Options.optional
  )
}

type Parsed = Command.Command.ParseConfig<typeof options>

const scopeOf = (inputs: ReadonlyArray<string>): Either.Either<{ scope: AccessScope; header: string | undefined }, McpStartError> => {
  if (inputs.length === 0) return Either.right({ scope: everything, header: undefined })
  const entries: Array<ScopeEntry> = []
  for (const input of inputs) {
    const entry = parseScopeEntry(input)
    if (Either.isLeft(entry)) return Either.left(usage(`--scope: ${entry.left.message}`))
    entries.push(entry.right)
  }
  return Either.right({ scope: limitedTo(entries), header: formatScopeHeader(entries.map(formatScopeEntry)) })
}

const credentials = (env: McpIo["env"]) =>
  Effect.gen(function*() {
    const id = env.TELEGRAM_API_ID?.trim() ?? ""
    const hash = env.TELEGRAM_API_HASH?.trim() ?? ""
    if (id === "" || hash === "") {
      return yield* usage(
        "Telegram API credentials are not configured: set TELEGRAM_API_ID and TELEGRAM_API_HASH in tgsc-mcp's environment " +
          "(from https://my.telegram.org/apps), or run tgsc-server on this data directory"
      )
    }
    if (!/^\d{1,10}$/.test(id) || Number(id) < 1 || Number(id) > 2147483647) {
      return yield* usage("TELEGRAM_API_ID must be a positive integer (the api_id from https://my.telegram.org/apps)")
    }
    return { apiId: Number(id), apiHash: hash }
  })

/** The lock is free: this process serves the tools itself, holding the lock until stdin closes. */
const embedded = (
  p: Parsed,
  io: McpIo,
  session: SessionName,
  dataDir: string,
  scope: AccessScope,
  proxy: TelegramProxy | undefined
) =>
  Effect.gen(function*() {
    const { apiHash, apiId } = yield* credentials(io.env)
    const emulator = emulatorFromEnv(io.env)
    const tgsc = TgscLive({
      dataDir,
      telegram: {
        apiId,
        apiHash,
        emulator: emulator === undefined ? undefined : { ...emulator, publicKeyPath: nodePath.resolve(io.cwd, emulator.publicKeyPath) },
        proxy
      },
      dialogCacheTtlSeconds: Option.getOrUndefined(p.dialogCacheTtl),
      floodThresholdSeconds: Option.getOrUndefined(p.floodThreshold),
      lockDataDir: false
    })
    yield* Effect.gen(function*() {
      const sessions = yield* SessionStore
      if (!(yield* Effect.orDie(sessions.exists(session)))) {
        return yield* usage(`Session '${session}' is not logged in: log it in with tgsc-auth ${session} --data-dir ${dataDir}`)
      }
      // A record left by a server that was killed: no server runs while this process holds the lock.
      yield* removeServerAddress(dataDir)
      yield* Effect.logInfo(`serving MCP on stdio for session ${session} (embedded, ${dataDir})`)
      yield* io.reserveStdout
      yield* serveStdio({ caller: { session, scope }, input: io.input, write: io.write })
    }).pipe(Effect.provide(tgsc), Effect.mapError((e) => (e instanceof McpStartError ? e : new McpStartError({ message: e.message, usage: false }))))
  })

/** A tgsc-server holds the lock: relay to it. A server just starting may not have written its address yet. */
const relayed = (io: McpIo, session: SessionName, dataDir: string, header: string | undefined, locked: DataDirLocked) =>
  Effect.gen(function*() {
    const found = yield* readServerAddress(dataDir).pipe(
      Effect.flatMap((address) => (Option.isSome(address) ? Effect.succeed(address.value) : Effect.fail("none" as const))),
      Effect.retry(Schedule.spaced(Duration.millis(100)).pipe(Schedule.upTo(Duration.seconds(5)))),
      Effect.option
    )
    if (Option.isNone(found)) {
      return yield* new McpStartError({
        message: `${locked.message}. It serves no HTTP to relay to (another tgsc-mcp, tgsc-auth logout, or a program ` +
          "using the library): stop it, or run tgsc-server on this data directory and start tgsc-mcp again",
        usage: false
      })
    }
    // Held redacted from here on, as the server holds its own.
    const token = Option.map(Option.fromNullable(io.env.TGSC_API_TOKEN?.trim() || undefined), Redacted.make)
    if (found.value.tokenRequired && Option.isNone(token)) {
      return yield* usage(
        `the tgsc-server using ${dataDir} (${found.value.url}) requires an API token: set TGSC_API_TOKEN in tgsc-mcp's environment`
      )
    }
    yield* Effect.logInfo(`serving MCP on stdio for session ${session}, relayed to tgsc-server at ${found.value.url}`)
    yield* io.reserveStdout
    yield* Effect.scoped(relayStdio({
      url: found.value.url,
      session,
      scopeHeader: header,
      token,
      input: io.input,
      write: io.write
    }))
  })

export const run = (p: Parsed, io: McpIo) =>
  Effect.gen(function*() {
    const name = validateSessionName(p.session)
    if (Either.isLeft(name)) return yield* usage(`--session: ${name.left}`)
    for (const [flag, value] of [["--dialog-cache-ttl", p.dialogCacheTtl], ["--flood-threshold", p.floodThreshold]] as const) {
      if (Option.isSome(value) && value.value < 0) return yield* usage(`${flag} must be 0 or more seconds, got ${value.value}`)
    }
    const { header, scope } = yield* scopeOf(p.scope)
    // A blank value is as if unset, like every other setting; a bad one is named, never echoed with its password.
    const proxyText = Option.getOrUndefined(p.proxy)?.trim() || undefined
    const proxy = proxyText === undefined ? undefined : PROXY.check(proxyText, `--${PROXY.flag} (or ${PROXY.variable})`)
    if (proxy !== undefined && Either.isLeft(proxy)) return yield* usage(proxy.left)
    const dataDir = nodePath.resolve(io.cwd, p.dataDir)
    const lock = yield* Effect.either(lockDataDir(dataDir))
    if (Either.isRight(lock)) return yield* embedded(p, io, name.right, dataDir, scope, proxy?.right)
    if (lock.left._tag === "DataDirUnusable") return yield* new McpStartError({ message: lock.left.message, usage: false })
    return yield* relayed(io, name.right, dataDir, header, lock.left)
  }).pipe(
    Effect.scoped,
    // Logs go to stderr (stdout carries the protocol); @effect/cli's own --log-level sets the level.
    Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger)))
  )

export const mcpCommand = (io: McpIo) =>
  Command.make("tgsc-mcp", options, (p) => run(p, io)).pipe(
    Command.withDescription(
      "The MCP server on stdio: read-only access to your Telegram history for an AI agent, embedded or relayed to " +
        "a tgsc-server running on the same data directory"
    )
  )
