/** Message records for cache and history tests. */
import type { MediaCategory } from "../../../src/domain/MediaCategory.js"
import type { MessageMedia, MessageRecord } from "../../../src/domain/Message.js"
import { MessageId } from "../../../src/domain/Ids.js"
import { EMPTY_DETAILS } from "../../../src/domain/MessageDetails.js"

export const message = (id: number, date: number, overrides: Partial<MessageRecord> = {}): MessageRecord => ({
  id: MessageId(id),
  date,
  editDate: null,
  senderId: 1002,
  senderFirstName: "Bob",
  senderLastName: null,
  senderUsername: "bob",
  text: `message ${id}`,
  replyTo: null,
  postAuthor: null,
  isForwarded: false,
  forwardedFromChannelId: null,
  media: null,
  details: EMPTY_DETAILS,
  ...overrides
})

export const photo = (fileId: string, size = 1000): MessageMedia => ({
  type: "MessageMediaPhoto",
  file: {
    category: "photos",
    size,
    mimeType: "image/jpeg",
    fileName: null,
    fileId: `photo:${fileId}`,
    locator: JSON.stringify({ file: fileId, size })
  }
})

export const document = (
  fileId: string,
  options: { category?: MediaCategory; size?: number; fileName?: string | null; mimeType?: string | null } = {}
): MessageMedia => {
  const size = options.size ?? 2000
  return {
    type: "MessageMediaDocument",
    file: {
      category: options.category ?? "files",
      size,
      mimeType: options.mimeType === undefined ? "application/pdf" : options.mimeType,
      fileName: options.fileName === undefined ? `${fileId}.pdf` : options.fileName,
      fileId: `document:${fileId}`,
      locator: JSON.stringify({ file: fileId, size })
    }
  }
}

export const webPage: MessageMedia = { type: "MessageMediaWebPage", file: null }
