import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import type { DialogKind, DialogRecord, FolderRule } from "../../src/domain/Dialog.js"
import {
  countsNeeded,
  type DialogCounts,
  type DialogSearchParams,
  defaultDialogSearchParams,
  type DialogSort,
  type RankedDialog,
  selectCandidates,
  SERVICE_CHAT_ID
} from "../../src/domain/DialogFilters.js"
import { noCounts, searchDialogs } from "../support/DialogSearchSteps.js"
import { fuzzyScore } from "../support/TitleScores.js"
import { DialogId } from "../../src/domain/Ids.js"
import { dialogRecord } from "../support/DialogRecords.js"

const dialog = dialogRecord

const folder = (id: number, title: string, overrides: Partial<FolderRule> = {}): FolderRule => ({
  id,
  title,
  includePeers: [],
  excludePeers: [],
  pinnedPeers: [],
  contacts: false,
  nonContacts: false,
  groups: false,
  broadcasts: false,
  bots: false,
  excludeMuted: false,
  excludeRead: false,
  excludeArchived: false,
  ...overrides
})

const params = (overrides: Partial<DialogSearchParams> = {}): DialogSearchParams => ({
  ...defaultDialogSearchParams,
  limit: 500,
  ...overrides
})

const run = (
  dialogs: ReadonlyArray<DialogRecord>,
  p: Partial<DialogSearchParams>,
  folders: ReadonlyArray<FolderRule> = [],
  counts: DialogCounts = noCounts
) => Either.getOrThrow(searchDialogs(dialogs, folders, counts, params(p)))

const ids = (dialogs: ReadonlyArray<DialogRecord>, p: Partial<DialogSearchParams>, folders: ReadonlyArray<FolderRule> = [], counts: DialogCounts = noCounts) =>
  run(dialogs, p, folders, counts).results.map((r) => r.dialog.id)

const counts = (messages: Record<number, number | null>, participants: Record<number, number | null> = {}): DialogCounts => ({
  messages: new Map(Object.entries(messages).map(([k, v]) => [Number(k), v])),
  participants: new Map(Object.entries(participants).map(([k, v]) => [Number(k), v]))
})

const T = (s: string) => Date.parse(s.replace(" ", "T") + "Z") / 1000

// A small account with one dialog of each kind.
const me = dialog(10, { kind: "saved", title: "Saved Messages", lastMessageDate: T("2024-01-10 00:00:00") })
const alice = dialog(1001, { kind: "user", title: "Alice Liddell", username: "alice", isContact: true, unreadCount: 2, lastMessageDate: T("2024-02-01 09:00:00") })
const stranger = dialog(1002, { kind: "user", title: "Bob Stranger", isMuted: true, lastMessageDate: T("2023-05-01 00:00:00") })
const bot = dialog(1003, { kind: "bot", title: "Weather Bot", username: "weatherbot", isVerified: true })
const family = dialog(-2001, { kind: "group", title: "Family", isCreator: true, participantsCount: 4, createdDate: T("2020-01-01 10:00:00"), unreadCount: 5, lastMessageDate: T("2024-01-20 00:00:00") })
const devs = dialog(-1000000003002, { kind: "supergroup", title: "Dev Chat", participantsCount: null, createdDate: T("2021-06-01 00:00:00"), isArchived: true, lastMessageDate: T("2024-01-20 00:00:00") })
const news = dialog(-1000000003001, { kind: "channel", title: "Crypto News", username: "cryptonews", isVerified: true, participantsCount: 45231, createdDate: T("2020-03-10 12:00:00"), lastMessageDate: T("2024-01-15 14:30:00") })
const service = dialog(SERVICE_CHAT_ID, { kind: "user", title: "Telegram", isVerified: true, lastMessageDate: T("2024-03-01 00:00:00") })
const all = [me, alice, stranger, bot, family, devs, news, service]

describe("filters", () => {
  it("never lists Telegram's service chat 777000", () => {
    expect(ids(all, {})).not.toContain(SERVICE_CHAT_ID)
    expect(ids(all, { query: "Telegram", minScore: 0 })).not.toContain(SERVICE_CHAT_ID)
  })
  it("type, repeated, with me as saved", () => {
    expect(ids(all, { types: ["group", "supergroup"] }).sort()).toEqual([devs.id, family.id].sort())
    expect(ids(all, { types: ["me"] })).toEqual([me.id])
    expect(ids(all, { types: ["saved"] })).toEqual([me.id])
    expect(ids(all, { types: ["bot"] })).toEqual([bot.id])
    expect(ids(all, { types: ["channel"] })).toEqual([news.id])
    expect(ids(all, { types: ["user"] }).sort()).toEqual([alice.id, stranger.id].sort())
  })
  it("is_archived", () => {
    expect(ids(all, { isArchived: true })).toEqual([devs.id])
    expect(ids(all, { isArchived: false })).not.toContain(devs.id)
  })
  it("is_creator, has_username, is_verified", () => {
    expect(ids(all, { isCreator: true })).toEqual([family.id])
    expect(ids(all, { hasUsername: true }).sort()).toEqual([alice.id, bot.id, news.id].sort())
    expect(ids(all, { hasUsername: false })).not.toContain(alice.id)
    expect(ids(all, { isVerified: true }).sort()).toEqual([bot.id, news.id].sort())
  })
  it("last_message_after is inclusive, last_message_before exclusive; unknown dates never match", () => {
    expect(ids(all, { lastMessageAfter: T("2024-01-20 00:00:00") }).sort()).toEqual([alice.id, devs.id, family.id].sort())
    expect(ids(all, { lastMessageBefore: T("2024-01-15 14:30:00") }).sort()).toEqual([me.id, stranger.id].sort())
    expect(ids(all, { lastMessageAfter: 0 })).not.toContain(bot.id)
  })
  it("created_after/before apply to groups, supergroups and channels only", () => {
    expect(ids(all, { createdAfter: T("2020-02-01 00:00:00") }).sort()).toEqual([devs.id, news.id].sort())
    expect(ids(all, { createdBefore: T("2020-03-10 12:00:00") })).toEqual([family.id])
    const userWithDate = dialog(5, { kind: "user", createdDate: T("2021-01-01 00:00:00") })
    expect(ids([userWithDate], { createdAfter: 0 })).toEqual([])
  })
  it("message counts: min and max inclusive, unknown counts never match", () => {
    const c = counts({ [alice.id]: 10, [family.id]: 100, [news.id]: 1523, [me.id]: null })
    expect(ids(all, { minMessages: 100 }, [], c).sort()).toEqual([family.id, news.id].sort())
    expect(ids(all, { maxMessages: 100 }, [], c).sort()).toEqual([alice.id, family.id].sort())
    expect(ids(all, { minMessages: 0, maxMessages: 10 }, [], c)).toEqual([alice.id])
  })
  it("participant counts: the entity's, else the full chat's", () => {
    const c = counts({}, { [devs.id]: 120 })
    expect(ids(all, { minParticipants: 100 }, [], c).sort()).toEqual([devs.id, news.id].sort())
    expect(ids(all, { maxParticipants: 10 }, [], c)).toEqual([family.id])
    expect(run(all, { types: ["supergroup"] }, [], c).results[0]!.participantsCount).toBe(120)
  })
})

describe("title query", () => {
  it("fuzzy: min_score (default 0.8) on the behaviour notes' score, carried on each result", () => {
    const page = run(all, { query: "crypto" })
    expect(page.results.map((r) => r.dialog.id)).toEqual([news.id])
    expect(page.results[0]!.score).toBeCloseTo(fuzzyScore("crypto", "Crypto News"), 12)
    expect(ids(all, { query: "crpyto news", minScore: 0.8 })).toEqual([news.id])
    expect(ids(all, { query: "crpyto", minScore: 0.8 })).toEqual([])
    expect(ids(all, { query: "crpyto", minScore: 0.5 })).toContain(news.id)
  })
  it("exact: case- and accent-insensitive substring, still scored", () => {
    const cafe = dialog(7, { title: "Café Müller" })
    expect(ids([cafe, alice], { query: "CAFE MULL", match: "exact" })).toEqual([7])
    expect(ids([cafe, alice], { query: "cafe mueller", match: "exact" })).toEqual([])
    expect(run([cafe], { query: "café", match: "exact" }).results[0]!.score).toBeGreaterThanOrEqual(0.8)
  })
  it("results without a query carry no score", () => {
    expect(run(all, {}).results.every((r) => r.score === null)).toBe(true)
  })
  it("sorted by score, ties broken by the requested sort and order", () => {
    const a = dialog(1, { title: "news", unreadCount: 1 })
    const b = dialog(2, { title: "news", unreadCount: 3 })
    const c = dialog(3, { title: "news today", unreadCount: 9 })
    expect(ids([a, b, c], { query: "news", sort: "unread", order: "desc" })).toEqual([2, 1, 3])
    expect(ids([a, b, c], { query: "news", sort: "unread", order: "asc" })).toEqual([1, 2, 3])
  })
  it("a blank query lists everything", () => {
    expect(ids(all, { query: "" }).length).toBe(all.length - 1)
    expect(run(all, { query: "   " }).results.map((r) => [r.dialog.id, r.score])).toEqual(run(all, {}).results.map((r) => [r.dialog.id, r.score]))
  })
  it.prop("a query with surrounding spaces scores neither below the formula on it as given nor on it trimmed", [
    fc.string({ unit: fc.constantFrom(..."ab c"), maxLength: 6 }).filter((q) => q.trim() !== ""),
    fc.string({ unit: fc.constantFrom(..."abc d"), maxLength: 10 })
  ], ([core, title]) => {
    const query = ` ${core}  `
    const [result] = run([dialog(1, { title })], { query, minScore: 0 }).results
    expect(result!.score!).toBeGreaterThanOrEqual(Math.max(fuzzyScore(query, title), fuzzyScore(core.trim(), title)))
    const exact = run([dialog(1, { title })], { query, match: "exact" }).results
    expect(exact.length).toBe(title.toLowerCase().includes(core.trim().toLowerCase()) ? 1 : 0)
  })
})

describe("folders", () => {
  const rules = [
    folder(2, "Work", { groups: true, includePeers: [alice.id], excludePeers: [devs.id] }),
    folder(3, "People", { contacts: true, nonContacts: true, excludeMuted: true }),
    folder(4, "Channels", { broadcasts: true, bots: true, pinnedPeers: [stranger.id], excludeRead: true }),
    folder(5, "Unarchived groups", { groups: true, excludeArchived: true }),
    folder(6, "Contacts", { contacts: true }),
    folder(7, "2024", { nonContacts: true })
  ]
  it("0 and 'All Chats' are Telegram's main list: everything but the archive", () => {
    const main = all.filter((d) => !d.isArchived && d.id !== SERVICE_CHAT_ID).map((d) => d.id).sort()
    expect(ids(all, { folder: "0" }).sort()).toEqual(main)
    expect(ids(all, { folder: "all chats" }).sort()).toEqual(main)
  })
  it("by id or case-insensitive title; an all-digit value that is no id is tried as a title", () => {
    expect(ids(all, { folder: "2" }, rules)).toEqual(ids(all, { folder: "wORK" }, rules))
    expect(ids(all, { folder: "2024" }, rules).sort()).toEqual([stranger.id].sort())
  })
  it("an unknown folder is a typed failure", () => {
    const result = searchDialogs(all, rules, noCounts, params({ folder: "Nope" }))
    expect(Either.isLeft(result) && result.left._tag).toBe("FolderNotFound")
    expect(Either.isLeft(searchDialogs(all, rules, noCounts, params({ folder: "99" })))).toBe(true)
  })
  it("groups flag takes basic groups and supergroups; included peers in, excluded out", () => {
    expect(ids(all, { folder: "Work" }, rules).sort()).toEqual([alice.id, family.id].sort())
  })
  it("contacts / non_contacts by contact status; exclude_muted", () => {
    expect(ids(all, { folder: "People" }, rules).sort()).toEqual([me.id, alice.id].sort())
    expect(ids(all, { folder: "Contacts" }, rules).sort()).toEqual([me.id, alice.id].sort())
  })
  it("broadcasts and bots flags; pinned peers always in; exclude_read drops dialogs with nothing unread", () => {
    expect(ids(all, { folder: "Channels" }, rules)).toEqual([stranger.id])
    const unreadNews = { ...news, unreadCount: 3 }
    expect(ids([unreadNews, bot, stranger], { folder: "Channels" }, rules).sort()).toEqual([stranger.id, unreadNews.id].sort())
  })
  it("exclude_archived", () => {
    expect(ids(all, { folder: "Unarchived groups" }, rules)).toEqual([family.id])
  })
  it("an included peer stays in even when muted, read or archived", () => {
    const rule = folder(8, "Strict", { includePeers: [devs.id], excludeArchived: true, excludeRead: true, excludeMuted: true })
    expect(ids(all, { folder: "Strict" }, [rule])).toEqual([devs.id])
  })
})

describe("sorting and paging", () => {
  const a = dialog(1, { title: "beta", lastMessageDate: 100, unreadCount: 1, participantsCount: 5, kind: "group" })
  const b = dialog(2, { title: "Alpha", lastMessageDate: null, unreadCount: 1, participantsCount: null, kind: "group" })
  const c = dialog(3, { title: "gamma", lastMessageDate: 300, unreadCount: 0, participantsCount: 9, kind: "group" })
  const d = dialog(4, { title: "alpha", lastMessageDate: 100, unreadCount: 7, participantsCount: 5, kind: "group" })
  const set = [a, b, c, d]
  it.each<[DialogSort, "asc" | "desc", Array<number>]>([
    ["last_message", "desc", [3, 1, 4, 2]],
    ["last_message", "asc", [1, 4, 3, 2]],
    ["unread", "desc", [4, 1, 2, 3]],
    ["unread", "asc", [3, 1, 2, 4]],
    ["title", "asc", [2, 4, 1, 3]],
    ["title", "desc", [3, 1, 4, 2]],
    ["participants", "desc", [3, 1, 4, 2]],
    ["participants", "asc", [1, 4, 3, 2]]
  ])("sort=%s order=%s, nulls last, ties by id", (sort, order, expected) => {
    expect(ids(set, { sort, order })).toEqual(expected)
  })
  it("sort=messages uses the counts supplied", () => {
    expect(ids(set, { sort: "messages", order: "desc" }, [], counts({ 1: 5, 2: 50, 3: null, 4: 5 }))).toEqual([2, 1, 4, 3])
  })
  it("limit and offset page; total counts every match", () => {
    const page = run(set, { sort: "title", order: "asc", limit: 2, offset: 1 })
    expect(page).toMatchObject({ total: 4, offset: 1, limit: 2 })
    expect(page.results.map((r) => r.dialog.id)).toEqual([4, 1])
    expect(run(set, { offset: 10 }).results).toEqual([])
  })
})

describe("countsNeeded", () => {
  const candidates = Either.getOrThrow(selectCandidates(all, [], params()))
  it("asks nothing when no count filter or count sort is used", () => {
    expect(countsNeeded(candidates, params({ sort: "unread" }))).toEqual({ messages: [], participants: [] })
  })
  it("message counts for every survivor when filtering or sorting by them", () => {
    expect(countsNeeded(candidates, params({ minMessages: 1 })).messages).toHaveLength(candidates.length)
    expect(countsNeeded(candidates, params({ sort: "messages" })).messages).toHaveLength(candidates.length)
  })
  it("participant counts only for groups and channels whose entity omitted them", () => {
    expect(countsNeeded(candidates, params({ maxParticipants: 3 })).participants).toEqual([devs.id])
    expect(countsNeeded(candidates, params({ sort: "participants" })).participants).toEqual([devs.id])
  })
  it("only survivors of the other filters", () => {
    const few = Either.getOrThrow(selectCandidates(all, [], params({ types: ["channel"] })))
    expect(countsNeeded(few, params({ minMessages: 1 })).messages).toEqual([news.id])
  })
})

// ---------------------------------------------------------------------------
// Properties, against an oracle written independently of the implementation.

const KINDS: ReadonlyArray<DialogKind> = ["user", "bot", "saved", "group", "supergroup", "channel"]
const WORDS = ["crypto", "News", "café", "Family", "dev", "🚀", "Straße", "chat"]

const arbDialog = (id: number) =>
  fc.record({
    kind: fc.constantFrom(...KINDS),
    title: fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }).map((w) => w.join(" ")),
    username: fc.option(fc.constantFrom("", "name"), { nil: null }),
    isCreator: fc.boolean(),
    isVerified: fc.boolean(),
    isContact: fc.boolean(),
    isArchived: fc.boolean(),
    isPinned: fc.boolean(),
    isMuted: fc.boolean(),
    isForum: fc.boolean(),
    unreadCount: fc.integer({ min: 0, max: 3 }),
    participantsCount: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
    lastMessageDate: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
    lastMessagePreview: fc.constant(null),
    createdDate: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null })
  }).map((fields): DialogRecord => ({ id: DialogId(id), ...fields }))

const arbAccount = fc
  .uniqueArray(fc.oneof(fc.integer({ min: -30, max: 30 }).filter((n) => n !== 0), fc.constant(SERVICE_CHAT_ID)), { maxLength: 14 })
  .chain((idList) => fc.tuple(...idList.map(arbDialog)))
  .chain((dialogs) => {
    const peer = dialogs.length === 0 ? fc.constant(0) : fc.constantFrom(...dialogs.map((d) => d.id))
    const rule = (id: number, title: string) =>
      fc.record({
        includePeers: fc.array(peer, { maxLength: 2 }),
        excludePeers: fc.array(peer, { maxLength: 2 }),
        pinnedPeers: fc.array(peer, { maxLength: 1 }),
        contacts: fc.boolean(),
        nonContacts: fc.boolean(),
        groups: fc.boolean(),
        broadcasts: fc.boolean(),
        bots: fc.boolean(),
        excludeMuted: fc.boolean(),
        excludeRead: fc.boolean(),
        excludeArchived: fc.boolean()
      }).map((r): FolderRule => ({ id, title, ...r }))
    const count = fc.option(fc.integer({ min: 0, max: 5 }), { nil: null })
    return fc.record({
      dialogs: fc.constant(dialogs),
      folders: fc.tuple(rule(2, "Work"), rule(3, "Personal")),
      counts: fc.record({
        messages: fc.tuple(...dialogs.map(() => count)).map((cs) => new Map(dialogs.map((d, i) => [d.id, cs[i]!]))),
        participants: fc.tuple(...dialogs.map(() => count)).map((cs) => new Map(dialogs.map((d, i) => [d.id, cs[i]!])))
      })
    })
  })

/** Mostly absent, as in real requests: a few filters at a time leave something to check. */
const opt = <A>(arb: fc.Arbitrary<A>) =>
  fc.oneof({ arbitrary: fc.constant(null), weight: 5 }, { arbitrary: arb, weight: 1 })
const small = fc.integer({ min: 0, max: 5 })

const arbParams: fc.Arbitrary<DialogSearchParams> = fc.record({
  query: opt(fc.constantFrom("crypto", "CAFE", "news chat", "strasse", "xyz", "")),
  match: fc.constantFrom("fuzzy" as const, "exact" as const),
  minScore: fc.constantFrom(0, 0.3, 0.5, 0.8, 0.95),
  types: fc.uniqueArray(fc.constantFrom<DialogSearchParams["types"][number]>(...KINDS, "me"), { maxLength: 3 }),
  folder: fc.option(fc.constantFrom("0", "2", "work", "PERSONAL", "All Chats", "nope"), { nil: null, freq: 2 }),
  isArchived: opt(fc.boolean()),
  minMessages: opt(small),
  maxMessages: opt(small),
  minParticipants: opt(small),
  maxParticipants: opt(small),
  lastMessageAfter: opt(small),
  lastMessageBefore: opt(small),
  createdAfter: opt(small),
  createdBefore: opt(small),
  isCreator: opt(fc.boolean()),
  hasUsername: opt(fc.boolean()),
  isVerified: opt(fc.boolean()),
  sort: fc.constantFrom<DialogSort>("last_message", "messages", "title", "participants", "unread"),
  order: fc.constantFrom("asc" as const, "desc" as const),
  limit: fc.integer({ min: 1, max: 6 }),
  offset: fc.integer({ min: 0, max: 8 })
})

type Account = { dialogs: ReadonlyArray<DialogRecord>; folders: ReadonlyArray<FolderRule>; counts: DialogCounts }

const fold = (s: string) => s.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replaceAll("ß", "ss")

/** Does `d` match every filter of `p`? Written from the contract and behaviour notes, not from the code. */
const oracle = (d: DialogRecord, p: DialogSearchParams, account: Account): boolean => {
  if (d.id === SERVICE_CHAT_ID) return false
  if (p.types.length > 0 && !p.types.some((t) => t === d.kind || (t === "me" && d.kind === "saved"))) return false
  if (p.folder !== null) {
    const isMain = p.folder === "0" || p.folder === "All Chats"
    const rule = account.folders.find((f) => String(f.id) === p.folder || f.title.toLowerCase() === p.folder!.toLowerCase())
    if (isMain) {
      if (d.isArchived) return false
    } else if (rule !== undefined) {
      const always = rule.includePeers.includes(d.id) || rule.pinnedPeers.includes(d.id)
      if (!always) {
        if (rule.excludePeers.includes(d.id)) return false
        const flag = d.kind === "bot" ? rule.bots
          : d.kind === "channel" ? rule.broadcasts
          : d.kind === "group" || d.kind === "supergroup" ? rule.groups
          : d.kind === "saved" || d.isContact ? rule.contacts
          : rule.nonContacts
        if (!flag) return false
        if (rule.excludeMuted && d.isMuted) return false
        if (rule.excludeRead && d.unreadCount === 0) return false
        if (rule.excludeArchived && d.isArchived) return false
      }
    }
  }
  if (p.isArchived !== null && d.isArchived !== p.isArchived) return false
  if (p.isCreator !== null && d.isCreator !== p.isCreator) return false
  if (p.isVerified !== null && d.isVerified !== p.isVerified) return false
  if (p.hasUsername !== null && Boolean(d.username) !== p.hasUsername) return false
  const last = d.lastMessageDate
  if (p.lastMessageAfter !== null && (last === null || last < p.lastMessageAfter)) return false
  if (p.lastMessageBefore !== null && (last === null || last >= p.lastMessageBefore)) return false
  const created = ["group", "supergroup", "channel"].includes(d.kind) ? d.createdDate : null
  if (p.createdAfter !== null && (created === null || created < p.createdAfter)) return false
  if (p.createdBefore !== null && (created === null || created >= p.createdBefore)) return false
  const messages = account.counts.messages.get(d.id) ?? null
  if (p.minMessages !== null && (messages === null || messages < p.minMessages)) return false
  if (p.maxMessages !== null && (messages === null || messages > p.maxMessages)) return false
  const participants = d.participantsCount ?? account.counts.participants.get(d.id) ?? null
  if (p.minParticipants !== null && (participants === null || participants < p.minParticipants)) return false
  if (p.maxParticipants !== null && (participants === null || participants > p.maxParticipants)) return false
  if (p.query !== null && p.query !== "") {
    if (p.match === "exact") return fold(d.title).includes(fold(p.query))
    return fuzzyScore(p.query, d.title) >= p.minScore
  }
  return true
}

const knownFolder = (p: DialogSearchParams) =>
  p.folder === null || ["0", "2", "work", "personal", "all chats"].includes(p.folder.toLowerCase())

const keyOf = (r: RankedDialog, sort: DialogSort): number | string | null => {
  switch (sort) {
    case "last_message": return r.dialog.lastMessageDate
    case "messages": return r.messageCount
    case "title": return fold(r.dialog.title)
    case "participants": return r.participantsCount
    case "unread": return r.dialog.unreadCount
  }
}

/** a may come before b. */
const inOrder = (a: RankedDialog, b: RankedDialog, p: DialogSearchParams): boolean => {
  if (a.score !== null && b.score !== null && a.score !== b.score) return a.score > b.score
  const ka = keyOf(a, p.sort), kb = keyOf(b, p.sort)
  if (ka !== kb) {
    if (ka === null) return false
    if (kb === null) return true
    return p.order === "asc" ? ka < kb : ka > kb
  }
  // Equal keys: by id (a title sort first compares the titles as written).
  return p.sort === "title" && a.dialog.title !== b.dialog.title ? true : a.dialog.id < b.dialog.id
}

describe("properties", () => {
  const everything = (p: DialogSearchParams) => ({ ...p, offset: 0, limit: 1000 })

  it.prop("total is the number of dialogs matching every filter, and those are the results", [arbAccount, arbParams], ([account, p]) => {
    const result = searchDialogs(account.dialogs, account.folders, account.counts, everything(p))
    expect(Either.isRight(result)).toBe(knownFolder(p))
    if (Either.isLeft(result)) return
    const expected = account.dialogs.filter((d) => oracle(d, p, account)).map((d) => d.id).sort()
    expect(result.right.total).toBe(expected.length)
    expect(result.right.results.map((r) => r.dialog.id).sort()).toEqual(expected)
  })

  it.prop("results are in the requested order, scores first", [arbAccount, arbParams], ([account, p]) => {
    const result = searchDialogs(account.dialogs, account.folders, account.counts, everything(p))
    if (Either.isLeft(result)) return
    const r = result.right.results
    for (let i = 1; i < r.length; i++) expect(inOrder(r[i - 1]!, r[i]!, p)).toBe(true)
    expect(r.every((x) => (p.query ? x.score !== null : x.score === null))).toBe(true)
  })

  it.prop("pages concatenate to the full sorted list", [arbAccount, arbParams], ([account, p]) => {
    const full = searchDialogs(account.dialogs, account.folders, account.counts, everything(p))
    if (Either.isLeft(full)) return
    const pages: Array<RankedDialog> = []
    for (let offset = 0; offset < full.right.total + p.limit; offset += p.limit) {
      const page = Either.getOrThrow(searchDialogs(account.dialogs, account.folders, account.counts, { ...p, offset }))
      expect(page.total).toBe(full.right.total)
      expect(page.results.length).toBeLessThanOrEqual(p.limit)
      pages.push(...page.results)
    }
    expect(pages).toEqual(full.right.results)
  })

  it.prop("type=me is type=saved", [arbAccount, arbParams], ([account, p]) => {
    const withMe = searchDialogs(account.dialogs, account.folders, account.counts, { ...p, types: [...p.types.filter((t) => t !== "saved" && t !== "me"), "me"] })
    const withSaved = searchDialogs(account.dialogs, account.folders, account.counts, { ...p, types: [...p.types.filter((t) => t !== "saved" && t !== "me"), "saved"] })
    expect(withMe).toEqual(withSaved)
  })

  it.prop("counts are asked only for candidates, and only what the filters and sort need", [arbAccount, arbParams], ([account, p]) => {
    const candidates = selectCandidates(account.dialogs, account.folders, p)
    if (Either.isLeft(candidates)) return
    const needed = countsNeeded(candidates.right, p)
    const candidateIds = new Set(candidates.right.map((c) => c.dialog.id))
    expect(needed.messages.every((id) => candidateIds.has(id))).toBe(true)
    expect(needed.participants.every((id) => candidateIds.has(id))).toBe(true)
    if (p.minMessages === null && p.maxMessages === null && p.sort !== "messages") expect(needed.messages).toEqual([])
    if (p.minParticipants === null && p.maxParticipants === null && p.sort !== "participants") expect(needed.participants).toEqual([])
  })
})
