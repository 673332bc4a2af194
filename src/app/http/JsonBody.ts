/**
 * Request bodies are JSON. HttpApi reads a body by its Content-Type and
 * decodes it against the endpoint's payload schema; this middleware makes
 * that reading fit the API:
 *
 * - a body sent as `application/x-www-form-urlencoded` (what `curl -d` sends
 *   unless told otherwise) or without a Content-Type is read as JSON;
 *   another non-JSON Content-Type is a 415 saying to send JSON;
 * - an empty body is an empty object (so an empty settings PATCH is the
 *   contract's 422, like `{}`);
 * - JSON nested deeper than any payload needs is a 400 before decoding (the
 *   schema error formatter recurses over the value and would overflow the
 *   stack: a 500).
 *
 * Reading is lazy: only an endpoint with a payload reads its body.
 */
import { Headers, HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { Data, Effect, Either } from "effect"

/** A body refused before decoding; DetailErrors answers it with its status. */
export class InvalidRequestBody extends Data.TaggedError("InvalidRequestBody")<{
  readonly status: 400 | 415
  readonly detail: string
}> {}

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

/** Content types read as JSON anyway: none, and curl's default for `-d`. */
const isLenientType = (type: string) => type === "" || type === "application/x-www-form-urlencoded"

const SEND_JSON = "send a JSON body with Content-Type: application/json"

/** The JSON value a request body holds, or why it is refused. */
export const parseJsonBody = (text: string, contentType: string | undefined): Either.Either<unknown, InvalidRequestBody> => {
  const type = mediaTypeOf(contentType)
  if (!isJsonType(type) && !isLenientType(type)) {
    return Either.left(new InvalidRequestBody({ status: 415, detail: `Unsupported Content-Type '${type}': ${SEND_JSON}` }))
  }
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
        detail: isJsonType(type)
          ? `Invalid request body: not valid JSON (${reason})`
          : `Invalid request body: expected JSON (the request said Content-Type: ${type || "nothing"}): ${SEND_JSON}`
      })
    )
  }
}

/**
 * The request as HttpApi's payload decoding should see it: Content-Type
 * JSON, and `json` giving parseJsonBody's value (its refusal is a defect
 * there, which DetailErrors answers).
 */
const asJsonRequest = (request: HttpServerRequest.HttpServerRequest): HttpServerRequest.HttpServerRequest => {
  const contentType = request.headers["content-type"]
  const json = Effect.flatMap(request.text, (text) => parseJsonBody(text, contentType))
  return Object.create(request, {
    headers: { value: Headers.set(request.headers, "content-type", "application/json") },
    json: { value: json }
  }) as HttpServerRequest.HttpServerRequest
}

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"])

export const JsonBodyLive = HttpApiBuilder.middleware((app) =>
  Effect.updateService(
    app,
    HttpServerRequest.HttpServerRequest,
    (request) => BODY_METHODS.has(request.method) ? asJsonRequest(request) : request
  )
)
