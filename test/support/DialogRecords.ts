/** A dialog record for tests: a plain user dialog titled by its id, every flag off and no count or date; `overrides` on top. */
import type { DialogRecord } from "../../src/domain/Dialog.js"
import { DialogId } from "../../src/domain/Ids.js"

export const dialogRecord = (id: number, overrides: Partial<DialogRecord> = {}): DialogRecord => ({
  id: DialogId(id),
  kind: "user",
  title: `Dialog ${id}`,
  username: null,
  isCreator: false,
  isVerified: false,
  isContact: false,
  isArchived: false,
  isPinned: false,
  isMuted: false,
  isForum: false,
  unreadCount: 0,
  participantsCount: null,
  lastMessageDate: null,
  lastMessagePreview: null,
  createdDate: null,
  ...overrides
})
