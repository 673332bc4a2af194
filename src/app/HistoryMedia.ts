/**
 * Media of the messages history sync is about to emit, resolved against the
 * settings in force (the rules: domain/MediaDecision.ts): downloaded
 * (temporary file, then renamed), skipped with the setting that excluded it
 * (no file, and no request to Telegram), or failed with Telegram's answer.
 * Pending and failed downloads are retried each time their messages are
 * served; skipped ones only with `repair_media` once the settings allow
 * them. Every resolution reaches the media index before the uuid reaches a
 * client.
 */
import { Deferred, Effect, Exit, FiberId, Option } from "effect"
import { mediaAction } from "../domain/MediaDecision.js"
import type { Settings } from "../domain/Settings.js"
import type { SessionName } from "../domain/SessionName.js"
import { MediaFiles, type MediaFileError, type MediaFileRef } from "../ports/MediaFiles.js"
import { MediaIndex, type MediaIndexError } from "../ports/MediaIndex.js"
import {
  type DialogKey,
  type MediaUpdate,
  MessageStore,
  type MessageStoreError,
  type StoredMedia,
  type StoredMessage
} from "../ports/MessageStore.js"
import { SettingsStore } from "../ports/SettingsStore.js"
import { describeTelegramError, type SessionRevoked, TelegramGateway, type TelegramError } from "../ports/TelegramGateway.js"

export type HistoryMediaError = SessionRevoked | MessageStoreError | MediaIndexError

/** Media files are fetched a few at a time: enough to overlap round trips, few enough not to provoke rate limits. */
const DOWNLOAD_CONCURRENCY = 3

const describeFailure = (error: TelegramError | MediaFileError): string =>
  error._tag === "MediaFileError" ? error.message : describeTelegramError(error)

const isFileReferenceExpired = (error: TelegramError | MediaFileError) =>
  error._tag === "TelegramRpcError" && /FILE_REFERENCE/.test(error.message)

export const makeHistoryMedia = Effect.gen(function*() {
  const gateway = yield* TelegramGateway
  const store = yield* MessageStore
  const files = yield* MediaFiles
  const index = yield* MediaIndex
  const settingsStore = yield* SettingsStore

  /** Downloads in progress, so two requests serving the same message fetch its file once. */
  const inflight = new Map<string, Deferred.Deferred<StoredMedia, HistoryMediaError>>()

  const record = (key: DialogKey, media: StoredMedia, update: MediaUpdate) =>
    Effect.gen(function*() {
      // Index first: if we stop in between, the dialog cache still says "to do" and the next sync redoes it.
      yield* index.put(key.accountId, {
        uuid: media.uuid,
        dialogId: key.dialogId,
        messageId: media.messageId,
        storedName: update.storedName,
        mimeType: media.mimeType,
        originalFileName: media.fileName,
        size: media.size,
        status: update.status,
        reason: update.reason
      })
      yield* store.updateMedia(key, media.messageId, update)
      return { ...media, ...update } satisfies StoredMedia
    })

  /** Telegram's file references expire: ask for the message again to get a fresh one for the same file. */
  const freshLocator = (session: SessionName, key: DialogKey, media: StoredMedia) =>
    gateway.history(session, key.dialogId, {
      offsetId: media.messageId + 1,
      offsetDate: 0,
      addOffset: 0,
      limit: 1,
      minId: 0,
      maxId: 0
    }).pipe(
      Effect.map((page) => {
        const file = page.messages.find((m) => m.id === media.messageId)?.media?.file
        return file !== undefined && file !== null && file.fileId === media.fileId
          ? Option.some(file.locator)
          : Option.none<string>()
      }),
      Effect.catchAll(() => Effect.succeed(Option.none<string>()))
    )

  const fetchFile = (session: SessionName, key: DialogKey, media: StoredMedia, locator: string) =>
    files.write(
      {
        accountId: key.accountId,
        dialogId: key.dialogId,
        uuid: media.uuid,
        mimeType: media.mimeType,
        fileName: media.fileName,
        expectedSize: media.size
      },
      gateway.download(session, locator)
    )

  const download = (session: SessionName, key: DialogKey, media: StoredMedia) =>
    fetchFile(session, key, media, media.locator).pipe(
      Effect.catchIf(isFileReferenceExpired, (error) =>
        Effect.flatMap(freshLocator(session, key, media), (fresh) =>
          Option.match(fresh, {
            onNone: () => Effect.fail(error),
            onSome: (locator) =>
              Effect.zipRight(store.updateMediaLocator(key, media.messageId, locator), fetchFile(session, key, media, locator))
          }))),
      Effect.matchEffect({
        onSuccess: ({ ref }) => record(key, media, { status: "downloaded", reason: null, storedName: ref.name }),
        onFailure: (error): Effect.Effect<StoredMedia, HistoryMediaError> =>
          error._tag === "SessionRevoked" || error._tag === "MessageStoreError"
            ? Effect.fail(error)
            : Effect.zipRight(
              Effect.logWarning(`media ${media.uuid} of message ${media.messageId} not downloaded: ${describeFailure(error)}`),
              record(key, media, { status: "failed", reason: describeFailure(error), storedName: null })
            )
      })
    )

  /**
   * The media as downloaded by another request since `media` was read (the
   * chunk's copy still says "to do"): its download finished before this
   * one was claimed, so the index says so. The dialog cache is brought in
   * line too, in case a stop came between the two writes of `record`.
   */
  const downloadedSince = (key: DialogKey, media: StoredMedia) =>
    Effect.gen(function*() {
      const entry = yield* index.get(key.accountId, media.uuid).pipe(Effect.orElseSucceed(() => Option.none()))
      if (Option.isNone(entry) || entry.value.status !== "downloaded" || entry.value.storedName === null) return Option.none()
      const done: StoredMedia = { ...media, status: "downloaded", reason: null, storedName: entry.value.storedName }
      if (!(yield* isOnDisk(key, done))) return Option.none()
      yield* store.updateMedia(key, media.messageId, { status: "downloaded", reason: null, storedName: done.storedName })
      return Option.some(done)
    })

  const downloadOnce = (
    session: SessionName,
    key: DialogKey,
    media: StoredMedia
  ): Effect.Effect<StoredMedia, HistoryMediaError> =>
    Effect.suspend(() => {
      const id = `${key.accountId}:${media.uuid}`
      const running = inflight.get(id)
      if (running !== undefined) {
        // Someone else is fetching it; if they were cut off, fetch it ourselves.
        return Effect.flatMap(Effect.exit(Deferred.await(running)), (exit) =>
          Exit.isSuccess(exit) ? Effect.succeed(exit.value) : downloadOnce(session, key, media))
      }
      const deferred = Deferred.unsafeMake<StoredMedia, HistoryMediaError>(FiberId.none)
      inflight.set(id, deferred)
      return Effect.flatMap(downloadedSince(key, media), Option.match({
        onSome: Effect.succeed,
        onNone: () => download(session, key, media)
      })).pipe(
        Effect.onExit((exit) =>
          Effect.suspend(() => {
            inflight.delete(id)
            return Deferred.done(deferred, exit)
          })
        )
      )
    })

  const isOnDisk = (key: DialogKey, media: StoredMedia) =>
    media.storedName === null
      ? Effect.succeed(false)
      : files.size({ accountId: key.accountId, dialogId: key.dialogId, name: media.storedName }).pipe(
        Effect.map(Option.isSome),
        Effect.orElseSucceed(() => false)
      )

  /** What the settings make of the media (domain/MediaDecision.ts), done; the disk is looked at for downloaded media only. */
  const resolve = (session: SessionName, key: DialogKey, media: StoredMedia, settings: Settings) =>
    Effect.gen(function*() {
      const onDisk = media.status === "downloaded" && (yield* isOnDisk(key, media))
      const action = mediaAction(settings, media, onDisk)
      switch (action._tag) {
        case "Keep":
          return media
        case "Download":
          return yield* downloadOnce(session, key, media)
        case "Skip":
          return yield* record(key, media, { status: "skipped", reason: action.reason, storedName: null })
      }
    })

  return {
    /** Resolves the media of a chunk about to be emitted; the settings are read now, not at request start. */
    prepare: (
      session: SessionName,
      key: DialogKey,
      chunk: ReadonlyArray<StoredMessage>
    ): Effect.Effect<ReadonlyArray<StoredMessage>, HistoryMediaError> =>
      Effect.gen(function*() {
        // Only the messages with media go through the effects (a fiber each, DOWNLOAD_CONCURRENCY at a time):
        // a chunk of a hundred messages with one photo costs one resolution, not a hundred.
        const withMedia: Array<number> = []
        for (let i = 0; i < chunk.length; i++) if (chunk[i]!.media !== null) withMedia.push(i)
        if (withMedia.length === 0) return chunk
        const settings = yield* settingsStore.get
        const resolved = withMedia.length === 1
          ? [yield* resolve(session, key, chunk[withMedia[0]!]!.media!, settings)]
          : yield* Effect.forEach(withMedia, (i) => resolve(session, key, chunk[i]!.media!, settings), {
            concurrency: DOWNLOAD_CONCURRENCY
          })
        const out = chunk.slice()
        for (let j = 0; j < withMedia.length; j++) out[withMedia[j]!] = { ...chunk[withMedia[j]!]!, media: resolved[j]! }
        return out
      }),

    /** Forgets media whose messages are gone or changed: index entries and files. Best effort. */
    discard: (key: DialogKey, dropped: ReadonlyArray<StoredMedia>): Effect.Effect<void> =>
      Effect.gen(function*() {
        if (dropped.length === 0) return
        yield* Effect.forEach(
          dropped.filter((m) => m.storedName !== null),
          (m) => {
            const ref: MediaFileRef = { accountId: key.accountId, dialogId: key.dialogId, name: m.storedName! }
            return files.remove(ref)
          },
          { discard: true }
        )
        yield* index.remove(key.accountId, dropped.map((m) => m.uuid))
      }).pipe(Effect.catchAll((error) => Effect.logWarning(`could not forget dropped media: ${error.message}`)))
  }
})

export type HistoryMedia = Effect.Effect.Success<typeof makeHistoryMedia>

