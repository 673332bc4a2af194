/**
 * How Telegram-side failures reach an HTTP client: rate limits as 429 with
 * Retry-After, a revoked login as 401 telling to log in again, an unknown
 * dialog as 404, Telegram unreachable as 502.
 */
import { Effect } from "effect"
import { type FailureDetail, HTTP_WAY_IN, revokedDetail as revokedDetailOf, telegramFailure } from "../contract/FailureDetails.js"
import type { SessionRevoked } from "../ports/TelegramGateway.js"
import { BadGateway, BadRequest, NotFound, RateLimited, Unauthorized } from "./ApiErrors.js"

/** A revoked login's detail, telling the route that logs in again. */
export const revokedDetail = (error: SessionRevoked) => revokedDetailOf(error, HTTP_WAY_IN)

/** The contract's wording (src/contract/FailureDetails.ts) as the API error of its kind. */
export const failureToHttp = (failure: FailureDetail) => {
  switch (failure.kind) {
    case "RateLimited":
      return new RateLimited({ detail: failure.detail, retryAfter: failure.retryAfter ?? 1 })
    case "Unauthorized":
      return new Unauthorized({ detail: failure.detail })
    case "NotFound":
      return new NotFound({ detail: failure.detail })
    case "BadRequest":
      return new BadRequest({ detail: failure.detail })
    case "BadGateway":
      return new BadGateway({ detail: failure.detail })
  }
}

export const telegramErrorToHttp = (error: Parameters<typeof telegramFailure>[0]) => failureToHttp(telegramFailure(error, HTTP_WAY_IN))

export const mapTelegramErrors = <A, R>(effect: Effect.Effect<A, Parameters<typeof telegramFailure>[0], R>) =>
  Effect.mapError(effect, telegramErrorToHttp)
