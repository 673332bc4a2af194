/** The contract's flat message object (the fields shared by history and search). */
import { formatMessageDate } from "../domain/Dates.js"
import type { MessageRecord } from "../domain/Message.js"

export interface MessageCoreView {
  readonly message_id: number
  readonly date: string
  readonly edit_date: string | null
  readonly sender_id: number | null
  readonly first_name: string | null
  readonly last_name: string | null
  readonly username: string | null
  readonly message: string
  readonly reply_to: number | null
  readonly post_author: string | null
  readonly is_forwarded: 0 | 1
  readonly forwarded_from_channel_id: number | null
}

export const messageCoreView = (m: MessageRecord): MessageCoreView => ({
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
  forwarded_from_channel_id: m.forwardedFromChannelId
})
