/**
 * SessionStore as one file per session name in {data_dir}/sessions/, mode
 * 0600, written atomically. Names are validated before they reach here, so a
 * name is always a plain file name.
 */
import * as nodeFs from "node:fs"
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import { Effect, Layer, Option } from "effect"
import { SESSION_NAME_PATTERN, type SessionName } from "../../domain/SessionName.js"
import { SessionStore, SessionStoreFailed } from "../../ports/SessionStore.js"
import { writeFileAtomic } from "./AtomicFile.js"
import { makePrivateDir, PRIVATE_FILE_MODE } from "./PrivateFiles.js"

const SUFFIX = ".session"

export const sessionFilePath = (dir: string, name: SessionName): string => nodePath.join(dir, name + SUFFIX)

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT"

export const SessionFilesLive = (dir: string) =>
  Layer.effect(
    SessionStore,
    Effect.gen(function*() {
      yield* Effect.tryPromise({
        try: () => makePrivateDir(dir),
        catch: (cause) => new SessionStoreFailed({ operation: `create ${dir}`, cause })
      })
      /**
       * What each file held when last read, by the file's identity: the
       * Telegram adapter checks the session before every call (a login saved
       * anew replaces its client), and one stat is far cheaper than reading
       * the file each time. A save renames a new file into place (another
       * inode), so a changed session is never mistaken for the cached one,
       * whichever process wrote it.
       */
      const lastRead = new Map<SessionName, { readonly stamp: string; readonly value: Option.Option<string> }>()
      const stampOf = (stats: nodeFs.Stats) => `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`
      const failed = (name: SessionName) => (cause: unknown) => new SessionStoreFailed({ operation: `read session ${name}`, cause })
      /** Reads the file (its content is new, or not known yet). */
      const read = (name: SessionName, file: string) =>
        Effect.tryPromise({
          try: async () => {
            try {
              const handle = await fs.open(file, "r")
              try {
                const opened = await handle.stat()
                const text = (await handle.readFile("utf8")).trim()
                const value = text.length > 0 ? Option.some(text) : Option.none<string>()
                lastRead.set(name, { stamp: stampOf(opened), value })
                return value
              } finally {
                await handle.close()
              }
            } catch (error) {
              if (isMissing(error)) return Option.none<string>()
              throw error
            }
          },
          catch: failed(name)
        })
      /** The stat, and the answer when the file is the one last read, without leaving the calling fiber's turn. */
      const load = (name: SessionName): Effect.Effect<Option.Option<string>, SessionStoreFailed> =>
        Effect.suspend(() => {
          const file = sessionFilePath(dir, name)
          let stats: nodeFs.Stats | undefined
          try {
            stats = nodeFs.statSync(file, { throwIfNoEntry: false })
          } catch (error) {
            return isMissing(error) ? Effect.succeed(Option.none<string>()) : Effect.fail(failed(name)(error))
          }
          if (stats === undefined) {
            lastRead.delete(name)
            return Effect.succeed(Option.none<string>())
          }
          const cached = lastRead.get(name)
          if (cached !== undefined && cached.stamp === stampOf(stats)) return Effect.succeed(cached.value)
          return read(name, file)
        })
      return SessionStore.of({
        load,
        exists: (name) => Effect.map(load(name), Option.isSome),
        save: (name, session) =>
          Effect.tryPromise({
            try: () => writeFileAtomic(sessionFilePath(dir, name), session, { mode: PRIVATE_FILE_MODE }),
            catch: (cause) => new SessionStoreFailed({ operation: `write session ${name}`, cause })
          }),
        remove: (name) =>
          Effect.tryPromise({
            try: () => fs.rm(sessionFilePath(dir, name), { force: true }),
            catch: (cause) => new SessionStoreFailed({ operation: `remove session ${name}`, cause })
          }),
        list: Effect.tryPromise({
          try: async () =>
            (await fs.readdir(dir))
              .filter((f) => f.endsWith(SUFFIX))
              .map((f) => f.slice(0, -SUFFIX.length))
              .filter((n) => SESSION_NAME_PATTERN.test(n))
              .sort() as Array<SessionName>,
          catch: (cause) => new SessionStoreFailed({ operation: "list sessions", cause })
        })
      })
    })
  )
