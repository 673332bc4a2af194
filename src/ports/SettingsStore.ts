/**
 * Where runtime settings live. Reads are cheap (kept in memory); an update is
 * persisted before it takes effect, so a crash never loses an acknowledged change.
 */
import { Context, Data, type Effect } from "effect"
import type { Settings, SettingsPatch } from "../domain/Settings.js"

export class SettingsPersistFailed extends Data.TaggedError("SettingsPersistFailed")<{
  readonly path: string
  readonly cause: unknown
}> {
  override get message() {
    return `Could not save the settings to ${this.path}: ${String(this.cause)}`
  }
}

export interface SettingsStoreService {
  readonly get: Effect.Effect<Settings>
  readonly update: (patch: SettingsPatch) => Effect.Effect<Settings, SettingsPersistFailed>
}

export class SettingsStore extends Context.Tag("ports/SettingsStore")<SettingsStore, SettingsStoreService>() {}
