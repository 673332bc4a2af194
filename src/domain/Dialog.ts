/**
 * A dialog of the account as the search works on it: flat, marked id,
 * epoch-second dates. Counts Telegram reports only on request
 * (message counts, some participant counts) are looked up separately.
 */
import type { DialogId } from "./Ids.js"

export type DialogKind = "user" | "bot" | "saved" | "group" | "supergroup" | "channel"

export interface DialogRecord {
  /** Marked id. */
  readonly id: DialogId
  readonly kind: DialogKind
  readonly title: string
  readonly username: string | null
  readonly isCreator: boolean
  readonly isVerified: boolean
  /** For users: in the account's contacts (folder rules use it). */
  readonly isContact: boolean
  readonly isArchived: boolean
  readonly isPinned: boolean
  readonly isMuted: boolean
  /** A supergroup whose messages are organised in forum topics. */
  readonly isForum: boolean
  readonly unreadCount: number
  /** From the entity; null when Telegram omitted it (full chat info has it). */
  readonly participantsCount: number | null
  readonly lastMessageDate: number | null
  readonly lastMessagePreview: string | null
  /** The entity's date: creation, or for a channel you joined, your join date. */
  readonly createdDate: number | null
}

/** A custom chat folder (dialog filter) with Telegram's membership rules. */
export interface FolderRule {
  readonly id: number
  readonly title: string
  readonly includePeers: ReadonlyArray<number>
  readonly excludePeers: ReadonlyArray<number>
  readonly pinnedPeers: ReadonlyArray<number>
  readonly contacts: boolean
  readonly nonContacts: boolean
  readonly groups: boolean
  readonly broadcasts: boolean
  readonly bots: boolean
  readonly excludeMuted: boolean
  readonly excludeRead: boolean
  readonly excludeArchived: boolean
}
