/**
 * Optional bearer token (TGSC_API_TOKEN): when set, every /api request must
 * carry `Authorization: Bearer <token>`. Compared in constant time.
 */
import { timingSafeEqual } from "node:crypto"
import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { Effect, Option } from "effect"
import { detailResponse } from "./DetailErrors.js"

const sameSecret = (given: string, expected: string) => {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

export const ApiTokenLive = (token: Option.Option<string>) =>
  HttpApiBuilder.middleware((app) =>
    Option.match(token, {
      onNone: () => app,
      onSome: (expected) =>
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          if (!request.url.startsWith("/api")) return yield* app
          const header = request.headers["authorization"] ?? ""
          const match = /^Bearer\s+(.+)$/i.exec(header.trim())
          if (match === null || !sameSecret(match[1]!, expected)) {
            return detailResponse(401, "Missing or wrong API token: send 'Authorization: Bearer <TGSC_API_TOKEN>'", {
              "www-authenticate": "Bearer"
            })
          }
          return yield* app
        })
    })
  )
