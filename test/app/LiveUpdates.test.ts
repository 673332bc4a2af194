/**
 * LiveUpdates over fakes at the Telegram ports with the real SQLite caches
 * and update log: what arrives, in what order, what a resume gets (also
 * across a restart with changes made meanwhile), holes and too-long answers
 * closed by the difference, retention, two accounts kept apart, what the
 * caches hold afterwards, and the media of new messages resolved before
 * they are told.
 */
import * as fs from "node:fs/promises"
import { Effect, Exit, Option, Ref, Stream } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { HistorySync } from "../../src/app/HistorySync.js"
import { LiveUpdates } from "../../src/app/LiveUpdates.js"
import { everything } from "../../src/domain/AccessScope.js"
import { AccountId, DialogId, MessageId } from "../../src/domain/Ids.js"
import type { SessionName } from "../../src/domain/SessionName.js"
import { mediaDirectory } from "../../src/adapters/sqlite/DialogLayout.js"
import { MediaIndex } from "../../src/ports/MediaIndex.js"
import { MessageStore } from "../../src/ports/MessageStore.js"
import type { LoggedEvent } from "../../src/ports/UpdateLog.js"
import { message, photo } from "../adapters/sqlite/MessageFixtures.js"
import { makeWorld, type World } from "./LiveUpdatesSetup.js"
import { historyRequest } from "./HistorySyncSetup.js"

const CHANNEL = -1001234567890
const CHAT = 1002
const T = 1_700_000_000
/** The account has the channel and the chat before it is followed. */
const known = { dialogs: [CHANNEL, CHAT] }

const data = (e: LoggedEvent) => JSON.parse(e.data) as Record<string, unknown>
const summary = (events: ReadonlyArray<LoggedEvent>) =>
  events.map((e) => {
    const d = data(e)
    return `${e.kind}:${d["dialog_id"]}:${d["message_id"] ?? (d["message_ids"] as Array<number>).join(",")}${d["message"] === undefined ? "" : `:${d["message"]}`}`
  })

let world: World | null = null
afterEach(async () => {
  await world?.close()
  world = null
})

describe("LiveUpdates", () => {
  it("tells new, edited and deleted messages in order, with ids growing by one, in the contract's shapes", async () => {
    world = await makeWorld(known)
    world.start()
    await world.caughtUp("alice")
    const taken = world.take("alice", 4)
    await new Promise((r) => setTimeout(r, 100))
    world.updates.post("alice", CHANNEL, message(1, T, { text: "hello" }))
    world.updates.post("alice", CHAT, message(500, T + 1, { text: "hi" }))
    world.updates.edit("alice", CHANNEL, 1, "hello, edited")
    world.updates.remove("alice", CHAT, [500])
    const events = await taken
    expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4])
    expect(summary(events)).toEqual([
      `new_message:${CHANNEL}:1:hello`,
      `new_message:${CHAT}:500:hi`,
      `edit_message:${CHANNEL}:1:hello, edited`,
      "delete_messages:null:500"
    ])
    const first = data(events[0]!)
    expect(Object.keys(first).slice(0, 3)).toEqual(["dialog_id", "message_id", "date"])
    expect(first).toMatchObject({ date: "2023-11-14 22:13:20", media_uuid: null, reactions: [], topic_id: null })
  })

  it("resumes exactly after an event id, also after a restart with changes made while it was down", async () => {
    world = await makeWorld(known)
    world.start()
    await world.caughtUp("alice")
    world.updates.post("alice", CHANNEL, message(1, T))
    world.updates.post("alice", CHANNEL, message(2, T + 1))
    const before = await world.take("alice", 2, { since: 0 })
    expect(before.map((e) => e.id)).toEqual([1, 2])
    await world.stop()
    // While down: nobody hears the pushes; the difference has them.
    world.updates.post("alice", CHANNEL, message(3, T + 2))
    world.updates.edit("alice", CHANNEL, 2, "edited while down")
    world.updates.post("alice", CHAT, message(700, T + 3))
    world.updates.remove("alice", CHANNEL, [1])
    world.start()
    const after = await world.take("alice", 4, { since: 2 })
    expect(after.map((e) => e.id)).toEqual([3, 4, 5, 6])
    // The common box and the channel are each in order; the channel's four changes in theirs.
    const channel = summary(after).filter((s) => s.includes(`:${CHANNEL}:`))
    expect(channel).toEqual([`new_message:${CHANNEL}:3:message 3`, `edit_message:${CHANNEL}:2:edited while down`, `delete_messages:${CHANNEL}:1`])
    expect(summary(after)).toContain(`new_message:${CHAT}:700:message 700`)
    // Once more from the start: the same events, none twice.
    const all = await world.take("alice", 6, { since: 0 })
    expect(all.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6])
  })

  it("closes a hole (dropped pushes) and a too-long answer with the difference before anything newer", async () => {
    world = await makeWorld(known)
    // The account is in the channel before it is first followed: its position comes with the dialogs.
    world.updates.post("alice", CHANNEL, message(0, T - 1))
    world.start()
    await world.caughtUp("alice")
    world.updates.dropPushes = true
    world.updates.post("alice", CHAT, message(10, T))
    world.updates.post("alice", CHANNEL, message(1, T))
    world.updates.dropPushes = false
    // The next pushes skip a pts: the loop asks for the difference first.
    world.updates.post("alice", CHAT, message(11, T + 1))
    world.updates.post("alice", CHANNEL, message(2, T + 1))
    const events = await world.take("alice", 4, { since: 0 })
    const ofChat = summary(events).filter((s) => s.includes(`:${CHAT}:`))
    const ofChannel = summary(events).filter((s) => s.includes(`:${CHANNEL}:`))
    expect(ofChat).toEqual([`new_message:${CHAT}:10:message 10`, `new_message:${CHAT}:11:message 11`])
    expect(ofChannel).toEqual([`new_message:${CHANNEL}:1:message 1`, `new_message:${CHANNEL}:2:message 2`])
    expect(world.updates.calls.some((c) => c.startsWith("channelDifference:alice"))).toBe(true)
    // updatesTooLong: the difference again.
    world.updates.dropPushes = true
    world.updates.post("alice", CHAT, message(12, T + 2))
    world.updates.dropPushes = false
    world.updates.push("alice", { _tag: "TooLong" })
    const more = await world.take("alice", 1, { since: 4 })
    expect(summary(more)).toEqual([`new_message:${CHAT}:12:message 12`])
  })

  it("tells every message of a channel's gap Telegram answers too long for, from its history, once and in order", async () => {
    world = await makeWorld(known)
    world.updates.channelDifferenceLimit = 100
    world.updates.post("alice", CHANNEL, message(1, T))
    world.start()
    await world.caughtUp("alice")
    world.updates.post("alice", CHANNEL, message(2, T + 1))
    expect((await world.take("alice", 1, { since: 0 })).map((e) => e.id)).toEqual([1])
    await world.stop()
    // 250 messages while down (more than a difference tells), one of them edited, one deleted: its history has the rest.
    for (let i = 3; i <= 252; i++) world.updates.post("alice", CHANNEL, message(i, T + i))
    world.updates.edit("alice", CHANNEL, 10, "edited while down")
    world.updates.remove("alice", CHANNEL, [20])
    world.start()
    const gap = await world.take("alice", 249, { since: 1 })
    expect(summary(gap)).toEqual(Array.from({ length: 250 }, (_, k) => k + 3).filter((id) => id !== 20)
      .map((id) => `new_message:${CHANNEL}:${id}:${id === 10 ? "edited while down" : `message ${id}`}`))
    expect(world.updates.calls.some((c) => c.startsWith(`channelDifference:alice:${CHANNEL}`))).toBe(true)
    // Then the sequence goes on from where the too-long answer left it: the next message once, nothing before it again.
    world.updates.post("alice", CHANNEL, message(253, T + 253))
    const next = await world.take("alice", 1, { since: 250 })
    expect(summary(next)).toEqual([`new_message:${CHANNEL}:253:message 253`])
    expect((await world.take("alice", 251, { since: 0 })).map((e) => e.id)).toEqual(Array.from({ length: 251 }, (_, k) => k + 1))
  })

  it("tells a dialog new to the account (also one that came while down) by a dialog event before its first message", async () => {
    world = await makeWorld(known)
    world.start()
    await world.caughtUp("alice")
    const NEW_CHAT = 1777
    const NEW_CHANNEL = -1009999999999
    world.updates.post("alice", NEW_CHAT, message(900, T, { text: "hello, stranger" }))
    world.updates.post("alice", NEW_CHAT, message(901, T + 1, { text: "again" }))
    world.updates.post("alice", CHAT, message(902, T + 2, { text: "a known chat" }))
    const events = await world.take("alice", 4, { since: 0 })
    expect(events.map((e) => `${e.kind}:${e.dialogId}`)).toEqual([
      `dialog:${NEW_CHAT}`,
      `new_message:${NEW_CHAT}`,
      `new_message:${NEW_CHAT}`,
      `new_message:${CHAT}`
    ])
    expect(data(events[0]!)).toEqual({
      dialog_id: NEW_CHAT,
      id: NEW_CHAT,
      type: "user",
      title: `Dialog ${NEW_CHAT}`,
      username: null,
      is_creator: false,
      is_verified: false,
      is_archived: false,
      message_count: null,
      unread_count: 0,
      participants_count: null,
      last_message_date: null,
      last_message_preview: null,
      created_date: null,
      is_forum: false
    })
    // While down: a channel joined (its messages before are its history) and a new private chat; after the restart each
    // is told as new once, the first chat is not told again, and the channel's next message follows.
    await world.stop()
    const OTHER_CHAT = 1888
    world.updates.post("alice", NEW_CHANNEL, message(1, T + 3, { text: "welcome" }))
    world.updates.post("alice", NEW_CHAT, message(903, T + 4, { text: "still here" }))
    world.updates.post("alice", OTHER_CHAT, message(904, T + 5, { text: "me too" }))
    world.start()
    const after = await world.take("alice", 4, { since: 4 })
    expect(after.map((e) => `${e.kind}:${e.dialogId}`)).toEqual([
      `new_message:${NEW_CHAT}`,
      `dialog:${OTHER_CHAT}`,
      `new_message:${OTHER_CHAT}`,
      `dialog:${NEW_CHANNEL}`
    ])
    expect(data(after[3]!)).toMatchObject({ dialog_id: NEW_CHANNEL, type: "channel" })
    world.updates.post("alice", NEW_CHANNEL, message(2, T + 6, { text: "news" }))
    expect(summary(await world.take("alice", 1, { since: 8 }))).toEqual([`new_message:${NEW_CHANNEL}:2:news`])
  })

  it("answers a resume from before the retention with the oldest id kept, and one from an id never given", async () => {
    world = await makeWorld({ ...known, retention: { maxAgeSeconds: 3600, maxEvents: 3 } })
    world.start()
    await world.caughtUp("alice")
    for (let i = 1; i <= 5; i++) world.updates.post("alice", CHAT, message(i, T + i))
    await world.caughtUp("alice")
    const open = (since: number) =>
      world!.exit(Effect.scoped(Effect.flatMap(LiveUpdates, (l) =>
        l.open("alice" as SessionName, { since, dialogIds: null, folder: null, scope: everything }))))
    const gone = await open(0)
    expect(Exit.isFailure(gone) && JSON.stringify(gone.cause)).toContain("EventsGone")
    expect(Exit.isFailure(gone) && String((gone.cause as { error?: { message?: string } }).error?.message)).toContain("oldest available event id is 3")
    expect(summary(await world.take("alice", 3, { since: 2 })).map((s) => s.split(":")[2])).toEqual(["3", "4", "5"])
    const unknown = await open(99)
    expect(Exit.isFailure(unknown) && JSON.stringify(unknown.cause)).toContain("UnknownEventId")
  })

  it("keeps two accounts apart", async () => {
    world = await makeWorld(known)
    world.history.accounts.set("bob", 2002)
    world.start()
    await world.caughtUp("alice")
    await world.caughtUp("bob", 2002)
    world.updates.post("alice", CHAT, message(1, T, { text: "for alice" }))
    world.updates.post("bob", CHAT, message(1, T, { text: "for bob" }))
    world.updates.post("bob", CHAT, message(2, T, { text: "for bob too" }))
    const alice = await world.take("alice", 1, { since: 0 })
    const bob = await world.take("bob", 2, { since: 0 })
    expect(summary(alice)).toEqual([`new_message:${CHAT}:1:for alice`])
    expect(summary(bob)).toEqual([`new_message:${CHAT}:1:for bob`, `new_message:${CHAT}:2:for bob too`])
    await world.caughtUp("alice")
    const more = await world.run(Effect.flatMap(LiveUpdates, (l) =>
      l.page("alice" as SessionName, { since: 0, dialogIds: null, folder: null, scope: everything }, 10)))
    expect(more.events.length).toBe(1)
  })

  it("applies edits and deletions to a cache, and writes new messages to it, covering up to them once it may", async () => {
    world = await makeWorld(known)
    world.history.set(CHANNEL, [message(1, T - 100), message(2, T - 50)])
    world.start()
    await world.caughtUp("alice")
    // A history request creates the cache (covered up to now, Telegram's settled time).
    const key = { accountId: AccountId(1001), dialogId: DialogId(CHANNEL) }
    await world.run(Effect.flatMap(MessageStore, (s) =>
      s.commitPage(key, { messages: [message(1, T - 100), message(2, T - 50)], covers: { start: 0, end: T - 10 }, replace: null })))
    world.updates.post("alice", CHANNEL, message(3, T))
    world.updates.post("alice", CHANNEL, message(4, T + 5))
    world.updates.edit("alice", CHANNEL, 1, "edited")
    world.updates.remove("alice", CHANNEL, [2])
    await world.take("alice", 4, { since: 0 })
    const cached = await world.run(Effect.flatMap(MessageStore, (s) =>
      s.read(key, { after: { date: 0, id: 0 }, bound: T + 100, order: "asc", limit: 100 })))
    expect(cached.map((m) => [m.message.id, m.message.text])).toEqual([[1, "edited"], [3, "message 3"], [4, "message 4"]])
    // The first live message starts the cache's mark (T + 1); the covered history ends before it: nothing claimed.
    expect(await world.run(Effect.flatMap(MessageStore, (s) => s.covered(key)))).toEqual([{ start: 0, end: T - 10 }])
    // Once the covered history reaches the mark, each new message extends it to its own second.
    await world.run(Effect.flatMap(MessageStore, (s) =>
      s.commitPage(key, { messages: [], covers: { start: T - 10, end: T + 2 }, replace: null })))
    world.updates.post("alice", CHANNEL, message(5, T + 9))
    await world.take("alice", 1, { since: 4 })
    expect(await world.run(Effect.flatMap(MessageStore, (s) => s.covered(key)))).toEqual([{ start: 0, end: T + 9 }])
  })

  it("resolves a new cached message's media before telling it, as history would; a failed download is retried by history", async () => {
    world = await makeWorld()
    world.history.set(CHANNEL, [message(1, T - 100)])
    world.start()
    await world.caughtUp("alice")
    const key = { accountId: AccountId(1001), dialogId: DialogId(CHANNEL) }
    await world.run(Effect.flatMap(MessageStore, (s) =>
      s.commitPage(key, { messages: [message(1, T - 100)], covers: { start: 0, end: T - 10 }, replace: null })))
    world.history.failDownloadOnce.set("p3", "FILE_ID_INVALID")
    world.updates.post("alice", CHANNEL, message(2, T, { media: photo("p2", 5000) }))
    world.updates.post("alice", CHANNEL, message(3, T + 1, { media: photo("p3", 6000) }))
    const events = (await world.take("alice", 2, { since: 0 })).map(data)
    const cachedMedia = async () => (await world!.run(Effect.flatMap(MessageStore, (s) =>
      s.read(key, { after: { date: 0, id: 0 }, bound: T + 100, order: "asc", limit: 100 })))).flatMap((m) => m.media === null ? [] : [m.media])
    // Both fetched before they were told (in order, one each), and told with the fields the cache gives history.
    expect(world.history.downloads.map((l) => JSON.parse(l).file)).toEqual(["p2", "p3"])
    const [downloaded, failed] = await cachedMedia()
    expect(downloaded).toMatchObject({ messageId: 2, status: "downloaded" })
    expect(failed).toMatchObject({ messageId: 3, status: "failed", reason: "Telegram answered 400 FILE_ID_INVALID" })
    expect(events.map((e) => [e["message_id"], e["media_type"], e["media_uuid"], e["media_size"]])).toEqual([
      [2, "MessageMediaPhoto", downloaded!.uuid, 5000],
      [3, "MessageMediaPhoto", failed!.uuid, 6000]
    ])
    // The next history request serving the failed one fetches it again.
    await world.run(Effect.flatMap(HistorySync, (h) => Stream.runDrain(h.stream(historyRequest({ dialogId: CHANNEL })))))
    expect(world.history.downloads.map((l) => JSON.parse(l).file)).toEqual(["p2", "p3", "p3"])
    expect((await cachedMedia()).map((m) => [m.uuid, m.status])).toEqual([[downloaded!.uuid, "downloaded"], [failed!.uuid, "downloaded"]])
    // Deleted live: its file and its index entry are forgotten, as history forgets them.
    const indexed = (uuid: string) => world!.run(Effect.flatMap(MediaIndex, (index) =>
      Effect.map(index.get(AccountId(1001), uuid), Option.isSome)) as unknown as Effect.Effect<boolean>)
    const file = mediaDirectory(world.dir, 1001, CHANNEL)
    expect(await indexed(downloaded!.uuid)).toBe(true)
    expect(await fs.readdir(file)).toContain(downloaded!.storedName)
    world.updates.remove("alice", CHANNEL, [2])
    await world.take("alice", 1, { since: 2 })
    expect(await indexed(downloaded!.uuid)).toBe(false)
    expect(await fs.readdir(file)).not.toContain(downloaded!.storedName)
    expect(await indexed(failed!.uuid)).toBe(true)
  })

  /** A followed world (also kept in `world`, for the cleanup) whose private chat CHAT holds messages 500 and 501, cached. */
  const followedCachedChat = async () => {
    const followed = world = await makeWorld()
    followed.history.set(CHAT, [message(500, T - 100), message(501, T - 50)])
    followed.start()
    await followed.caughtUp("alice")
    const key = { accountId: AccountId(1001), dialogId: DialogId(CHAT) }
    await followed.run(Effect.flatMap(MessageStore, (s) =>
      s.commitPage(key, { messages: [message(500, T - 100), message(501, T - 50)], covers: { start: 0, end: T - 10 }, replace: null })))
    return { world: followed, key }
  }

  it("names the dialog of a private chat's deletion that arrives after a history refresh found the message gone", async () => {
    const { world, key } = await followedCachedChat()
    // A history request reads the range again before Telegram's deletion reaches the loop: 500 is no longer there.
    await world.run(Effect.flatMap(MessageStore, (s) =>
      s.commitPage(key, { messages: [message(501, T - 50)], covers: { start: 0, end: T - 10 }, replace: { start: 0, end: T - 10 } })))
    world.updates.remove("alice", CHAT, [500])
    expect(summary(await world.take("alice", 1, { since: 0 }))).toEqual([`delete_messages:${CHAT}:500`])
  })

  it("names the dialog of a private chat's deletion applied again after a crash, though its cache had dropped the message already", async () => {
    const { world, key } = await followedCachedChat()
    await world.stop()
    // The crash: the deletion reached the cache, the process died before the log's commit (Telegram has it in the difference).
    world.updates.remove("alice", CHAT, [500])
    Effect.runSync(Ref.update(world.settings, (s) => ({ ...s, follow_updates: false })))
    world.start()
    await world.run(Effect.flatMap(MessageStore, (s) => s.applyLive(key, { _tag: "Delete", ids: [MessageId(500)] })))
    Effect.runSync(Ref.update(world.settings, (s) => ({ ...s, follow_updates: true })))
    expect(summary(await world.take("alice", 1, { since: 0 }))).toEqual([`delete_messages:${CHAT}:500`])
  })
})
