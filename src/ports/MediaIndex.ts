/**
 * Every media uuid an account has been shown, with where its file is and
 * what became of it, so `/files/{uuid}` answers without opening any dialog
 * cache. One index per account: another account's uuids are simply unknown.
 */
import { Context, Data, type Effect, type Option } from "effect"
import type { MediaStatus } from "./MessageStore.js"
import type { AccountId, DialogId, MessageId } from "../domain/Ids.js"

export class MediaIndexError extends Data.TaggedError("MediaIndexError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message() {
    return `media index: ${this.operation} failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

export interface MediaIndexEntry {
  readonly uuid: string
  readonly dialogId: DialogId
  readonly messageId: MessageId
  /** The file's name in the dialog's media directory, once downloaded. */
  readonly storedName: string | null
  readonly mimeType: string | null
  readonly originalFileName: string | null
  readonly size: number
  readonly status: MediaStatus
  readonly reason: string | null
}

export interface MediaIndexService {
  readonly put: (accountId: AccountId, entry: MediaIndexEntry) => Effect.Effect<void, MediaIndexError>
  readonly get: (accountId: AccountId, uuid: string) => Effect.Effect<Option.Option<MediaIndexEntry>, MediaIndexError>
  readonly remove: (accountId: AccountId, uuids: ReadonlyArray<string>) => Effect.Effect<void, MediaIndexError>
}

export class MediaIndex extends Context.Tag("ports/MediaIndex")<MediaIndex, MediaIndexService>() {}
