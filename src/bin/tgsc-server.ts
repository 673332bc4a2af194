#!/usr/bin/env node
/** tgsc-server: parse the command line, then run the HTTP server until SIGINT/SIGTERM. */
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Console, Effect, Either, Layer } from "effect"
import { HELP, parseCommandLine } from "../cli/Config.js"
import { LoggingLive } from "../cli/Logging.js"
import { ServerLive } from "../http/Server.js"

const parsed = parseCommandLine(process.argv.slice(2), process.env)
if (Either.isLeft(parsed)) {
  process.stderr.write(`tgsc-server: ${parsed.left}\n`)
  process.exit(2)
}
if (parsed.right._tag === "Help") {
  process.stdout.write(HELP)
  process.exit(0)
}
const { config, warnings } = parsed.right

const describeStartupFailure = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.squash(cause) as { _tag?: string; message?: string; cause?: unknown }
  if (failure?._tag === "ServeError") {
    const inner = failure.cause as NodeJS.ErrnoException | undefined
    if (inner?.code === "EADDRINUSE") return `port ${config.port} on ${config.host} is already in use`
    return `cannot listen on ${config.host}:${config.port}: ${inner?.message ?? String(inner)}`
  }
  return failure?.message ?? Cause.pretty(cause)
}

// ServerLive's TgscLive takes the data-directory lock before anything touches the directory.
// The warnings (an exposed address without a token, a token file others can read) go out at every start.
const program = Effect.forEach(warnings, (warning) => Effect.logWarning(warning), { discard: true }).pipe(
  Effect.zipRight(Layer.launch(ServerLive(config))),
  Effect.catchAllCause((cause) =>
    Cause.isInterruptedOnly(cause)
      ? Effect.void
      : Console.error(`tgsc-server: ${describeStartupFailure(cause)}`).pipe(
        Effect.zipRight(Effect.sync(() => {
          process.exitCode = 1
        }))
      )
  ),
  Effect.provide(LoggingLive({ level: config.logLevel, format: config.logFormat }))
)

NodeRuntime.runMain(program, { disableErrorReporting: true, disablePrettyLogger: true })
