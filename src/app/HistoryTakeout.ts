/**
 * Setting `use_takeout`: a history request that has to fetch from Telegram
 * does so within a takeout (data export) session, under the higher limits
 * Telegram gives exports. Held from the request's first Telegram page to
 * its end (the request's scope, so also on failure or interruption); the
 * gateway shares one takeout among all the account's requests that hold
 * it meanwhile, and finishes it when the last one ends. A request served
 * from the cache alone never starts one.
 */
import { Effect } from "effect"
import { mediaSizeLimitBytes } from "../domain/Settings.js"
import { SettingsStore } from "../ports/SettingsStore.js"
import { TelegramGateway } from "../ports/TelegramGateway.js"
import type { HistoryRun } from "./HistoryRun.js"

export const makeHistoryTakeout = Effect.gen(function*() {
  const gateway = yield* TelegramGateway
  const settingsStore = yield* SettingsStore
  const holding = new WeakSet<HistoryRun>()

  /** Before one of the run's Telegram pages: with use_takeout on, the session's takeout, held for the rest of the run. */
  return (run: HistoryRun) =>
    Effect.gen(function*() {
      if (holding.has(run) || gateway.takeout === undefined) return
      const settings = yield* settingsStore.get
      if (!settings.use_takeout) return
      yield* gateway.takeout(run.request.session, {
        files: settings.download_media,
        fileMaxSize: settings.download_media ? mediaSizeLimitBytes(settings) : null
      })
      holding.add(run)
    })
})
