#!/usr/bin/env node
/** tgsc-server: parse the command line, then run the HTTP server until SIGINT/SIGTERM. */
import { limitHeapGrowth } from "./HeapGrowth.js"
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Console, Effect, Layer } from "effect"
import { COMMAND_LINE_EXIT_CODE, envConfigProvider } from "../cli/CommandLine.js"
import { serverCommandLine } from "../cli/Config.js"
import type { AppConfigShape } from "../config/AppConfig.js"
import { HELP } from "../cli/ServerOptions.js"
import { describeTelegramProxy } from "../adapters/telegram/TelegramProxy.js"
import { LoggingLive } from "../cli/Logging.js"
import { ServerLive } from "../compose/Server.js"

const describeStartupFailure = (config: AppConfigShape, cause: Cause.Cause<unknown>): string => {
  const failure = Cause.squash(cause) as { _tag?: string; message?: string; cause?: unknown }
  if (failure?._tag === "ServeError") {
    const inner = failure.cause as NodeJS.ErrnoException | undefined
    if (inner?.code === "EADDRINUSE") return `port ${config.port} on ${config.host} is already in use`
    return `cannot listen on ${config.host}:${config.port}: ${inner?.message ?? String(inner)}`
  }
  return failure?.message ?? Cause.pretty(cause)
}

const isTokensFileInvalid = (cause: Cause.Cause<unknown>) =>
  (Cause.squash(cause) as { _tag?: string } | null)?._tag === "TokensFileInvalid"

const exitWith = (code: number) =>
  Effect.sync(() => {
    process.exitCode = code
  })

// ServerLive's TgscLive takes the data-directory lock before anything touches the directory.
// The warnings (an exposed address without a token, a token file others can read) go out at every start.
const serve = (config: AppConfigShape, warnings: ReadonlyArray<string>) =>
  Effect.forEach(warnings, (warning) => Effect.logWarning(warning), { discard: true }).pipe(
    Effect.zipRight(
      config.proxy === undefined ? Effect.void : Effect.logInfo(`Telegram is reached through the ${describeTelegramProxy(config.proxy)}`)
    ),
    // The heap's growth is limited once the server listens (HeapGrowth.ts).
    Effect.zipRight(Layer.launch(ServerLive(config).pipe(Layer.tap(() => Effect.sync(limitHeapGrowth))))),
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.void
        : Console.error(`tgsc-server: ${describeStartupFailure(config, cause)}`).pipe(
          // A tokens file that does not read as tokens is refused like a bad setting: nothing listens, exit code 2.
          Effect.zipRight(exitWith(isTokensFileInvalid(cause) ? COMMAND_LINE_EXIT_CODE : 1))
        )
    ),
    Effect.provide(LoggingLive({ level: config.logLevel, format: config.logFormat }))
  )

const program = serverCommandLine(process.argv.slice(2), process.cwd()).pipe(
  Effect.withConfigProvider(envConfigProvider(process.env)),
  Effect.flatMap((parsed) =>
    parsed._tag === "Help" ? Effect.sync(() => void process.stdout.write(HELP)) : serve(parsed.config, parsed.warnings)
  ),
  Effect.catchTag("CommandLineError", (error) =>
    Console.error(`tgsc-server: ${error.message}`).pipe(Effect.zipRight(exitWith(COMMAND_LINE_EXIT_CODE))))
)

NodeRuntime.runMain(program, { disableErrorReporting: true, disablePrettyLogger: true })
