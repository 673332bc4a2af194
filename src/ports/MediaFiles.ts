/**
 * The bytes of downloaded media, in each dialog's media directory. A file
 * is written under a temporary name and renamed when complete, so a crash
 * never leaves a truncated file under its final name.
 */
import { Context, Data, type Effect, type Option, type Stream } from "effect"
import type { AccountId, DialogId } from "../domain/Ids.js"

export class MediaFileError extends Data.TaggedError("MediaFileError")<{
  readonly operation: string
  readonly path: string
  readonly cause: unknown
}> {
  override get message() {
    return `media file ${this.operation} ${this.path} failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

/** Where a stored file lives: its name inside the media directory of an account's dialog. */
export interface MediaFileRef {
  readonly accountId: AccountId
  readonly dialogId: DialogId
  readonly name: string
}

export interface NewMediaFile {
  readonly accountId: AccountId
  readonly dialogId: DialogId
  readonly uuid: string
  readonly mimeType: string | null
  readonly fileName: string | null
  /** The size Telegram announced; fewer bytes than this is an incomplete download. */
  readonly expectedSize: number
}

/** Inclusive byte offsets, already checked against the file's size. */
export interface ByteRange {
  readonly start: number
  readonly end: number
}

export interface MediaFilesService {
  /** Streams `bytes` to a temporary file and renames it into place; returns its final ref and size. */
  readonly write: <E>(
    file: NewMediaFile,
    bytes: Stream.Stream<Uint8Array, E>
  ) => Effect.Effect<{ readonly ref: MediaFileRef; readonly size: number }, E | MediaFileError>
  /** The file's size, or none when it is not on disk. */
  readonly size: (ref: MediaFileRef) => Effect.Effect<Option.Option<number>, MediaFileError>
  readonly read: (ref: MediaFileRef, range?: ByteRange) => Stream.Stream<Uint8Array, MediaFileError>
  readonly remove: (ref: MediaFileRef) => Effect.Effect<void, MediaFileError>
  /** The absolute path, for clients that read the data directory directly. */
  readonly absolutePath: (ref: MediaFileRef) => string
}

export class MediaFiles extends Context.Tag("ports/MediaFiles")<MediaFiles, MediaFilesService>() {}
