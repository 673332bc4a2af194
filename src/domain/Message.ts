/**
 * A Telegram message as the product sees it: flat, marked ids, epoch
 * seconds, raw text. Media carries what the cache and the files endpoint
 * need; how to fetch its bytes is an opaque locator only the Telegram
 * adapter reads.
 */
import type { MediaCategory } from "./MediaCategory.js"
import type { MessageId } from "./Ids.js"
import type { MessageDetails } from "./MessageDetails.js"

export interface MediaFile {
  readonly category: MediaCategory
  readonly size: number
  readonly mimeType: string | null
  /** Only documents carry file names; photos never do. */
  readonly fileName: string | null
  /** Telegram's id of the photo or document: the same file seen again has the same id. */
  readonly fileId: string
  /** Opaque to all but the Telegram adapter. */
  readonly locator: string
}

export interface MessageMedia {
  /** Telegram's class name: MessageMediaPhoto, MessageMediaDocument, MessageMediaWebPage, ... */
  readonly type: string
  /** Present for downloadable media (photos, documents) only. */
  readonly file: MediaFile | null
}

export interface MessageRecord {
  readonly id: MessageId
  readonly date: number
  readonly editDate: number | null
  /** Marked id of the sender (for a channel post, the channel). */
  readonly senderId: number | null
  readonly senderFirstName: string | null
  readonly senderLastName: string | null
  readonly senderUsername: string | null
  readonly text: string
  readonly replyTo: number | null
  readonly postAuthor: string | null
  readonly isForwarded: boolean
  /** Marked id of the channel a forward came from. */
  readonly forwardedFromChannelId: number | null
  readonly media: MessageMedia | null
  /** Topic, thread, forward origin, reactions, ...; null when fetched before tgsc knew them (unknown, not empty). */
  readonly details: MessageDetails | null
}
