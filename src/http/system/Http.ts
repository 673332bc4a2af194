import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { TgscApi } from "../Api.js"
import { VERSION } from "../../app/Version.js"

export const SystemHandlersLive = HttpApiBuilder.group(TgscApi, "system", (handlers) =>
  handlers
    .handle("health", () => Effect.succeed({ status: "healthy" as const }))
    .handle("info", () =>
      Effect.succeed({ name: "tgsc", version: VERSION, docs: "/docs", openapi: "/openapi.json" })
    )
)
