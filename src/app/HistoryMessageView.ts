/** The contract's flat history message: the shared fields plus what the cache knows of its media. */
import { formatMessageDate } from "../domain/Dates.js"
import type { StoredMessage } from "../ports/MessageStore.js"
import type { MessageCoreView } from "./MessageView.js"

export interface HistoryMessageView extends MessageCoreView {
  /** Telegram's class name for any media (MessageMediaPhoto, MessageMediaWebPage, ...). */
  readonly media_type: string | null
  /** Only for downloadable media (photos, documents); stable for the message. */
  readonly media_uuid: string | null
  /** Documents' file names; always null for photos. */
  readonly media_original_filename: string | null
  readonly media_size: number | null
  readonly media_category: string | null
}

/**
 * Every field written out rather than spreading `messageCoreView`: this runs
 * for every streamed message, and a spread object is about twenty times
 * slower to build (and then to serialise) than a literal.
 */
export const historyMessageView = ({ media, message: m }: StoredMessage): HistoryMessageView => ({
  message_id: m.id,
  date: formatMessageDate(m.date),
  edit_date: m.editDate === null ? null : formatMessageDate(m.editDate),
  sender_id: m.senderId,
  first_name: m.senderFirstName,
  last_name: m.senderLastName,
  username: m.senderUsername,
  message: m.text,
  reply_to: m.replyTo,
  post_author: m.postAuthor,
  is_forwarded: m.isForwarded ? 1 : 0,
  forwarded_from_channel_id: m.forwardedFromChannelId,
  media_type: m.media?.type ?? null,
  media_uuid: media?.uuid ?? null,
  media_original_filename: media?.fileName ?? null,
  media_size: media?.size ?? null,
  media_category: media?.category ?? null
})
