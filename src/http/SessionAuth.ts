/**
 * X-Telegram-Username: every /api/v3 endpoint but the login ones acts for a
 * saved session. 400 for a malformed name, 401 when missing or unknown, and
 * 401 without asking Telegram when Telegram has refused the session's login
 * (SessionRevocations) until it logs in again. A named API token acts only
 * for its own sessions (403 for another, before anything says whether that
 * one exists) and sees only its scope.
 */
import { HttpServerRequest } from "@effect/platform"
import { Effect, Either, Layer, Option } from "effect"
import { validateSessionName } from "../domain/SessionName.js"
import { SessionStore } from "../ports/SessionStore.js"
import { SessionRevocations } from "../app/SessionRevocations.js"
import { SessionAuth } from "./CurrentSession.js"
import { everything } from "../domain/AccessScope.js"
import { type NamedToken, tokenScope } from "../domain/NamedToken.js"
import { BadRequest, Forbidden, Unauthorized } from "./ApiErrors.js"
import { currentAccess } from "./RequestAccess.js"
import { headerText } from "./HeaderText.js"
import { revokedDetail } from "./TelegramHttpErrors.js"

export const sessionNotAllowedDetail = (token: NamedToken, session: string) =>
  `The API token '${token.name}' may not act for session '${session}': it may for ${token.sessions.map((s) => `'${s}'`).join(", ")}`

export const SessionAuthLive = Layer.effect(
  SessionAuth,
  Effect.gen(function*() {
    const sessions = yield* SessionStore
    // The server's (TgscLive provides it); route tests without Telegram may leave it out.
    const revocations = yield* Effect.serviceOption(SessionRevocations)
    return Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const header = request.headers["x-telegram-username"]?.trim()
      if (header === undefined || header === "") {
        return yield* new Unauthorized({
          detail: "Missing X-Telegram-Username header: name the session you logged in with (POST /api/v3/auth/qr)"
        })
      }
      // A valid name is ASCII, the same either way; an invalid one is quoted as the client wrote it.
      const name = validateSessionName(headerText(header))
      if (Either.isLeft(name)) return yield* new BadRequest({ detail: name.left })
      const access = yield* currentAccess
      if (access._tag === "Token" && !access.token.sessions.includes(name.right)) {
        return yield* new Forbidden({ detail: sessionNotAllowedDetail(access.token, name.right) })
      }
      const known = yield* sessions.exists(name.right).pipe(Effect.orDie)
      if (!known) {
        return yield* new Unauthorized({
          detail: `Session '${name.right}' is not logged in: start a login with POST /api/v3/auth/qr`
        })
      }
      if (Option.isSome(revocations)) {
        yield* revocations.value.check(name.right).pipe(Effect.mapError((e) => new Unauthorized({ detail: revokedDetail(e) })))
      }
      return { name: name.right, scope: access._tag === "Token" ? tokenScope(access.token) : everything }
    })
  })
)
