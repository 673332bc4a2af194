/**
 * Which dialogs a chat folder shows, by Telegram's own rules, and how the
 * `folder` parameter names one (id or case-insensitive title; 0 is All Chats).
 *
 * Decisions: All Chats (id 0) is Telegram's main list, so archived chats are
 * not in it (they live in the Archive). Saved Messages counts as a contact
 * (it is your own chat: it shows in a folder that includes contacts).
 */
import { Data, Either } from "effect"
import type { DialogRecord, FolderRule } from "./Dialog.js"
import { caseFold } from "./TextFold.js"

export const ALL_CHATS_ID = 0
export const ALL_CHATS_TITLE = "All Chats"

export class FolderNotFound extends Data.TaggedError("FolderNotFound")<{ readonly folder: string }> {
  override get message() {
    return `Folder '${this.folder}' not found: give a folder id or title from the account's folder list (0 is All Chats)`
  }
}

export type FolderSelection =
  | { readonly _tag: "AllChats" }
  | { readonly _tag: "Custom"; readonly rule: FolderRule }

const sameTitle = (a: string, b: string) => caseFold(a.normalize("NFC").trim()) === caseFold(b.normalize("NFC").trim())

/** Whether `folder` names All Chats, which needs no folder list. */
export const isAllChats = (folder: string): boolean =>
  /^\s*[+]?0+\s*$/.test(folder) || sameTitle(folder, ALL_CHATS_TITLE)

/** A folder id first (an all-digit value), then a title; the first folder of that title wins. */
export const resolveFolder = (
  folder: string,
  folders: ReadonlyArray<FolderRule>
): Either.Either<FolderSelection, FolderNotFound> => {
  if (isAllChats(folder)) return Either.right({ _tag: "AllChats" })
  const trimmed = folder.trim()
  const byId = /^\d+$/.test(trimmed) ? folders.find((f) => f.id === Number(trimmed)) : undefined
  const rule = byId ?? folders.find((f) => sameTitle(f.title, folder))
  return rule === undefined ? Either.left(new FolderNotFound({ folder })) : Either.right({ _tag: "Custom", rule })
}

/** The folder's flag that admits dialogs of this kind and contact status. */
const admittedByFlags = (rule: FolderRule, dialog: DialogRecord): boolean => {
  switch (dialog.kind) {
    case "saved":
      return rule.contacts
    case "user":
      return dialog.isContact ? rule.contacts : rule.nonContacts
    case "bot":
      return rule.bots
    case "group":
    case "supergroup":
      return rule.groups
    case "channel":
      return rule.broadcasts
  }
}

/**
 * Pinned and included peers are always in, excluded peers never; the rest
 * must be admitted by a kind flag and then survive exclude_muted,
 * exclude_read (no unread messages) and exclude_archived.
 */
export const folderContains = (rule: FolderRule, dialog: DialogRecord): boolean => {
  if (rule.pinnedPeers.includes(dialog.id) || rule.includePeers.includes(dialog.id)) return true
  if (rule.excludePeers.includes(dialog.id)) return false
  if (!admittedByFlags(rule, dialog)) return false
  if (rule.excludeMuted && dialog.isMuted) return false
  if (rule.excludeRead && dialog.unreadCount === 0) return false
  if (rule.excludeArchived && dialog.isArchived) return false
  return true
}

export const selectionContains = (selection: FolderSelection, dialog: DialogRecord): boolean =>
  selection._tag === "AllChats" ? !dialog.isArchived : folderContains(selection.rule, dialog)
