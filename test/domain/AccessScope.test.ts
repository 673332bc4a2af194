import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import {
  everything,
  foldersInScope,
  formatScopeEntry,
  limitedTo,
  narrowScope,
  parseScopeEntry,
  scopeAdmits,
  scopeAdmitsId,
  type ScopeEntry,
  scopeShowsAllChats
} from "../../src/domain/AccessScope.js"
import type { FolderRule } from "../../src/domain/Dialog.js"
import { defaultDialogSearchParams, selectCandidates } from "../../src/domain/DialogFilters.js"
import { DialogId } from "../../src/domain/Ids.js"
import { dialogRecord } from "../support/DialogRecords.js"

const dialog = dialogRecord

const work: FolderRule = {
  id: 2,
  title: "Work",
  includePeers: [-1001],
  excludePeers: [-3],
  pinnedPeers: [-1002],
  contacts: false,
  nonContacts: false,
  groups: true,
  broadcasts: false,
  bots: false,
  excludeMuted: false,
  excludeRead: false,
  excludeArchived: false
}

const entry = (text: string): ScopeEntry => Either.getOrThrow(parseScopeEntry(text))

const dialogs = [
  dialog(5),
  dialog(-3, { kind: "group" }),
  dialog(-4, { kind: "group" }),
  dialog(-1001, { kind: "channel" }),
  dialog(-1002, { kind: "channel" }),
  dialog(-1003, { kind: "channel", isArchived: true })
]

describe("AccessScope", () => {
  it("parses folder:<id or title> and dialog:<id>, and writes them back", () => {
    expect(entry("folder:Work")).toEqual({ _tag: "Folder", folder: "Work" })
    expect(entry("Folder: News & bots ")).toEqual({ _tag: "Folder", folder: "News & bots" })
    expect(entry("dialog:-1001234567890")).toEqual({ _tag: "Dialog", dialogId: -1001234567890 })
    for (const bad of ["", "folder:", "dialog:0", "dialog:abc", "chat:1", "dialog:99999999999999999999"]) {
      expect(Either.isLeft(parseScopeEntry(bad)), bad).toBe(true)
    }
    expect(formatScopeEntry(entry("dialog:-5"))).toBe("dialog:-5")
    expect(parseScopeEntry(formatScopeEntry(entry("folder:2")))).toEqual(Either.right(entry("folder:2")))
  })

  it("admits a folder's members by Telegram's rules, dialog entries by id, and nothing else", () => {
    const scope = limitedTo([entry("folder:work"), entry("dialog:5")])
    const admits = scopeAdmits(scope, [work])
    expect(dialogs.filter(admits).map((d) => d.id)).toEqual([5, -4, -1001, -1002])
    expect(dialogs.filter(scopeAdmits(everything, [work])).length).toBe(dialogs.length)
    // A folder that does not exist admits nothing.
    expect(dialogs.filter(scopeAdmits(limitedTo([entry("folder:Gone")]), [work]))).toEqual([])
    // All Chats is the main list: archived dialogs are not in it.
    expect(dialogs.filter(scopeAdmits(limitedTo([entry("folder:0")]), [])).map((d) => d.id)).toEqual([5, -3, -4, -1001, -1002])
  })

  it("admits an id the account no longer lists only by an explicit entry or a folder's own lists", () => {
    const scope = limitedTo([entry("folder:2"), entry("dialog:-77")])
    expect(scopeAdmitsId(scope, [work], DialogId(-77), undefined)).toBe(true)
    expect(scopeAdmitsId(scope, [work], DialogId(-1001), undefined)).toBe(true)
    expect(scopeAdmitsId(scope, [work], DialogId(-4), undefined)).toBe(false)
    expect(scopeAdmitsId(scope, [work], DialogId(-4), dialogs[2])).toBe(true)
    expect(scopeAdmitsId(everything, [], DialogId(123), undefined)).toBe(true)
  })

  it("lists the folders a scope names, once each", () => {
    expect(foldersInScope(limitedTo([entry("folder:Work"), entry("folder:2"), entry("dialog:1")]), [work])).toEqual([work])
    expect(foldersInScope(everything, [work])).toEqual([work])
  })

  it("is applied by dialog search before its paging", () => {
    const scope = limitedTo([entry("folder:Work")])
    const found = Either.getOrThrow(selectCandidates(dialogs, [work], defaultDialogSearchParams, scopeAdmits(scope, [work])))
    expect(found.map((c) => c.dialog.id)).toEqual([-4, -1001, -1002])
  })

  it("narrowed by another scope admits only what both admit, and never widens", () => {
    const token = limitedTo([entry("folder:Work"), entry("dialog:5")])
    const header = limitedTo([entry("dialog:-1001"), entry("dialog:5"), entry("dialog:-3")])
    const both = narrowScope(token, header)
    expect(dialogs.filter(scopeAdmits(both, [work])).map((d) => d.id)).toEqual([5, -1001])
    expect(narrowScope(everything, token)).toBe(token)
    expect(narrowScope(token, everything)).toBe(token)
    expect(narrowScope(everything, everything)).toEqual(everything)
    // Unlisted ids: each part must admit them on its own.
    expect(scopeAdmitsId(both, [work], DialogId(-1001), undefined)).toBe(true)
    expect(scopeAdmitsId(narrowScope(token, limitedTo([entry("dialog:-77")])), [work], DialogId(-77), undefined)).toBe(false)
    // Folders: those every part names; All Chats only when every part names it.
    expect(foldersInScope(narrowScope(limitedTo([entry("folder:Work")]), limitedTo([entry("folder:2")])), [work])).toEqual([work])
    expect(foldersInScope(both, [work])).toEqual([])
    expect(scopeShowsAllChats(narrowScope(limitedTo([entry("folder:0")]), limitedTo([entry("dialog:5")])))).toBe(false)
    expect(scopeShowsAllChats(narrowScope(limitedTo([entry("folder:0")]), limitedTo([entry("folder:All Chats")])))).toBe(true)
    expect(scopeShowsAllChats(everything)).toBe(true)
  })
})
