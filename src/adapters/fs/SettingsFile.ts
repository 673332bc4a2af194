/**
 * SettingsStore kept in {data_dir}/settings.yaml. Loaded once at start
 * (created with defaults when absent, optionally seeded from a user file);
 * an invalid file stops start-up with its path and field instead of being
 * silently overwritten.
 */
import * as fs from "node:fs/promises"
import { Data, Effect, Either, Layer, Ref } from "effect"
import YAML from "yaml"
import { applyPatch, decodeSettingsDocument, defaultSettings, type Settings } from "../../domain/Settings.js"
import { SettingsPersistFailed, SettingsStore } from "../../ports/SettingsStore.js"
import { writeFileAtomic } from "./AtomicFile.js"
import { PRIVATE_FILE_MODE } from "./PrivateFiles.js"

export class SettingsFileInvalid extends Data.TaggedError("SettingsFileInvalid")<{
  readonly path: string
  readonly problem: string
}> {
  override get message() {
    return `Invalid settings file ${this.path}: ${this.problem}`
  }
}

const HEADER = "# tgsc runtime settings. Edited by PATCH /api/v3/settings; hand edits are read at start-up.\n"

export const renderSettings = (settings: Settings): string => HEADER + YAML.stringify(settings)

const readSettingsFile = (path: string) =>
  Effect.tryPromise({
    try: () => fs.readFile(path, "utf8"),
    catch: (cause) => new SettingsFileInvalid({ path, problem: `cannot read it (${String(cause)})` })
  }).pipe(
    Effect.flatMap((text) =>
      Effect.try({
        try: () => YAML.parse(text) as unknown,
        catch: (cause) =>
          new SettingsFileInvalid({ path, problem: `not valid YAML (${cause instanceof Error ? cause.message : String(cause)})` })
      })
    ),
    Effect.flatMap((doc) =>
      Either.match(decodeSettingsDocument(doc), {
        onLeft: (problem) => Effect.fail(new SettingsFileInvalid({ path, problem })),
        onRight: Effect.succeed
      })
    )
  )

const fileExists = (path: string) =>
  Effect.promise(() =>
    fs.access(path).then(
      () => true,
      () => false
    )
  )

const persist = (path: string, settings: Settings) =>
  Effect.tryPromise({
    try: () => writeFileAtomic(path, renderSettings(settings), { mode: PRIVATE_FILE_MODE }),
    catch: (cause) => new SettingsPersistFailed({ path, cause })
  })

export interface SettingsFileOptions {
  readonly path: string
  /** A user-supplied file copied over `path` at start (`--settings`). */
  readonly seedFrom?: string | undefined
}

export const SettingsFileLive = (options: SettingsFileOptions) =>
  Layer.effect(
    SettingsStore,
    Effect.gen(function*() {
      const { path } = options
      let initial: Settings
      if (options.seedFrom !== undefined) {
        initial = yield* readSettingsFile(options.seedFrom)
        yield* persist(path, initial)
      } else if (yield* fileExists(path)) {
        initial = yield* readSettingsFile(path)
      } else {
        initial = defaultSettings
        yield* persist(path, initial)
      }
      const current = yield* Ref.make(initial)
      const writes = yield* Effect.makeSemaphore(1)
      return SettingsStore.of({
        get: Ref.get(current),
        update: (patch) =>
          writes.withPermits(1)(
            Effect.gen(function*() {
              const next = applyPatch(yield* Ref.get(current), patch)
              yield* persist(path, next)
              yield* Ref.set(current, next)
              return next
            })
          )
      })
    })
  )
