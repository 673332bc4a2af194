/**
 * The tgsc-server program in this process, for HTTP tests where the process
 * itself is not what is tested: the command line parsed by the real parser
 * (src/cli/Config.ts), then ServerLive launched as src/bin/tgsc-server.ts
 * launches it (its start-up warnings logged first, the logger from the parsed
 * --log-level/--log-format), on 127.0.0.1 and an ephemeral port unless told
 * otherwise. Its log lines are kept for `output()` instead of printed.
 *
 * Starting takes a few tens of milliseconds; a tgsc-server child process
 * (ServerProcess.ts) takes seconds, most of it tsx compiling and Node loading
 * the server's modules. Tests of the process itself stay there: signals, the
 * data-directory lock, command-line errors and exit codes, what the binary
 * prints at start.
 */
import { Console as NodeConsole } from "node:console"
import * as fs from "node:fs/promises"
import { Writable } from "node:stream"
import { Cause, Console, Deferred, Effect, Either, Exit, Fiber, Layer } from "effect"
import { parseCommandLine } from "./ServerCommandLine.js"
import type { AppConfigShape } from "../../src/config/AppConfig.js"
import { LoggingLive } from "../../src/cli/Logging.js"
import { ServerLive } from "../../src/compose/Server.js"
import { cleanEnv, makeTempDir, projectRoot } from "./ServerProcess.js"

export interface InProcessServer {
  /** As the server logs it ("Listening on <url>"), or http://127.0.0.1:<port> when that line is not logged. */
  readonly url: string
  readonly port: number
  readonly dataDir: string
  /** The configuration the command line was parsed into. */
  readonly config: AppConfigShape
  /**
   * Everything the server logged so far, one line per entry, as the binary
   * writes it to stdout. (An uncaught exception, which a process would print
   * to stderr before dying, fails the test run itself here.)
   */
  readonly output: () => string
  /**
   * Stops the server (open connections are cut, the data directory's lock
   * released) and removes the data directory if this helper made it.
   */
  readonly stop: () => Promise<void>
}

/** An Effect Console writing through a Node console into `write`, synchronously. */
const capturingConsole = (write: (text: string) => void): Console.Console => {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      write(String(chunk))
      done()
    }
  })
  const node = new NodeConsole({ stdout: stream, stderr: stream, colorMode: false })
  return {
    [Console.TypeId]: Console.TypeId,
    assert: (condition, ...args) => Effect.sync(() => node.assert(condition, ...args)),
    clear: Effect.sync(() => node.clear()),
    count: (label) => Effect.sync(() => node.count(label)),
    countReset: (label) => Effect.sync(() => node.countReset(label)),
    debug: (...args) => Effect.sync(() => node.debug(...args)),
    dir: (item, options) => Effect.sync(() => node.dir(item, options)),
    dirxml: (...args) => Effect.sync(() => node.dirxml(...args)),
    error: (...args) => Effect.sync(() => node.error(...args)),
    group: (options) => Effect.sync(() => (options?.collapsed ? node.groupCollapsed(options.label) : node.group(options?.label))),
    groupEnd: Effect.sync(() => node.groupEnd()),
    info: (...args) => Effect.sync(() => node.info(...args)),
    log: (...args) => Effect.sync(() => node.log(...args)),
    table: (data, properties) => Effect.sync(() => node.table(data, properties)),
    time: (label) => Effect.sync(() => node.time(label)),
    timeEnd: (label) => Effect.sync(() => node.timeEnd(label)),
    timeLog: (label, ...args) => Effect.sync(() => node.timeLog(label, ...args)),
    trace: (...args) => Effect.sync(() => node.trace(...args)),
    warn: (...args) => Effect.sync(() => node.warn(...args)),
    unsafe: node
  }
}

/** The start-up failure as the binary words it (without the "tgsc-server: " prefix it prints). */
const describeFailure = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.squash(cause) as { message?: string } | undefined
  return failure?.message ?? Cause.pretty(cause)
}

/**
 * Starts the server in this process with the command line
 * `--data-dir <dataDir> --port <port> ...args` and the environment
 * `env` (over a clean one: nothing from the developer's shell), as
 * startServer does with a child process. Rejects with the parser's message
 * for a command line the binary refuses, and with the failure for a server
 * that does not start.
 */
export const startInProcessServer = async (options: {
  readonly dataDir?: string
  readonly args?: ReadonlyArray<string>
  readonly env?: Record<string, string | undefined>
  /** Default 0: an ephemeral port, read from the "Listening on" line (so a log level above info needs a port). */
  readonly port?: number
} = {}): Promise<InProcessServer> => {
  const madeDataDir = options.dataDir === undefined
  const dataDir = options.dataDir ?? (await makeTempDir())
  const removeDataDir = () => (madeDataDir ? fs.rm(dataDir, { recursive: true, force: true }) : Promise.resolve())
  const argv = ["--data-dir", dataDir, "--port", String(options.port ?? 0), ...(options.args ?? [])]
  const parsed = parseCommandLine(argv, cleanEnv(options.env), projectRoot)
  if (Either.isLeft(parsed) || parsed.right._tag === "Help") {
    await removeDataDir()
    throw new Error(`tgsc-server ${argv.join(" ")}: ${Either.isLeft(parsed) ? parsed.left.message : "--help"}`)
  }
  const { config, warnings } = parsed.right

  let output = ""
  const ready = Deferred.unsafeMake<void>(Effect.runSync(Effect.fiberId))
  // tgsc-server's program, with Layer.launch spelled out to say when the server listens.
  const program = Effect.forEach(warnings, (warning) => Effect.logWarning(warning), { discard: true }).pipe(
    Effect.zipRight(
      Effect.scoped(
        Layer.build(ServerLive(config)).pipe(Effect.zipRight(Deferred.succeed(ready, undefined)), Effect.zipRight(Effect.never))
      )
    ),
    Effect.provide(LoggingLive({ level: config.logLevel, format: config.logFormat })),
    Effect.withConsole(capturingConsole((text) => (output += text)))
  )
  const fiber = Effect.runFork(program)
  const started = await Effect.runPromiseExit(
    Effect.raceFirst(Deferred.await(ready), Fiber.join(fiber)).pipe(Effect.timeout("30 seconds"))
  )
  if (Exit.isFailure(started)) {
    await Effect.runPromise(Fiber.interrupt(fiber))
    await removeDataDir()
    throw new Error(`server did not start: ${describeFailure(started.cause)}\n${output}`)
  }

  const listening = /Listening on (http:\/\/[^\s"]+)/.exec(output)?.[1]
  if (listening === undefined && config.port === 0) {
    await Effect.runPromise(Fiber.interrupt(fiber))
    await removeDataDir()
    throw new Error("startInProcessServer: no \"Listening on\" line at this log level; pass a port (freePort())")
  }
  const url = listening ?? `http://127.0.0.1:${config.port}`
  let stopped: Promise<void> | undefined
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    config,
    output: () => output,
    stop: () =>
      (stopped ??= Effect.runPromise(Fiber.interrupt(fiber)).then(removeDataDir))
  }
}
