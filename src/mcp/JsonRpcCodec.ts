/**
 * MCP's JSON-RPC messages to and from @effect/ai's McpServer (an
 * @effect/rpc server), one codec per connection. It does what
 * @effect/rpc's own JSON-RPC serialization does, plus what MCP needs and
 * that one lacks (in @effect/ai 0.37):
 *
 * - any JSON-RPC id: the RPC server takes numeric ids only, so each request
 *   gets a number of its own and its answer goes back with the client's id
 *   (a string, 0, whatever it sent); `notifications/cancelled` is mapped too;
 * - `tools/list` answers carry each tool's `outputSchema` (0.37's Tool
 *   schema has no such field, so the server's own encoding drops it);
 * - `tools/call` without `arguments` (optional in MCP) gets `{}`;
 * - malformed messages and unknown methods are answered at once (-32700,
 *   -32600, -32601) instead of reaching the RPC server, which has no answer
 *   for them with an id;
 * - a cancelled request gets no answer, as MCP wants.
 *
 * Each request's progress token (`params._meta.progressToken`) is handed to
 * the transport, which gives it to the tool through McpCall.
 */
import { McpSchema } from "@effect/ai"
import type { RpcMessage } from "@effect/rpc"

export type JsonRpcId = string | number

/** A JSON-RPC message as it goes on the wire. */
export type JsonRpcMessage = Record<string, unknown>

export type ProgressToken = string | number

/** A message for the RPC server, with the progress token its request carried. */
export interface DecodedRequest {
  readonly message: RpcMessage.FromClientEncoded
  readonly progressToken: ProgressToken | undefined
}

export interface Decoded {
  readonly requests: ReadonlyArray<DecodedRequest>
  /** Answers due at once (errors for messages that cannot reach the server). */
  readonly immediate: ReadonlyArray<JsonRpcMessage>
}

const REQUEST_METHODS: ReadonlySet<string> = new Set(McpSchema.ClientRequestRpcs.requests.keys())
const NOTIFICATION_METHODS: ReadonlySet<string> = new Set(McpSchema.ClientNotificationRpcs.requests.keys())

export const PARSE_ERROR = -32700
export const INVALID_REQUEST = -32600
export const METHOD_NOT_FOUND = -32601
export const INTERNAL_ERROR = -32603

export const errorMessage = (id: JsonRpcId | null, code: number, message: string): JsonRpcMessage => ({
  jsonrpc: "2.0",
  id,
  error: { code, message }
})

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const isId = (u: unknown): u is JsonRpcId => typeof u === "string" || (typeof u === "number" && Number.isFinite(u))

type CauseEncoded = { readonly _tag: string; readonly [key: string]: unknown }

const interruptedOnly = (cause: CauseEncoded): boolean => {
  switch (cause._tag) {
    case "Interrupt":
      return true
    case "Sequential":
    case "Parallel":
      return interruptedOnly(cause.left as CauseEncoded) && interruptedOnly(cause.right as CauseEncoded)
    default:
      return false
  }
}

/** The first failure or defect of a cause. */
const firstProblem = (cause: CauseEncoded): CauseEncoded | undefined => {
  switch (cause._tag) {
    case "Fail":
    case "Die":
      return cause
    case "Sequential":
    case "Parallel":
      return firstProblem(cause.left as CauseEncoded) ?? firstProblem(cause.right as CauseEncoded)
    default:
      return undefined
  }
}

const errorOf = (cause: CauseEncoded): { code: number; message: string } => {
  const problem = firstProblem(cause)
  if (problem?._tag === "Fail" && isRecord(problem.error)) {
    const { code, message } = problem.error
    if (typeof code === "number" && typeof message === "string") return { code, message }
  }
  if (problem?._tag === "Die") {
    // The server's own defects: a request whose params do not decode is one (its text says why); never a stack.
    const defect = problem.defect
    const text = typeof defect === "string" ? defect : isRecord(defect) && typeof defect.message === "string" ? defect.message : null
    if (text !== null) return { code: INTERNAL_ERROR, message: text.split("\n    at ")[0]! }
  }
  return { code: INTERNAL_ERROR, message: "Internal error" }
}

/** What the RPC server sends a client: answers, and (from McpServer) notifications as requests without an id. */
export type ServerMessage = RpcMessage.FromServerEncoded | RpcMessage.RequestEncoded

interface Pending {
  readonly id: JsonRpcId
  readonly method: string
}

export interface JsonRpcCodec {
  readonly decode: (value: unknown) => Decoded
  /** The wire message for what the server sends, or undefined when nothing goes out for it. */
  readonly encode: (message: ServerMessage) => JsonRpcMessage | undefined
  /** Requests decoded and not answered yet. */
  readonly pending: () => number
}

/** `outputSchemas`: each tool's JSON Schema for its structured output, by tool name. */
export const makeJsonRpcCodec = (outputSchemas: ReadonlyMap<string, unknown>): JsonRpcCodec => {
  let next = 1
  const pending = new Map<string, Pending>()
  const byClientId = new Map<JsonRpcId, string>()

  const decodeOne = (value: unknown, requests: Array<DecodedRequest>, immediate: Array<JsonRpcMessage>) => {
    if (!isRecord(value) || value.jsonrpc !== "2.0") {
      immediate.push(errorMessage(null, INVALID_REQUEST, "Invalid Request: expected a JSON-RPC 2.0 message object"))
      return
    }
    const method = value.method
    if (typeof method !== "string") {
      // A response to a request of ours: this server sends none, so there is nothing to match it to.
      if (Object.hasOwn(value, "result") || Object.hasOwn(value, "error")) return
      immediate.push(errorMessage(isId(value.id) ? value.id : null, INVALID_REQUEST, "Invalid Request: no method"))
      return
    }
    const params = isRecord(value.params) ? value.params : {}
    const hasId = Object.hasOwn(value, "id") && value.id !== null
    if (!hasId) {
      if (!NOTIFICATION_METHODS.has(method)) return // unknown notifications are ignored, as JSON-RPC says
      let payload = params
      if (method === "notifications/cancelled") {
        const target = isId(params.requestId) ? byClientId.get(params.requestId) : undefined
        if (target === undefined) return
        payload = { ...params, requestId: target }
      }
      requests.push({
        message: { _tag: "Request", id: "", tag: method, payload, headers: [] } as RpcMessage.FromClientEncoded,
        progressToken: undefined
      })
      return
    }
    if (!isId(value.id)) {
      immediate.push(errorMessage(null, INVALID_REQUEST, "Invalid Request: the id must be a string or a number"))
      return
    }
    const id = value.id
    if (!REQUEST_METHODS.has(method)) {
      immediate.push(errorMessage(id, METHOD_NOT_FOUND, `Method not found: ${method}`))
      return
    }
    const surrogate = String(next++)
    pending.set(surrogate, { id, method })
    byClientId.set(id, surrogate)
    const meta = isRecord(params._meta) ? params._meta : {}
    const progressToken = isId(meta.progressToken) ? meta.progressToken : undefined
    const payload = method === "tools/call" && params.arguments === undefined ? { ...params, arguments: {} } : params
    requests.push({
      message: { _tag: "Request", id: surrogate, tag: method, payload, headers: [] } as RpcMessage.FromClientEncoded,
      progressToken
    })
  }

  const withOutputSchemas = (result: unknown): unknown => {
    if (!isRecord(result) || !Array.isArray(result.tools)) return result
    return {
      ...result,
      tools: result.tools.map((tool: unknown) => {
        if (!isRecord(tool) || typeof tool.name !== "string") return tool
        const schema = outputSchemas.get(tool.name)
        return schema === undefined ? tool : { ...tool, outputSchema: schema }
      })
    }
  }

  const encode = (message: ServerMessage): JsonRpcMessage | undefined => {
    switch (message._tag) {
      case "Exit": {
        const request = pending.get(message.requestId)
        if (request === undefined) return undefined
        pending.delete(message.requestId)
        if (byClientId.get(request.id) === message.requestId) byClientId.delete(request.id)
        const exit = message.exit as { readonly _tag: string; readonly value?: unknown; readonly cause?: CauseEncoded }
        if (exit._tag === "Success") {
          const result = request.method === "tools/list" ? withOutputSchemas(exit.value) : exit.value
          return { jsonrpc: "2.0", id: request.id, result }
        }
        // A cancelled request is not answered (MCP, cancellation).
        if (exit.cause !== undefined && interruptedOnly(exit.cause)) return undefined
        const { code, message: text } = exit.cause === undefined ? { code: INTERNAL_ERROR, message: "Internal error" } : errorOf(exit.cause)
        return errorMessage(request.id, code, text)
      }
      case "Request":
        // Server notifications (list_changed, progress).
        return { jsonrpc: "2.0", method: message.tag, params: message.payload }
      case "Defect":
        return errorMessage(null, INTERNAL_ERROR, "Internal error")
      default:
        return undefined
    }
  }

  return {
    decode: (value) => {
      const requests: Array<DecodedRequest> = []
      const immediate: Array<JsonRpcMessage> = []
      if (Array.isArray(value)) {
        if (value.length === 0) immediate.push(errorMessage(null, INVALID_REQUEST, "Invalid Request: an empty batch"))
        for (const item of value) decodeOne(item, requests, immediate)
      } else {
        decodeOne(value, requests, immediate)
      }
      return { requests, immediate }
    },
    encode,
    pending: () => pending.size
  }
}
