/**
 * The errors the HTTP API answers with. Every one becomes `{"detail": ...}`
 * with its status (see DetailErrors.ts); declaring them on endpoints is what
 * puts them in /openapi.json.
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { rateLimitDetail } from "../contract/FailureDetails.js"

export class BadRequest extends Schema.TaggedError<BadRequest>()(
  "BadRequest",
  { detail: Schema.String },
  HttpApiSchema.annotations({ status: 400, description: "Invalid parameters" })
) {}

export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { detail: Schema.String },
  HttpApiSchema.annotations({ status: 401, description: "Missing or unknown session, or a missing or unknown API token (mistyped, revoked)" })
) {}

export class Forbidden extends Schema.TaggedError<Forbidden>()(
  "Forbidden",
  { detail: Schema.String },
  HttpApiSchema.annotations({
    status: 403,
    description: "A named API token used beyond what it may do: for a session it is not for, or on a route only the " +
      "admin token (TGSC_API_TOKEN) may use (logins, the session list, session deletion, settings changes)"
  })
) {}

export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  { detail: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "Not found" })
) {}

export class Conflict extends Schema.TaggedError<Conflict>()(
  "Conflict",
  { detail: Schema.String },
  HttpApiSchema.annotations({ status: 409, description: "Conflicting state" })
) {}

export class Gone extends Schema.TaggedError<Gone>()(
  "Gone",
  { detail: Schema.String },
  HttpApiSchema.annotations({ status: 410, description: "What was asked for is no longer kept (an event id older than the update log's retention)" })
) {}

export class Unprocessable extends Schema.TaggedError<Unprocessable>()(
  "Unprocessable",
  { detail: Schema.String },
  HttpApiSchema.annotations({ status: 422, description: "No fields provided" })
) {}

export class RateLimited extends Schema.TaggedError<RateLimited>()(
  "RateLimited",
  { detail: Schema.String, retryAfter: Schema.Number },
  HttpApiSchema.annotations({
    status: 429,
    description: "Telegram rate limit, or a cap of this server (concurrent event streams, pending QR logins): see the Retry-After header"
  })
) {}

export class BadGateway extends Schema.TaggedError<BadGateway>()(
  "BadGateway",
  { detail: Schema.String },
  HttpApiSchema.annotations({ status: 502, description: "Telegram could not be reached" })
) {}

export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()(
  "ServiceUnavailable",
  { detail: Schema.String },
  HttpApiSchema.annotations({ status: 503, description: "Telegram credentials are not configured" })
) {}

const ERRORS = { BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Gone, Unprocessable, RateLimited, BadGateway, ServiceUnavailable }

/** Each error's status, read from its own annotation above (one declaration per status). */
export const statusOf = Object.fromEntries(
  Object.entries(ERRORS).map(([tag, error]) => [tag, HttpApiSchema.getStatusError(error)])
) as { readonly [K in keyof typeof ERRORS]: number }

export type ApiError =
  | BadRequest
  | Unauthorized
  | Forbidden
  | NotFound
  | Conflict
  | Gone
  | Unprocessable
  | RateLimited
  | BadGateway
  | ServiceUnavailable

export const isApiError = (u: unknown): u is ApiError =>
  typeof u === "object" && u !== null && "_tag" in u && (u as { _tag: string })._tag in statusOf && "detail" in u

export const rateLimited = (seconds: number) => new RateLimited({ detail: rateLimitDetail(seconds), retryAfter: seconds })

