import { Effect, Either } from "effect"
import { AppConfig } from "../config/AppConfig.js"
import { ServiceUnavailable } from "./ApiErrors.js"

/** The Telegram credentials, or a 503 naming the missing environment variable. */
export const requireTelegram = Effect.flatMap(AppConfig, (config) =>
  Either.match(config.telegram, {
    onLeft: (detail) => Effect.fail(new ServiceUnavailable({ detail })),
    onRight: Effect.succeed
  }))
