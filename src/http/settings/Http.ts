import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { isEmptyPatch } from "../../domain/Settings.js"
import { SettingsStore } from "../../ports/SettingsStore.js"
import { TgscApi } from "../Api.js"
import { Unprocessable } from "../ApiErrors.js"

export const SettingsHandlersLive = HttpApiBuilder.group(TgscApi, "settings", (handlers) =>
  Effect.gen(function*() {
    const store = yield* SettingsStore
    return handlers
      .handle("getSettings", () => store.get)
      .handle("updateSettings", ({ payload }) =>
        isEmptyPatch(payload)
          ? Effect.fail(new Unprocessable({ detail: "No fields provided for settings update" }))
          : store.update(payload).pipe(Effect.orDie)
      )
  })
)
