#!/usr/bin/env node
/**
 * tgsc-mcp: the MCP server on stdio (src/compose/McpCommand.ts). stdout carries
 * the protocol and nothing else: console output of any library goes to
 * stderr, as the logs do.
 */
import { limitHeapGrowth } from "./HeapGrowth.js"
import { Command, ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime, NodeStream } from "@effect/platform-node"
import { Cause, Console, Effect } from "effect"
import { VERSION } from "../app/Version.js"
import { mcpCommand, McpStartError } from "../compose/McpCommand.js"

limitHeapGrowth()

// The client closing its end of stdout ends this process, as closing stdin does.
process.stdout.on("error", () => process.exit(0))

const cli = Command.run(
  mcpCommand({
    input: NodeStream.fromReadable(() => process.stdin, (error) => error),
    write: (line) => Effect.sync(() => void process.stdout.write(line)),
    env: process.env,
    cwd: process.cwd(),
    // Once serving, stdout is the protocol's alone: any library's console output goes to stderr.
    reserveStdout: Effect.sync(() => {
      for (const method of ["log", "info", "debug", "warn"] as const) console[method] = console.error
    })
  }),
  { name: "tgsc-mcp", version: VERSION }
)

const program = cli(process.argv).pipe(
  Effect.catchAllCause((cause) => {
    if (Cause.isInterruptedOnly(cause)) return Effect.void
    const failure = Cause.squash(cause)
    // @effect/cli has printed what was wrong with the command line already.
    if (ValidationError.isValidationError(failure)) return Effect.sync(() => void (process.exitCode = 2))
    const message = failure instanceof McpStartError ? failure.message : Cause.pretty(cause)
    return Console.error(`tgsc-mcp: ${message}`).pipe(
      Effect.zipRight(Effect.sync(() => void (process.exitCode = failure instanceof McpStartError && failure.usage ? 2 : 1)))
    )
  }),
  Effect.provide(NodeContext.layer)
)

NodeRuntime.runMain(program, { disableErrorReporting: true, disablePrettyLogger: true })
