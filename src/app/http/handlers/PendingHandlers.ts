/**
 * Endpoints whose feature has not landed yet answer 501 (never fake data).
 * Those that will need Telegram first say so when credentials are missing.
 */
import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { TgscApi } from "../Api.js"
import { notImplemented } from "../ApiErrors.js"
import { requireTelegram } from "../RequireTelegram.js"

const pendingTelegram = () => Effect.zipRight(requireTelegram, Effect.fail(notImplemented))
const pending = () => Effect.fail(notImplemented)

export const AuthPendingLive = HttpApiBuilder.group(TgscApi, "auth", (handlers) =>
  handlers
    .handle("startQrLogin", pendingTelegram)
    .handle("qrLoginStatus", pending)
    .handle("submitQrPassword", pending)
    .handle("cancelQrLogin", pending)
    .handle("qrSvg", pending)
    .handle("qrPng", pending)
)

export const HistoryPendingLive = HttpApiBuilder.group(TgscApi, "history", (handlers) =>
  handlers.handle("streamHistory", pendingTelegram)
)

export const FilesPendingLive = HttpApiBuilder.group(TgscApi, "files", (handlers) => handlers.handle("getFile", pending))
