/**
 * Every failure leaves the server as `{"detail": "..."}` with the right
 * status: typed API errors, parameter decoding (400), unknown routes (404),
 * and anything unexpected (500, logged with the request id, no internals
 * shown to the client).
 */
import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Cause, Effect, Option } from "effect"
import { isApiError, statusOf } from "./ApiErrors.js"
import type { InvalidRequestBody } from "./JsonBody.js"
import { CurrentRequestId } from "./RequestLog.js"

interface DecodeIssue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

/** An optional parameter also reports that its value is not `undefined`: noise beside the real reason. */
const isOptionalNoise = (issue: DecodeIssue) => issue.message.startsWith("Expected undefined, actual ")

const EXPECTED = /^Expected (.+), actual (.+)$/s

/**
 * One sentence for one field. A union reports each of its members' issues
 * (`Expected number, actual "x"`, `Expected null, actual "x"`): a message
 * written for people wins over those, else they merge into one
 * (`Expected number or null, actual "x"`).
 */
const describeField = (messages: ReadonlyArray<string>): string => {
  const unique = [...new Set(messages)]
  if (unique.length === 1) return unique[0]!
  const written = unique.filter((m) => !EXPECTED.test(m))
  if (written.length > 0) return written.join("; ")
  const parsed = unique.map((m) => EXPECTED.exec(m)!)
  const actual = parsed[0]![2]!
  return parsed.every((m) => m[2] === actual)
    ? `Expected ${[...new Set(parsed.map((m) => m[1]!))].join(" or ")}, actual ${actual}`
    : unique.join("; ")
}

const describeIssues = (issues: ReadonlyArray<DecodeIssue>): string => {
  if (issues.length === 0) return "Invalid request"
  const reasons = issues.filter((issue) => !isOptionalNoise(issue))
  const byField = new Map<string, Array<string>>()
  for (const issue of reasons.length > 0 ? reasons : issues) {
    const name = issue.path.filter((p) => typeof p !== "number").map(String).join(".")
    const message = issue.message.startsWith("is missing") ? "is required" : issue.message
    byField.set(name, [...(byField.get(name) ?? []), message])
  }
  return [...byField].map(([name, messages]) => {
    const message = describeField(messages)
    return name === "" ? message : `Invalid parameter '${name}': ${message}`
  }).join("; ")
}

export const detailResponse = (status: number, detail: string, headers?: Record<string, string>) =>
  HttpServerResponse.unsafeJson({ detail }, { status, headers })

const failureResponse = (error: unknown): Option.Option<HttpServerResponse.HttpServerResponse> => {
  if (isApiError(error)) {
    const headers: Record<string, string> | undefined = error._tag === "RateLimited"
      ? { "retry-after": String(Math.max(1, Math.ceil(error.retryAfter))) }
      : undefined
    return Option.some(detailResponse(statusOf[error._tag], error.detail, headers))
  }
  const tag = (error as { _tag?: unknown } | null)?._tag
  if (tag === "HttpApiDecodeError") {
    return Option.some(detailResponse(400, describeIssues((error as { issues: Array<DecodeIssue> }).issues)))
  }
  if (tag === "InvalidRequestBody") {
    const { detail, status } = error as InvalidRequestBody
    return Option.some(detailResponse(status, detail))
  }
  if (tag === "RouteNotFound") return Option.some(detailResponse(404, "Not Found"))
  if (tag === "RequestError") {
    const reason = (error as { reason?: string }).reason
    return Option.some(detailResponse(400, reason === "Decode" ? "Invalid request body: expected JSON" : "Invalid request"))
  }
  return Option.none()
}

/** Failures of reading the body (invalid JSON, refused by JsonBody) arrive as defects, not typed failures. */
const isBodyError = (u: unknown) => {
  const tag = (u as { _tag?: unknown } | null)?._tag
  return tag === "RequestError" || tag === "InvalidRequestBody"
}

export const respondToCause = (cause: Cause.Cause<unknown>) =>
  Effect.gen(function*() {
    if (Cause.isInterruptedOnly(cause)) return yield* Effect.failCause(cause as Cause.Cause<never>)
    const handled = Option.orElse(
      Option.flatMap(Cause.failureOption(cause), failureResponse),
      () => Option.flatMap(Option.liftPredicate(Cause.squash(cause), isBodyError), failureResponse)
    )
    if (Option.isSome(handled)) return handled.value
    const requestId = yield* CurrentRequestId
    yield* Effect.logError("unhandled error", cause).pipe(Effect.annotateLogs("request_id", requestId))
    return detailResponse(500, `Internal server error (request id ${requestId})`)
  })

export const DetailErrorsLive = HttpApiBuilder.middleware((app) => Effect.catchAllCause(app, respondToCause))
