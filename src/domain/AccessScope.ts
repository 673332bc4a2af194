/**
 * What a caller may see of an account: everything, or only the dialogs some
 * entries name: `folder:<id|name>` (the folder's members, by Telegram's
 * rules, as the folder is defined now) and `dialog:<id>` (one dialog by its
 * marked id). Everything outside behaves as if it did not exist.
 *
 * A scope is a plain value, so whatever hands out access can carry one (the
 * stdio MCP server's `--scope` flags, a named API token, the X-Tgsc-Scope
 * header), and the use cases apply it the same way for every way in. Two
 * scopes narrow each other (`narrowScope`): what both admit, never more.
 */
import { Data, Either } from "effect"
import type { DialogRecord, FolderRule } from "./Dialog.js"
import { DialogId } from "./Ids.js"
import { type FolderSelection, isAllChats, resolveFolder, selectionContains } from "./FolderMembership.js"

export type ScopeEntry =
  | { readonly _tag: "Folder"; readonly folder: string }
  | { readonly _tag: "Dialog"; readonly dialogId: DialogId }

/** The dialogs any of the entries admits. */
export interface LimitedScope {
  readonly _tag: "Limited"
  readonly entries: ReadonlyArray<ScopeEntry>
}

export type AccessScope =
  | { readonly _tag: "Everything" }
  | LimitedScope
  /** What every part admits: a token's scope narrowed by a request's own (each part a union of entries). */
  | { readonly _tag: "Intersection"; readonly parts: ReadonlyArray<LimitedScope> }

export const everything: AccessScope = { _tag: "Everything" }

export const limitedTo = (entries: ReadonlyArray<ScopeEntry>): AccessScope => ({ _tag: "Limited", entries })

/** The unions a scope requires all of: none for everything. */
const partsOf = (scope: AccessScope): ReadonlyArray<LimitedScope> =>
  scope._tag === "Everything" ? [] : scope._tag === "Limited" ? [scope] : scope.parts

/**
 * What both scopes admit. Narrowing never widens: everything narrowed by a
 * scope is that scope, and two limited scopes admit only what each admits.
 */
export const narrowScope = (outer: AccessScope, inner: AccessScope): AccessScope => {
  const parts = [...partsOf(outer), ...partsOf(inner)]
  return parts.length === 0 ? everything : parts.length === 1 ? parts[0]! : { _tag: "Intersection", parts }
}

export class InvalidScope extends Data.TaggedError("InvalidScope")<{ readonly input: string; readonly reason: string }> {
  override get message() {
    return `invalid scope ${JSON.stringify(this.input)}: ${this.reason}`
  }
}

const DIALOG_ID = /^[+-]?\d{1,16}$/

/** `folder:<id or title>` or `dialog:<marked id>`. */
export const parseScopeEntry = (input: string): Either.Either<ScopeEntry, InvalidScope> => {
  const colon = input.indexOf(":")
  const kind = colon < 0 ? "" : input.slice(0, colon).trim().toLowerCase()
  const value = colon < 0 ? "" : input.slice(colon + 1)
  if (kind === "folder") {
    if (value.trim() === "") return Either.left(new InvalidScope({ input, reason: "name a folder: folder:<id or title>" }))
    return Either.right({ _tag: "Folder", folder: value.trim() })
  }
  if (kind === "dialog") {
    const text = value.trim()
    const id = DIALOG_ID.test(text) ? Number(text) : NaN
    if (!Number.isSafeInteger(id) || id === 0) {
      return Either.left(new InvalidScope({ input, reason: "dialog:<id> takes a marked dialog id, e.g. dialog:-1001234567890" }))
    }
    return Either.right({ _tag: "Dialog", dialogId: DialogId(id) })
  }
  return Either.left(new InvalidScope({ input, reason: "expected folder:<id or title> or dialog:<id>" }))
}

/** The entry as parseScopeEntry reads it back. */
export const formatScopeEntry = (entry: ScopeEntry): string =>
  entry._tag === "Folder" ? `folder:${entry.folder}` : `dialog:${entry.dialogId}`

/** Whether showing the scope's dialogs needs the account's folder definitions. */
export const scopeNamesFolders = (scope: AccessScope): boolean =>
  partsOf(scope).some((part) => part.entries.some((e) => e._tag === "Folder"))

/** Whether the folder list shows All Chats: everything does, and a scope every part of which names it. */
export const scopeShowsAllChats = (scope: AccessScope): boolean =>
  partsOf(scope).every((part) => part.entries.some((e) => e._tag === "Folder" && isAllChats(e.folder)))

const foldersNamed = (part: LimitedScope, folders: ReadonlyArray<FolderRule>): ReadonlyArray<FolderRule> => {
  const found: Array<FolderRule> = []
  for (const entry of part.entries) {
    if (entry._tag !== "Folder") continue
    const selection = resolveFolder(entry.folder, folders)
    if (Either.isRight(selection) && selection.right._tag === "Custom" && !found.includes(selection.right.rule)) {
      found.push(selection.right.rule)
    }
  }
  return found
}

/** The folders a scope names that exist now (in the scope's order, each once; under an intersection, those every part names). */
export const foldersInScope = (scope: AccessScope, folders: ReadonlyArray<FolderRule>): ReadonlyArray<FolderRule> => {
  const [first, ...rest] = partsOf(scope)
  if (first === undefined) return folders
  const others = rest.map((part) => foldersNamed(part, folders))
  return foldersNamed(first, folders).filter((rule) => others.every((named) => named.includes(rule)))
}

/**
 * Which dialogs the scope admits, given the account's folders as defined
 * now. A folder entry that names no folder admits nothing. `All Chats`
 * (`folder:0`) admits the main list, as a folder parameter reads it.
 */
export const scopeAdmits = (
  scope: AccessScope,
  folders: ReadonlyArray<FolderRule>
): (dialog: DialogRecord) => boolean => {
  const admitters = partsOf(scope).map((part) => partAdmits(part, folders))
  return (dialog) => admitters.every((admits) => admits(dialog))
}

const partAdmits = (part: LimitedScope, folders: ReadonlyArray<FolderRule>): (dialog: DialogRecord) => boolean => {
  const ids = new Set<number>()
  const selections: Array<FolderSelection> = []
  for (const entry of part.entries) {
    if (entry._tag === "Dialog") {
      ids.add(entry.dialogId)
      continue
    }
    const selection = resolveFolder(entry.folder, folders)
    if (Either.isRight(selection)) selections.push(selection.right)
  }
  return (dialog) => ids.has(dialog.id) || selections.some((s) => selectionContains(s, dialog))
}

/**
 * Whether the scope admits a dialog id, knowing the dialog's record when the
 * account lists it (`undefined` when it does not: a channel left, a chat
 * deleted). Without a record only an explicit dialog entry or a folder's
 * own include or pinned list can admit it.
 */
export const scopeAdmitsId = (
  scope: AccessScope,
  folders: ReadonlyArray<FolderRule>,
  dialogId: DialogId,
  record: DialogRecord | undefined
): boolean => {
  if (record !== undefined) return scopeAdmits(scope, folders)(record)
  return partsOf(scope).every((part) => partAdmitsUnlisted(part, folders, dialogId))
}

const partAdmitsUnlisted = (part: LimitedScope, folders: ReadonlyArray<FolderRule>, dialogId: number): boolean =>
  part.entries.some((entry) => {
    if (entry._tag === "Dialog") return entry.dialogId === dialogId
    const selection = resolveFolder(entry.folder, folders)
    if (Either.isLeft(selection) || selection.right._tag === "AllChats") return false
    const rule = selection.right.rule
    // As folderContains decides: pinned and included peers are members whatever else is true of them.
    return rule.includePeers.includes(dialogId) || rule.pinnedPeers.includes(dialogId)
  })
