/**
 * How Telegram-side failures reach an HTTP client: rate limits as 429 with
 * Retry-After, a revoked login as 401 telling to log in again, an unknown
 * dialog as 404, Telegram unreachable as 502.
 */
import { Effect } from "effect"
import type { PeerNotFound, SessionRevoked, TelegramError, UserNotFound } from "../ports/TelegramGateway.js"
import { BadGateway, BadRequest, NotFound, rateLimited, Unauthorized } from "./ApiErrors.js"

/** A login Telegram no longer accepts: what happened and how to log in again. */
export const revokedDetail = (error: SessionRevoked) =>
  `Session '${error.session}' is no longer authorised by Telegram (${error.reason}): log in again with ` +
  `POST /api/v3/auth/qr {"username": "${error.session}", "force": true}`

export const telegramErrorToHttp = (error: TelegramError | PeerNotFound | UserNotFound) => {
  switch (error._tag) {
    case "FloodWait":
      return rateLimited(error.seconds)
    case "SessionRevoked":
      return new Unauthorized({ detail: revokedDetail(error) })
    case "PeerNotFound":
      return new NotFound({
        detail: `Dialog ${error.dialogId} not found: this account cannot see it` + (error.reason === "CHANNEL_PRIVATE"
          ? " (Telegram answered CHANNEL_PRIVATE: the account was removed from this channel, or it became private; " +
            "what was fetched before stays cached, and a request after re-joining resumes from it)"
          : "")
      })
    case "UserNotFound":
      return new BadRequest({
        detail: `Invalid parameter 'from_user': user ${error.userId} is not known to this account ` +
          "(not in its dialogs, nor among this chat's members or recent senders)"
      })
    case "TelegramUnavailable":
      return new BadGateway({ detail: `Telegram could not be reached: ${error.reason}` })
    case "TelegramRpcError":
      return error.code === 400
        ? new BadRequest({ detail: `Telegram rejected the request: ${error.message}` })
        : new BadGateway({ detail: `Telegram answered ${error.code} ${error.message} to ${error.method}` })
  }
}

export const mapTelegramErrors = <A, R>(effect: Effect.Effect<A, TelegramError | PeerNotFound | UserNotFound, R>) =>
  Effect.mapError(effect, telegramErrorToHttp)
