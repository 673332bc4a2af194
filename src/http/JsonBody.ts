/**
 * Request bodies are JSON, small, and read only when sent as JSON. This
 * middleware makes HttpApi's body reading fit the API:
 *
 * - before any route runs, from the headers alone: a declared body over
 *   64 KB (Content-Length) is a 413; a state-changing request (anything but
 *   GET/HEAD/OPTIONS) whose Content-Type is not JSON (`application/json` or
 *   `+json`), or that has a body without a Content-Type, is a 415. Forms and
 *   text/plain, what a cross-site page can send without a CORS preflight,
 *   never reach a handler;
 * - while reading (chunked bodies have no Content-Length): past 64 KB the
 *   reading stops and the answer is a 413, without buffering the rest
 *   (ResponseGuards closes the connection of any answer sent before the
 *   body was received whole, so the rest of a large upload is not read);
 * - an empty body is an empty object (so an empty settings PATCH is the
 *   contract's 422, like `{}`);
 * - JSON nested deeper than any payload needs is a 400 before decoding (the
 *   schema error formatter recurses over the value and would overflow the
 *   stack: a 500).
 *
 * Reading is lazy: only an endpoint with a payload reads its body.
 */
import { IncomingMessage } from "node:http"
import { Headers, HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Data, Effect, Either } from "effect"

/** A body refused before decoding; DetailErrors answers it with its status. */
export class InvalidRequestBody extends Data.TaggedError("InvalidRequestBody")<{
  readonly status: 400 | 413 | 415
  readonly detail: string
}> {}

/** The largest request body accepted: far more than any payload of this API needs. */
export const MAX_BODY_BYTES = 64 * 1024

/** Far more than any payload of this API needs, far less than what the error formatter survives. */
export const MAX_JSON_DEPTH = 32

/** Whether JSON text opens more than `limit` arrays or objects inside each other (strings skipped). */
export const jsonNestingExceeds = (text: string, limit: number): boolean => {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    }
  }
  return false
}

const mediaTypeOf = (contentType: string | undefined): string =>
  (contentType ?? "").split(";")[0]!.trim().toLowerCase()

const isJsonType = (type: string) => type === "application/json" || type.endsWith("+json")

const SEND_JSON = "send a JSON body with Content-Type: application/json (curl: -H \"Content-Type: application/json\")"

const tooLarge = () =>
  new InvalidRequestBody({
    status: 413,
    detail: `Request body too large: the limit is ${MAX_BODY_BYTES} bytes (${MAX_BODY_BYTES / 1024} KB)`
  })

const unsupported = (type: string) =>
  new InvalidRequestBody({
    status: 415,
    detail: type === ""
      ? `A request body needs a Content-Type: ${SEND_JSON}`
      : `Unsupported Content-Type '${type}': ${SEND_JSON}`
  })

const READ_ONLY_METHODS = new Set(["GET", "HEAD", "OPTIONS"])

/** Whether the request may change state (and so must be JSON when it has a body). */
export const isStateChanging = (method: string): boolean => !READ_ONLY_METHODS.has(method.toUpperCase())

type HeaderMap = Readonly<Record<string, string | undefined>>

const declaresBody = (headers: HeaderMap) =>
  headers["transfer-encoding"] !== undefined || Number(headers["content-length"] ?? "0") > 0

/**
 * What the headers alone refuse, before any route runs: a declared body over
 * MAX_BODY_BYTES (any method), and a state-changing request with a
 * Content-Type that is not JSON, or with a body and no Content-Type.
 */
export const refusedByHeaders = (method: string, headers: HeaderMap): InvalidRequestBody | undefined => {
  if (Number(headers["content-length"] ?? "0") > MAX_BODY_BYTES) return tooLarge()
  if (!isStateChanging(method)) return undefined
  const type = mediaTypeOf(headers["content-type"])
  if (type === "" ? declaresBody(headers) : !isJsonType(type)) return unsupported(type)
  return undefined
}

/** The JSON value a request body holds, or why it is refused. */
export const parseJsonBody = (text: string, contentType: string | undefined): Either.Either<unknown, InvalidRequestBody> => {
  const type = mediaTypeOf(contentType)
  if (type === "" ? text !== "" : !isJsonType(type)) return Either.left(unsupported(type))
  if (text.trim() === "") return Either.right({})
  if (jsonNestingExceeds(text, MAX_JSON_DEPTH)) {
    return Either.left(
      new InvalidRequestBody({ status: 400, detail: `Invalid request body: JSON nested more than ${MAX_JSON_DEPTH} levels deep` })
    )
  }
  try {
    return Either.right(JSON.parse(text) as unknown)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return Either.left(
      new InvalidRequestBody({
        status: 400,
        detail: `Invalid request body: not valid JSON (${reason})`
      })
    )
  }
}

/**
 * The body as text, read at most MAX_BODY_BYTES: past that the reading
 * stops (the stream paused, nothing more kept) with a 413; the connection is
 * then closed after the answer (see JsonBodyLive). Not Effect's own reader:
 * it destroys the request past its limit, cutting the socket before the 413
 * can be sent.
 */
const readBounded = (source: IncomingMessage): Effect.Effect<string, InvalidRequestBody> =>
  Effect.async<string, InvalidRequestBody>((resume) => {
    if (source.readableEnded) {
      resume(Effect.succeed(""))
      return
    }
    const chunks: Array<Buffer> = []
    let size = 0
    const cleanup = () => {
      source.off("data", onData)
      source.off("end", onEnd)
      source.off("error", onError)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        cleanup()
        source.pause()
        chunks.length = 0
        resume(Effect.fail(tooLarge()))
      } else {
        chunks.push(chunk)
      }
    }
    const onEnd = () => {
      cleanup()
      resume(Effect.succeed(Buffer.concat(chunks).toString("utf8")))
    }
    const onError = () => {
      cleanup()
      resume(Effect.fail(new InvalidRequestBody({ status: 400, detail: "Invalid request body: the body was not received whole" })))
    }
    source.on("data", onData)
    source.once("end", onEnd)
    source.once("error", onError)
    return Effect.sync(cleanup)
  })

/** The Node request under an HttpServerRequest, when it is one. */
export const nodeRequestOf = (request: HttpServerRequest.HttpServerRequest): IncomingMessage | undefined => {
  const source = NodeHttpServerRequest.toIncomingMessage(request) as unknown
  return source instanceof IncomingMessage ? source : undefined
}

/** The body's text, bounded; a request that is not Node's (tests on a web handler) through Effect's reader. */
const bodyText = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<string, unknown> => {
  const source = nodeRequestOf(request)
  return source === undefined ? request.text : readBounded(source)
}

/**
 * The request as HttpApi's payload decoding should see it: Content-Type
 * JSON, and `json` giving parseJsonBody's value (its refusal is a defect
 * there, which DetailErrors answers).
 */
const asJsonRequest = (request: HttpServerRequest.HttpServerRequest): HttpServerRequest.HttpServerRequest => {
  const contentType = request.headers["content-type"]
  const json = Effect.flatMap(bodyText(request), (text) => parseJsonBody(text, contentType))
  return Object.create(request, {
    headers: { value: Headers.set(request.headers, "content-type", "application/json") },
    json: { value: json }
  }) as HttpServerRequest.HttpServerRequest
}

export const JsonBodyLive = HttpApiBuilder.middleware((app) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const refused = refusedByHeaders(request.method, request.headers)
    if (refused !== undefined) return yield* Effect.die(refused)
    return yield* Effect.updateService(app, HttpServerRequest.HttpServerRequest, (r) => isStateChanging(r.method) ? asJsonRequest(r) : r)
  })
)
