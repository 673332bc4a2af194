/**
 * How a tgsc tool is declared and served. Each tool has an input Schema
 * (its arguments, snake_case, decoded strictly: an unknown argument is an
 * error, not silently ignored), an output Schema (the contract's object its
 * `structuredContent` is, also given to clients as `outputSchema`), and a
 * run that answers with that object and a text rendering of it.
 *
 * Every failure is a tool result with `isError: true` and the contract's
 * `detail` sentence as its text (src/contract/FailureDetails.ts), so a model
 * reads why and can correct itself; a rate limit also carries
 * `_meta["tgsc/retry_after"]`. A defect is logged and answered "Internal
 * error", never with its internals.
 */
import { McpSchema, McpServer } from "@effect/ai"
import { Cause, Data, Effect, JSONSchema, Option, ParseResult, Schema, SchemaAST } from "effect"
import type { FailureDetail } from "../contract/FailureDetails.js"
import { McpCall, type McpCallShape } from "./McpCall.js"

export class ToolFailure extends Data.TaggedError("ToolFailure")<FailureDetail> {}

export const badArguments = (detail: string) => new ToolFailure({ kind: "BadRequest", detail })

export interface ToolAnswer<A> {
  readonly structured: A
  readonly text: string
  /** Images to show beside the text (MCP image content). */
  readonly images?: ReadonlyArray<{ readonly data: Uint8Array; readonly mimeType: string }>
}

export interface ToolDefinition<I, A, R> {
  readonly name: string
  readonly title: string
  readonly description: string
  readonly input: Schema.Schema<I, any>
  readonly output: Schema.Schema<A, any>
  /** `R`: the use cases it runs, provided when the tools are registered. */
  readonly run: (input: I, call: McpCallShape) => Effect.Effect<ToolAnswer<A>, ToolFailure, R>
}

/** A tool of any input and output: a list of tools is of these (`defineTool` checks each one's types). */
export type AnyTool<R = any> = ToolDefinition<any, any, R>

/** Keeps the input and output types of one definition together. */
export const defineTool = <I, A, R>(definition: ToolDefinition<I, A, R>): AnyTool<R> => definition

/**
 * The JSON Schema MCP clients get: the schema inline, named parts under
 * `$defs` (as @effect/ai's own McpServer writes input schemas).
 */
export const jsonSchemaOf = (schema: Schema.Schema.All): Record<string, unknown> => {
  // Effect writes `{}` as "any object or array"; MCP wants an object schema.
  if (SchemaAST.getPropertySignatures(schema.ast).length === 0) {
    return { type: "object", properties: {}, required: [], additionalProperties: false }
  }
  const $defs: Record<string, JSONSchema.JsonSchema7> = {}
  const json = JSONSchema.fromAST(schema.ast, { definitions: $defs, topLevelReferenceStrategy: "skip" })
  return Object.keys($defs).length === 0 ? { ...json } : { ...json, $defs }
}

/** The output schemas by tool name, for JsonRpcCodec to put into `tools/list`. */
export const outputSchemasOf = (tools: ReadonlyArray<AnyTool>): ReadonlyMap<string, unknown> =>
  new Map(tools.map((tool) => [tool.name, jsonSchemaOf(tool.output)]))

const EXPECTED = /^Expected (.+), actual (.+)$/s

/** One sentence per argument, as the HTTP API words parameter errors (src/http/DetailErrors.ts). */
export const unknownArguments = (unknown: ReadonlyArray<string>, known: ReadonlyArray<string>): string =>
  `Unknown argument${unknown.length > 1 ? "s" : ""} ${unknown.map((u) => `'${u}'`).join(", ")}: ` +
  (known.length === 0 ? "this tool takes no arguments" : `the arguments are ${known.join(", ")}`)

export const describeArgumentIssues = (error: ParseResult.ParseError, known: ReadonlyArray<string>): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const unknown = issues.filter((i) => i._tag === "Unexpected" && i.path.length === 1).map((i) => String(i.path[0]))
  if (unknown.length > 0) return unknownArguments(unknown, known)
  const reasons = issues.filter((i) => !i.message.startsWith("Expected undefined, actual "))
  const byArgument = new Map<string, Array<string>>()
  for (const issue of reasons.length > 0 ? reasons : issues) {
    const name = issue.path.filter((p) => typeof p !== "number").map(String).join(".")
    const message = issue._tag === "Missing" ? "is required" : issue.message
    byArgument.set(name, [...(byArgument.get(name) ?? []), message])
  }
  return [...byArgument].map(([name, messages]) => {
    const unique = [...new Set(messages)]
    const parsed = unique.map((m) => EXPECTED.exec(m))
    const merged = unique.length > 1 && parsed.every((m) => m !== null && m[2] === parsed[0]![2])
      ? `Expected ${parsed.map((m) => m![1]).join(" or ")}, actual ${parsed[0]![2]}`
      : unique.join("; ")
    return name === "" ? merged : `Invalid argument '${name}': ${merged}`
  }).join("; ")
}

const argumentNames = (schema: Schema.Schema.All): ReadonlyArray<string> =>
  Object.keys((jsonSchemaOf(schema).properties ?? {}) as Record<string, unknown>)

/** What `_meta["tgsc/error"]` says went wrong: the contract's kinds, and our own fault. */
type ErrorKind = FailureDetail["kind"] | "Internal"

/** A failure as MCP tool error result: the detail as text, the retry time in `_meta` for rate limits. */
export const failureResult = (failure: { readonly kind: ErrorKind; readonly detail: string; readonly retryAfter?: number }): McpSchema.CallToolResult =>
  new McpSchema.CallToolResult({
    isError: true,
    content: [{ type: "text", text: failure.detail }],
    _meta: {
      "tgsc/error": failure.kind,
      ...(failure.retryAfter === undefined ? {} : { "tgsc/retry_after": Math.max(1, Math.ceil(failure.retryAfter)) })
    }
  })

const answerResult = (answer: ToolAnswer<unknown>): McpSchema.CallToolResult =>
  new McpSchema.CallToolResult({
    content: [
      { type: "text", text: answer.text },
      ...(answer.images ?? []).map((image) => ({ type: "image" as const, data: image.data, mimeType: image.mimeType }))
    ],
    structuredContent: answer.structured
  })

const INTERNAL = { kind: "Internal", detail: "Internal error: the server's log has the cause" } as const

const NO_CALLER: FailureDetail = { kind: "Unauthorized", detail: "No session: this call did not come through a tgsc transport" }

/** Serves `tools` on the McpServer: each declared with its input schema, read-only annotations, and its handler. */
/** The use cases some tools run on. */
export type ToolsRequirements<T extends ReadonlyArray<AnyTool>> = T[number] extends ToolDefinition<any, any, infer R> ? R : never

export const registerTools = <const T extends ReadonlyArray<AnyTool>>(tools: T) =>
  Effect.gen(function*() {
    const server = yield* McpServer.McpServer
    const context = yield* Effect.context<ToolsRequirements<T>>()
    for (const tool of tools) {
      const decode = Schema.decodeUnknown(tool.input, { onExcessProperty: "error", errors: "all" })
      const names = argumentNames(tool.input)
      yield* server.addTool({
        tool: new McpSchema.Tool({
          name: tool.name,
          title: tool.title,
          description: tool.description,
          inputSchema: jsonSchemaOf(tool.input),
          annotations: new McpSchema.ToolAnnotations({
            title: tool.title,
            readOnlyHint: true,
            destructiveHint: false,
            idempotentHint: true,
            openWorldHint: true
          })
        }),
        handle: (payload) =>
          Effect.gen(function*() {
            const call = yield* Effect.serviceOption(McpCall)
            if (Option.isNone(call)) return failureResult(NO_CALLER)
            // Checked here as well: an empty Struct takes any object.
            const unknown = Object.keys(payload as object).filter((key) => !names.includes(key))
            if (unknown.length > 0) return yield* badArguments(unknownArguments(unknown, names))
            const input = yield* Effect.mapError(decode(payload), (e) => badArguments(describeArgumentIssues(e, names)))
            return answerResult(yield* tool.run(input, call.value))
          }).pipe(
            Effect.provide(context),
            Effect.catchAllCause((cause) => {
              const failure = Cause.failureOption(cause)
              if (Option.isSome(failure)) return Effect.succeed(failureResult(failure.value))
              if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
              return Effect.as(Effect.logError(`tool ${tool.name} failed`, cause), failureResult(INTERNAL))
            }),
            Effect.withSpan(`mcp.${tool.name}`)
          ) as Effect.Effect<McpSchema.CallToolResult, never, McpSchema.McpServerClient>
      })
    }
  })
