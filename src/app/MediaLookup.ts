/**
 * A downloaded media file of the session's own account, by the `media_uuid`
 * a history message carried: found through the account's media index (no
 * dialog cache opened), checked on disk, with its stored MIME type and
 * original name, and its bytes to read whole or by byte range. A uuid
 * skipped by the settings, not fetched yet, failed, or lost from disk says
 * which, so the caller can tell the user what to do.
 */
import { Data, Effect, Option, type Stream } from "effect"
import type { SessionName } from "../domain/SessionName.js"
import { type ByteRange, MediaFiles, type MediaFileError, type MediaFileRef } from "../ports/MediaFiles.js"
import { MediaIndex, type MediaIndexError } from "../ports/MediaIndex.js"
import { TelegramGateway, type TelegramError } from "../ports/TelegramGateway.js"
import type { DialogId, MessageId } from "../domain/Ids.js"

/** The account was never shown this uuid (or it belongs to another account). */
export class MediaNotFound extends Data.TaggedError("MediaNotFound")<{ readonly uuid: string }> {
  override get message() {
    return `no media file with id '${this.uuid}' for this account`
  }
}

/** The account knows the uuid, but its file is not there to read. */
export class MediaNotDownloaded extends Data.TaggedError("MediaNotDownloaded")<{
  readonly uuid: string
  /**
   * `skipped`: the settings excluded it (allow it, then sync the history with
   * repair_media on); `pending`: not fetched yet; `failed`: the download
   * failed (the next history sync retries); `missing`: it was downloaded but
   * the file is gone from disk (the next history sync fetches it again).
   */
  readonly status: "skipped" | "pending" | "failed" | "missing"
  /** Why it was skipped or failed, as recorded. */
  readonly reason: string | null
  /** Where the file should be (only for `missing`). */
  readonly path: string | null
}> {
  override get message() {
    const why = this.reason === null ? "" : ` (${this.reason})`
    return `media ${this.uuid} is not available: ${this.status}${why}`
  }
}

export interface MediaFileInfo {
  readonly uuid: string
  readonly dialogId: DialogId
  readonly messageId: MessageId
  /** Absolute path, for callers that read the data directory directly. */
  readonly path: string
  readonly size: number
  readonly mimeType: string | null
  /** The document's own name; null for photos. */
  readonly originalFileName: string | null
  /** The file's name in the media directory (`{uuid}{ext}`), a fallback download name. */
  readonly storedName: string
  /** The bytes, whole or one inclusive range already checked against `size`. */
  readonly read: (range?: ByteRange) => Stream.Stream<Uint8Array, MediaFileError>
}

export type MediaLookupError = MediaNotFound | MediaNotDownloaded | TelegramError | MediaIndexError | MediaFileError

const makeMediaLookup = Effect.gen(function*() {
  const gateway = yield* TelegramGateway
  const index = yield* MediaIndex
  const files = yield* MediaFiles

  const find = Effect.fn("MediaLookup.find")(function*(session: SessionName, uuid: string) {
    // The index is per account, so another account's uuid is simply unknown here.
    const account = yield* gateway.account(session)
    const found = yield* index.get(account.userId, uuid)
    if (Option.isNone(found)) return yield* new MediaNotFound({ uuid })
    const entry = found.value
    if (entry.status !== "downloaded" || entry.storedName === null) {
      return yield* new MediaNotDownloaded({
        uuid,
        status: entry.status === "downloaded" ? "missing" : entry.status,
        reason: entry.reason,
        path: null
      })
    }
    const ref: MediaFileRef = { accountId: account.userId, dialogId: entry.dialogId, name: entry.storedName }
    const path = files.absolutePath(ref)
    const size = yield* files.size(ref)
    if (Option.isNone(size)) return yield* new MediaNotDownloaded({ uuid, status: "missing", reason: null, path })
    const info: MediaFileInfo = {
      uuid,
      dialogId: entry.dialogId,
      messageId: entry.messageId,
      path,
      size: size.value,
      mimeType: entry.mimeType,
      originalFileName: entry.originalFileName,
      storedName: entry.storedName,
      read: (range) => files.read(ref, range)
    }
    return info
  })

  // A span of its own (Effect's tracer: a no-op unless the program installs one).
  return { find } as const
})

/** Media files of cached messages: metadata and bytes. */
export class MediaLookup extends Effect.Service<MediaLookup>()("app/MediaLookup", { effect: makeMediaLookup }) {}

/** The use case's layer (the name earlier releases exported). */
export const MediaLookupLive = MediaLookup.Default
