/**
 * The dialog search use case over a fake TelegramGateway that counts its
 * calls: filters, response shape, and Telegram economy (the account cache,
 * counts only for survivors, a few at a time). Runs under the TestClock so
 * the cache TTL can be crossed without waiting.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Layer, TestClock } from "effect"
import { AccountCache, AccountCacheLive, AccountCacheOptionsTag, COUNT_CONCURRENCY } from "../../src/app/AccountCache.js"
import { DialogSearch, DialogSearchLive } from "../../src/app/DialogSearch.js"
import type { DialogRecord, FolderRule } from "../../src/domain/Dialog.js"
import { type DialogSearchParams, defaultDialogSearchParams } from "../../src/domain/DialogFilters.js"
import { type SessionName, validateSessionName } from "../../src/domain/SessionName.js"
import {
  FloodWait,
  PeerNotFound,
  TelegramGateway,
  type TelegramGatewayService
} from "../../src/ports/TelegramGateway.js"
import { dialogRecord } from "../support/DialogRecords.js"

const alice = Either.getOrThrow(validateSessionName("alice")) as SessionName
const T = (s: string) => Date.parse(s.replace(" ", "T") + "Z") / 1000

const dialog = dialogRecord

const NEWS = -1000000003001
const DEVS = -1000000003002
const FAMILY = -2001
const dialogs: ReadonlyArray<DialogRecord> = [
  dialog(1001, { kind: "saved", title: "Saved Messages", lastMessageDate: T("2024-01-01 00:00:00") }),
  dialog(1002, { title: "Bob Builder", isContact: true, unreadCount: 2, lastMessageDate: T("2024-02-01 09:00:00"), lastMessagePreview: "see attached" }),
  dialog(777000, { title: "Telegram", lastMessageDate: T("2024-03-01 00:00:00") }),
  dialog(FAMILY, { kind: "group", title: "Family", isCreator: true, participantsCount: 4, createdDate: T("2020-01-01 10:00:00"), lastMessageDate: T("2024-01-20 00:00:00") }),
  dialog(DEVS, { kind: "supergroup", title: "Dev Chat", participantsCount: null, createdDate: T("2021-06-01 00:00:00"), lastMessageDate: T("2024-01-18 00:00:00") }),
  dialog(NEWS, {
    kind: "channel",
    title: "Crypto News",
    username: "cryptonews",
    isVerified: true,
    isArchived: true,
    unreadCount: 5,
    participantsCount: 45231,
    createdDate: T("2020-03-10 12:00:00"),
    lastMessageDate: T("2024-01-15 14:30:00"),
    lastMessagePreview: "Breaking: Bitcoin hits..."
  })
]
const folders: ReadonlyArray<FolderRule> = [{
  id: 2,
  title: "Work",
  includePeers: [NEWS],
  excludePeers: [],
  pinnedPeers: [],
  contacts: false,
  nonContacts: false,
  groups: true,
  broadcasts: false,
  bots: false,
  excludeMuted: false,
  excludeRead: false,
  excludeArchived: false
}]
const messageCounts: Record<number, number> = { 1001: 12, 1002: 40, [FAMILY]: 300, [DEVS]: 7, [NEWS]: 1523 }

interface Calls {
  dialogs: number
  folders: number
  messageCount: Array<number>
  participantsCount: Array<number>
  maxInFlight: number
}

/** A Telegram account held in memory; `overrides` replace single calls to script failures. */
const fakeTelegram = (overrides: Partial<TelegramGatewayService> = {}) => {
  const calls: Calls = { dialogs: 0, folders: 0, messageCount: [], participantsCount: [], maxInFlight: 0 }
  let inFlight = 0
  const unused = () => Effect.dieMessage("not used by dialog search")
  const service: TelegramGatewayService = {
    account: unused,
    clockOffset: () => Effect.succeed(0),
    forget: () => Effect.void,
    history: unused,
    thread: unused,
    replies: unused,
    topics: unused,
    search: unused,
    searchGlobal: unused,
    download: () => {
      throw new Error("not used by dialog search")
    },
    dialogs: () => Effect.sync(() => (calls.dialogs++, dialogs)),
    folders: () => Effect.sync(() => (calls.folders++, folders)),
    messageCount: (_, id) =>
      Effect.gen(function*() {
        calls.messageCount.push(id)
        calls.maxInFlight = Math.max(calls.maxInFlight, ++inFlight)
        // Let the other lookups start, as a slow network would.
        for (let i = 0; i < 5; i++) yield* Effect.yieldNow()
        inFlight--
        const count = messageCounts[id]
        return count === undefined ? yield* new PeerNotFound({ dialogId: id }) : count
      }),
    participantsCount: (_, id) => Effect.sync(() => (calls.participantsCount.push(id), id === DEVS ? 120 : null)),
    messagesByIds: () => Effect.dieMessage("unused"),
    ...overrides
  }
  const layer = DialogSearchLive.pipe(
    Layer.provideMerge(AccountCacheLive),
    Layer.provide(Layer.succeed(TelegramGateway, service)),
    Layer.provide(Layer.succeed(AccountCacheOptionsTag, { timeToLive: Duration.seconds(60) }))
  )
  return { calls, layer }
}

const search = (p: Partial<DialogSearchParams> = {}) =>
  Effect.flatMap(DialogSearch, (s) => s.search(alice, { ...defaultDialogSearchParams, ...p }))

const ids = (r: { results: ReadonlyArray<{ id: number }> }) => r.results.map((d) => d.id)

describe("DialogSearch", () => {
  it.effect("answers in the contract's shape: ISO dates with +00:00, real message counts, score with a query", () => {
    const { layer } = fakeTelegram()
    return Effect.gen(function*() {
      const page = yield* search({ query: "crypto" })
      expect(page).toEqual({
        total: 1,
        offset: 0,
        limit: 50,
        results: [{
          id: NEWS,
          type: "channel",
          title: "Crypto News",
          username: "cryptonews",
          is_creator: false,
          is_verified: true,
          is_archived: true,
          message_count: 1523,
          unread_count: 5,
          participants_count: 45231,
          last_message_date: "2024-01-15T14:30:00+00:00",
          last_message_preview: "Breaking: Bitcoin hits...",
          created_date: "2020-03-10T12:00:00+00:00",
          is_forum: false,
          score: expect.closeTo(0.8 + 0.2 * 6 / 11, 12)
        }]
      })
      const all = yield* search()
      expect(all.results.every((r) => !("score" in r))).toBe(true)
      expect(ids(all)).toEqual([1002, FAMILY, DEVS, NEWS, 1001])
      expect(all.results.find((r) => r.id === 1001)).toMatchObject({ type: "saved", created_date: null, participants_count: null })
    }).pipe(Effect.provide(layer))
  })

  it.effect("never lists 777000; type=me is Saved Messages", () => {
    const { layer } = fakeTelegram()
    return Effect.gen(function*() {
      expect(ids(yield* search({ limit: 500 }))).not.toContain(777000)
      expect(ids(yield* search({ types: ["me"] }))).toEqual([1001])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a repeated search inside the TTL makes no Telegram call; after it, the list is fetched again", () => {
    const { calls, layer } = fakeTelegram()
    return Effect.gen(function*() {
      const first = yield* search({ folder: "work", sort: "messages" })
      const snapshot = structuredClone(calls)
      expect(snapshot.dialogs).toBe(1)
      expect(snapshot.folders).toBe(1)
      const again = yield* search({ folder: "work", sort: "messages" })
      expect(again).toEqual(first)
      expect(calls).toEqual(snapshot)
      yield* TestClock.adjust(Duration.seconds(61))
      yield* search({ folder: "work", sort: "messages" })
      expect(calls.dialogs).toBe(2)
      expect(calls.folders).toBe(2)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a dialog list refreshed (a new dialog) is fetched again; the folders and the counts stay cached", () => {
    const { calls, layer } = fakeTelegram()
    return Effect.gen(function*() {
      yield* search({ folder: "work", sort: "messages" })
      const snapshot = structuredClone(calls)
      yield* Effect.flatMap(AccountCache, (accounts) => accounts.refreshDialogs(alice))
      yield* search({ folder: "work", sort: "messages" })
      expect(calls).toEqual({ ...snapshot, dialogs: snapshot.dialogs + 1 })
    }).pipe(Effect.provide(layer))
  })

  it.effect("without a count filter or sort, message counts are fetched for the returned page only", () => {
    const { calls, layer } = fakeTelegram()
    return Effect.gen(function*() {
      const page = yield* search({ limit: 2 })
      expect(page.total).toBe(5)
      expect([...calls.messageCount].sort()).toEqual([...ids(page)].sort())
      expect(page.results.map((r) => r.message_count)).toEqual([40, 300])
      expect(calls.folders).toBe(0)
      expect(calls.participantsCount).toEqual([])
    }).pipe(Effect.provide(layer))
  })

  it.effect("message-count filters fetch counts for the survivors of the other filters only", () => {
    const { calls, layer } = fakeTelegram()
    return Effect.gen(function*() {
      const page = yield* search({ types: ["group", "supergroup"], minMessages: 100 })
      expect(ids(page)).toEqual([FAMILY])
      expect([...calls.messageCount].sort()).toEqual([DEVS, FAMILY].sort())
    }).pipe(Effect.provide(layer))
  })

  it.effect("sort=messages orders by the real counts, a few lookups at a time", () => {
    const { calls, layer } = fakeTelegram()
    return Effect.gen(function*() {
      const page = yield* search({ sort: "messages", order: "asc" })
      expect(ids(page)).toEqual([DEVS, 1001, 1002, FAMILY, NEWS])
      expect(calls.messageCount).toHaveLength(5)
      expect(calls.maxInFlight).toBeGreaterThan(1)
      expect(calls.maxInFlight).toBeLessThanOrEqual(COUNT_CONCURRENCY)
    }).pipe(Effect.provide(layer))
  })

  it.effect("participant counts: full chat fetched once, only for groups and channels that lack one", () => {
    const { calls, layer } = fakeTelegram()
    return Effect.gen(function*() {
      const page = yield* search({ minParticipants: 100 })
      expect(ids(page)).toEqual([DEVS, NEWS])
      expect(calls.participantsCount).toEqual([DEVS])
      expect(page.results[0]!.participants_count).toBe(120)
      // A later search without the filter shows the count already learnt, without asking again.
      const plain = yield* search({ types: ["supergroup"] })
      expect(plain.results[0]!.participants_count).toBe(120)
      yield* search({ sort: "participants" })
      expect(calls.participantsCount).toEqual([DEVS])
    }).pipe(Effect.provide(layer))
  })

  it.effect("folders by id or title; an unknown one fails as FolderNotFound", () => {
    const { calls, layer } = fakeTelegram()
    return Effect.gen(function*() {
      expect(ids(yield* search({ folder: "2" })).sort()).toEqual([DEVS, FAMILY, NEWS].sort())
      expect(ids(yield* search({ folder: "WORK" })).sort()).toEqual([DEVS, FAMILY, NEWS].sort())
      expect(ids(yield* search({ folder: "0" }))).not.toContain(NEWS)
      const missing = yield* Effect.flip(search({ folder: "Hobbies" }))
      expect(missing._tag).toBe("FolderNotFound")
      expect(calls.folders).toBe(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("the folder list starts with All Chats", () => {
    const { layer } = fakeTelegram()
    return Effect.gen(function*() {
      const list = yield* Effect.flatMap(DialogSearch, (s) => s.folders(alice))
      expect(list).toEqual([
        { id: 0, title: "All Chats", is_default: true },
        { id: 2, title: "Work", is_default: false }
      ])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a dialog Telegram will not count has a null count; the search still answers", () => {
    const { layer } = fakeTelegram({
      messageCount: (_, id) => (id === NEWS ? Effect.fail(new PeerNotFound({ dialogId: id })) : Effect.succeed(messageCounts[id]!))
    })
    return Effect.gen(function*() {
      const page = yield* search({ sort: "messages" })
      expect(page.results.at(-1)).toMatchObject({ id: NEWS, message_count: null })
      expect(ids(yield* search({ minMessages: 0 }))).not.toContain(NEWS)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a rate limit fails the search with FloodWait and is not cached", () => {
    let floods = 1
    const { calls, layer } = fakeTelegram({
      dialogs: () =>
        floods-- > 0 ? Effect.fail(new FloodWait({ seconds: 42, method: "messages.GetDialogs" })) : Effect.succeed(dialogs)
    })
    return Effect.gen(function*() {
      const error = yield* Effect.flip(search())
      expect(error).toEqual(new FloodWait({ seconds: 42, method: "messages.GetDialogs" }))
      expect((yield* search()).total).toBe(5)
      expect(calls.messageCount.length).toBeGreaterThan(0)
    }).pipe(Effect.provide(layer))
  })
})
