/**
 * A media file's bytes from Telegram, in order: upload.getFile in parts of
 * DOWNLOAD_CHUNK, PARTS_IN_FLIGHT at a time, following FILE_MIGRATE to the
 * file's DC and asking a part again once after Telegram's -503 Timeout.
 */
import { Api, errors, type TelegramClient } from "telegram"
import bigInt from "big-integer"
import { Effect, type Scope, Stream } from "effect"
import type { SessionName } from "../../domain/SessionName.js"
import { type TelegramError, TelegramUnavailable } from "../../ports/TelegramGateway.js"
import { retryFloodWaits, retryFloodWaitsStream } from "./FloodRetry.js"
import { decodeLocator, inputLocation } from "./MediaLocator.js"
import { isServerTimeoutError } from "./TelegramErrors.js"

/** Bytes asked for in one upload.getFile: GramJS's largest (Telegram allows up to 1 MiB, a divisor of it). */
const DOWNLOAD_CHUNK = 512 * 1024
/** upload.getFile requests of one download in flight at once, fetched in order. */
const PARTS_IN_FLIGHT = 3

export interface DownloadDeps {
  /** The session's connected client (held for the scope). */
  readonly connectionOf: (session: SessionName) => Effect.Effect<{ readonly client: TelegramClient }, TelegramError, Scope.Scope>
  /** A Telegram call with the gateway's error mapping and timeout. */
  readonly call: <A>(session: SessionName, method: string, run: () => Promise<A>) => Effect.Effect<A, TelegramError>
  /** Rate limits up to this many seconds are waited out. */
  readonly threshold: number
  /** Sends a part's request with `send`, within the session's takeout (Takeout.ts) when one for files is active. */
  readonly file?: (session: SessionName, request: Api.upload.GetFile, send: (request: Api.AnyRequest) => Promise<unknown>) => Promise<Api.upload.TypeFile>
}

export const downloadFile = (
  session: SessionName,
  locatorText: string,
  deps: DownloadDeps
): Stream.Stream<Uint8Array, TelegramError> => {
  const { call, connectionOf, threshold } = deps
  const send = deps.file ?? ((_session, request, invoke) => invoke(request) as Promise<Api.upload.TypeFile>)
  return Stream.suspend(() => {
    // A rate limit on a part is waited out like any call's (see below); a download started again (a rate
    // limit anywhere else) resumes at the bytes already received (whole parts, so a valid offset), never
    // sending any byte twice.
    let received = 0
    return Stream.unwrapScoped(
      Effect.gen(function*() {
        const locator = yield* Effect.try({
          try: () => decodeLocator(locatorText),
          catch: (cause) => new TelegramUnavailable({ reason: "invalid media locator", cause })
        })
        const connection = yield* connectionOf(session)
        const location = inputLocation(locator)
        // Where the file lives; FILE_MIGRATE_n moves it (for this download's later parts too).
        let dcId = locator.dcId
        const part = async (offset: number): Promise<Buffer> => {
          for (let attempt = 0;; attempt++) {
            try {
              const sender = await connection.client.getSender(dcId)
              const result = await send(
                session,
                new Api.upload.GetFile({ location, offset: bigInt(offset), limit: DOWNLOAD_CHUNK }),
                (request) => connection.client.invokeWithSender(request, sender)
              )
              if (result.className !== "upload.File") throw new Error("CDN redirects are not supported")
              return result.bytes
            } catch (error) {
              if (attempt > 0) throw error
              if (error instanceof errors.FileMigrateError) dcId = error.newDc
              else if (isServerTimeoutError(error)) await new Promise((r) => setTimeout(r, 1000))
              else throw error
            }
          }
        }
        // As many parts as the size announces (as GramJS counts them); a short part is the file's end.
        const parts = Math.ceil(locator.size / DOWNLOAD_CHUNK)
        const first = Math.floor(received / DOWNLOAD_CHUNK)
        return (first < parts ? Stream.range(first, parts - 1) : Stream.empty).pipe(
          // Parts in flight together: Telegram (and our decryption) works on the next while one arrives. A
          // part that meets a rate limit waits it out and is asked again by itself; the others go on.
          Stream.mapEffect(
            (i) => retryFloodWaits(threshold)(call(session, "upload.GetFile", () => part(i * DOWNLOAD_CHUNK))),
            { concurrency: PARTS_IN_FLIGHT }
          ),
          Stream.takeUntil((bytes) => bytes.byteLength < DOWNLOAD_CHUNK),
          Stream.filter((bytes) => bytes.byteLength > 0),
          Stream.map((bytes) => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
          Stream.tap((chunk) => Effect.sync(() => (received += chunk.byteLength)))
        )
      })
    ).pipe(retryFloodWaitsStream(threshold))
  })
}
