/**
 * Where the server holding a data directory listens: `{data_dir}/.tgsc.server.json`
 * (mode 0600, like everything there), written once the server listens and
 * removed when it stops, while it holds the directory's lock. A program that
 * finds the lock taken reads it to talk to that server instead (tgsc-mcp
 * relays its requests there). The lock, not this file, says whether a
 * server runs: a file left by a server that was killed names a dead process
 * and is replaced by the next one.
 */
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import { Effect, Option, type Scope } from "effect"
import { writeFileAtomic } from "./AtomicFile.js"

export const SERVER_FILE = ".tgsc.server.json"

export interface ServerAddress {
  /** `http://host:port` the server can be reached at from this machine. */
  readonly url: string
  readonly pid: number
  /** Whether its routes need `Authorization: Bearer <TGSC_API_TOKEN>`. */
  readonly tokenRequired: boolean
}

const fileOf = (dataDir: string) => nodePath.join(dataDir, SERVER_FILE)

/** Records the address for the scope's lifetime (removed when it closes). */
export const recordServerAddress = (dataDir: string, address: ServerAddress): Effect.Effect<void, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() =>
      writeFileAtomic(
        fileOf(dataDir),
        JSON.stringify({ url: address.url, pid: address.pid, token_required: address.tokenRequired }) + "\n"
      )
    ).pipe(Effect.catchAllDefect((defect) => Effect.logWarning(`could not record the server's address in ${SERVER_FILE}`, defect))),
    () => removeServerAddress(dataDir)
  )

/** Removes the file (none left by a server that died is read as current once the lock is free). */
export const removeServerAddress = (dataDir: string): Effect.Effect<void> =>
  Effect.promise(() => fs.rm(fileOf(dataDir), { force: true })).pipe(Effect.catchAllDefect(() => Effect.void))

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** The recorded address, when there is one and its process is alive. */
export const readServerAddress = (dataDir: string): Effect.Effect<Option.Option<ServerAddress>> =>
  Effect.promise(() => fs.readFile(fileOf(dataDir), "utf8").then((text) => text, () => null)).pipe(
    Effect.map((text) => {
      if (text === null) return Option.none()
      try {
        const json = JSON.parse(text) as { url?: unknown; pid?: unknown; token_required?: unknown }
        if (typeof json.url !== "string" || typeof json.pid !== "number" || !isAlive(json.pid)) return Option.none()
        return Option.some({ url: json.url, pid: json.pid, tokenRequired: json.token_required === true })
      } catch {
        return Option.none()
      }
    })
  )
