/**
 * The media record a cached message keeps of its file: a uuid given once
 * per message (the name clients download the file by), what the message
 * says of the file, and what became of its download. Storing a page of
 * messages brings each record in line with what the message now carries.
 */
import type { MediaCategory } from "./MediaCategory.js"
import type { MessageRecord } from "./Message.js"
import type { MessageId } from "./Ids.js"

export type MediaStatus = "pending" | "downloaded" | "skipped" | "failed"

/** A downloadable media file of a cached message, with what became of it. */
export interface StoredMedia {
  /** Given when the message is first stored; never changes for that message. */
  readonly uuid: string
  readonly messageId: MessageId
  readonly type: string
  readonly category: MediaCategory
  readonly size: number
  readonly mimeType: string | null
  readonly fileName: string | null
  readonly fileId: string
  readonly locator: string
  readonly status: MediaStatus
  /** Why it was skipped or failed. */
  readonly reason: string | null
  /** The file's name in the dialog's media directory, once downloaded. */
  readonly storedName: string | null
}

/** What storing a message does to its media record, given the record stored before (if any). */
export type MediaRecordChange =
  /** No file before or now: no record. */
  | { readonly _tag: "None" }
  /** The message no longer carries a file: its record goes, and whatever was downloaded for it is stale. */
  | { readonly _tag: "Forget"; readonly stale: StoredMedia }
  /** First stored with a file: a new record, to be downloaded (the store gives it its uuid). */
  | { readonly _tag: "Add"; readonly record: Omit<StoredMedia, "uuid"> }
  /** The same file again: its uuid and download state stay; what the message says of it, its file reference included, is fresh. */
  | { readonly _tag: "Refresh"; readonly record: StoredMedia }
  /** Another file: the same uuid (stable per message), to be downloaded again; the old download, if there was one, is stale. */
  | { readonly _tag: "Replace"; readonly record: StoredMedia; readonly stale: StoredMedia | null }

const NONE: MediaRecordChange = { _tag: "None" }

const PENDING = { status: "pending", reason: null, storedName: null } as const

export const mediaRecordChange = (message: MessageRecord, before: StoredMedia | undefined): MediaRecordChange => {
  const file = message.media?.file ?? null
  if (file === null) return before === undefined ? NONE : { _tag: "Forget", stale: before }
  // What the message now says of its file; the download state depends on what was stored before.
  const now = {
    messageId: message.id,
    type: message.media!.type,
    category: file.category,
    size: file.size,
    mimeType: file.mimeType,
    fileName: file.fileName,
    fileId: file.fileId,
    locator: file.locator
  }
  if (before === undefined) return { _tag: "Add", record: { ...now, ...PENDING } }
  if (before.fileId === file.fileId) return { _tag: "Refresh", record: { ...before, ...now } }
  return { _tag: "Replace", record: { ...before, ...now, ...PENDING }, stale: before.storedName === null ? null : before }
}

/**
 * The cached messages a refresh of a range deletes: those dated inside it
 * (`inRange`) that the refreshed page no longer has (Telegram deleted them).
 * Their media records go with them.
 */
export const messagesGone = (
  inRange: ReadonlyArray<MessageId>,
  page: ReadonlyArray<MessageRecord>
): ReadonlyArray<MessageId> => {
  const kept = new Set(page.map((m) => m.id))
  return inRange.filter((id) => !kept.has(id))
}
