/**
 * The update machinery (Updates.ts, handlers/updates.ts) without a network:
 * getState moves with every new message (1), edit (1) and deletion (n) of
 * the account's private chats and basic groups, not with channel posts;
 * getDifference gives exactly the changes since a pts (sliced, or too long
 * when asked or when the log no longer reaches back), with channel hints
 * instead of channel messages; getChannelDifference the channel's; pushes
 * go to the sessions of the accounts that see the dialog and to no other;
 * the update faults.
 */
import bigInt from "big-integer"
import { Api } from "telegram"
import { describe, expect, it } from "vitest"
import { accessHash } from "../emulator/AccountView.js"
import { ScenarioError } from "../emulator/RpcContext.js"
import type { World } from "../emulator/World.js"
import { type Caller, caller, loggedIn, outcome, sampleWorld } from "./WorldHarness.js"

const state = (c: Caller) => c.call(new Api.updates.GetState())

const difference = (c: Caller, s: { pts: number; date: number }, extra: { ptsTotalLimit?: number } = {}) =>
  c.call(new Api.updates.GetDifference({ pts: s.pts, date: s.date, qts: 0, ...extra }))

const channel = (userId: number, id: number) => new Api.InputChannel({ channelId: bigInt(id), accessHash: accessHash(userId, "channel", id) })

const channelDifference = (c: Caller, userId: number, id: number, pts: number, limit = 100) =>
  c.call(new Api.updates.GetChannelDifference({ channel: channel(userId, id), filter: new Api.ChannelMessagesFilterEmpty(), pts, limit }))

/** Posts a text to account 1001's chat with Bob (1002's copy is another dialog). */
const postToBob = (world: World, text: string) =>
  world.appendMessages([{ peer: "user:1002", owner: 1001, from: "user:1002", text }])

const topId = (world: World, peer: string, owner: number | null) => {
  const [kind, id] = peer.split(":") as ["user" | "chat" | "channel", string]
  return world.timelineOf({ kind, id: Number(id) }, owner)!.topId
}

const summary = (d: Api.updates.TypeDifference) => {
  if (d.className !== "updates.Difference" && d.className !== "updates.DifferenceSlice") return d.className
  return {
    kind: d.className,
    new: d.newMessages.map((m) => (m as Api.Message).message),
    other: d.otherUpdates.map((u) =>
      u.className === "UpdateEditMessage" ? `edit ${(u.message as Api.Message).message} ${u.pts}/${u.ptsCount}`
      : u.className === "UpdateDeleteMessages" ? `delete ${u.messages.join(",")} ${u.pts}/${u.ptsCount}`
      : u.className === "UpdateChannelTooLong" ? `channel ${u.channelId} ${u.pts}`
      : u.className
    )
  }
}

describe("update state and differences of the common box", () => {
  it("getState moves 1 per new message and edit, n per deletion, not for channel posts; getDifference gives exactly those", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const s0 = await state(alice)
    expect(s0.pts).toBeGreaterThan(1)
    expect(await difference(alice, s0)).toBeInstanceOf(Api.updates.DifferenceEmpty)

    postToBob(world, "one")
    postToBob(world, "two")
    const two = topId(world, "user:1002", 1001)
    world.appendMessages([{ peer: "user:1002", owner: 1001, id: two, text: "two, edited" }])
    world.appendMessages([{ peer: "chat:2001", owner: 1001, from: "user:1003", text: "in the group" }])
    expect(world.deleteMessages({ peer: "user:1002", owner: 1001, ids: [1, 2] })).toBe(2)
    world.appendMessages([{ peer: "channel:3001", text: "a channel post" }])
    const s1 = await state(alice)
    expect(s1.pts).toBe(s0.pts + 1 + 1 + 1 + 1 + 2)

    const d = await difference(alice, s0)
    expect(summary(d)).toEqual({
      kind: "updates.Difference",
      new: ["one", "two, edited", "in the group"],
      other: [`delete 1,2 ${s1.pts}/2`, `channel 3001 ${world.updates.channelPts(3001)}`]
    })
    const full = d as Api.updates.Difference
    expect(full.state.pts).toBe(s1.pts)
    // The entities of what it carries, with this account's access hashes.
    expect(full.chats.map((c) => `${c.className}:${c.id}`)).toEqual(["Chat:2001", "Channel:3001"])
    expect((full.chats[1] as Api.Channel).accessHash!.equals(accessHash(1001, "channel", 3001))).toBe(true)
    expect(full.users.map((u) => Number(u.id))).toContain(1002)

    // From the middle: only what came after; the edit alone when its message was given before.
    const afterOne = s0.pts + 1
    expect(summary(await difference(alice, { pts: afterOne + 1, date: s1.date + 1 }))).toEqual({
      kind: "updates.Difference",
      new: ["in the group"],
      other: [`edit two, edited ${afterOne + 2}/1`, `delete 1,2 ${s1.pts}/2`]
    })
    expect(await difference(alice, { pts: s1.pts, date: s1.date + 1 })).toBeInstanceOf(Api.updates.DifferenceEmpty)
  })

  it("slices past difference_limit, and answers too long for an old pts, pts_total_limit or the fault", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const s0 = await state(alice)
    expect(world.updateSettings({ difference_limit: 2 })).toMatchObject({ difference_limit: 2 })
    for (const text of ["a", "b", "c", "d", "e"]) postToBob(world, text)
    const texts: Array<string> = []
    let at = { pts: s0.pts, date: s0.date }
    for (let i = 0; i < 3; i++) {
      const d = await difference(alice, at)
      if (d.className === "updates.DifferenceSlice") {
        expect(i).toBeLessThan(2)
        at = d.intermediateState
      } else {
        expect([i, d.className]).toEqual([2, "updates.Difference"])
      }
      texts.push(...(d as Api.updates.Difference).newMessages.map((m) => (m as Api.Message).message))
    }
    expect(texts).toEqual(["a", "b", "c", "d", "e"])
    expect(at.pts).toBe(s0.pts + 4)

    expect(summary(await difference(alice, s0, { ptsTotalLimit: 3 }))).toBe("updates.DifferenceTooLong")
    world.addUpdateFaults({ difference_too_long: 1, user_id: 1001 })
    const forced = await difference(alice, { pts: s0.pts + 5, date: s0.date })
    expect(forced).toEqual(expect.objectContaining({ className: "updates.DifferenceTooLong", pts: s0.pts + 5 }))
    expect(await difference(alice, { pts: s0.pts + 5, date: s0.date + 1000 })).toBeInstanceOf(Api.updates.DifferenceEmpty)

    world.updateSettings({ retention: 3 })
    expect(summary(await difference(alice, s0))).toBe("updates.DifferenceTooLong")
    expect(summary(await difference(alice, { pts: s0.pts + 2, date: s0.date }))).toMatchObject({ new: ["c", "d"] })
    expect(world.updateSettings({ retention: -1 })).toMatch(/retention/)
    expect(() => world.addUpdateFaults({ difference_too_long: 1 })).toThrow(ScenarioError)
  })
})

describe("channel differences", () => {
  it("gives the channel's new messages, edits and deletions after a pts, in pages of limit, or too long", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const pts0 = world.updates.channelPts(3001)
    const empty = await channelDifference(alice, 1001, 3001, pts0)
    expect(empty).toEqual(expect.objectContaining({ className: "updates.ChannelDifferenceEmpty", pts: pts0, final: true }))

    world.appendMessages([{ peer: "channel:3001", text: "p1" }, { peer: "channel:3001", text: "p2" }])
    const p2 = topId(world, "channel:3001", null)
    world.appendMessages([{ peer: "channel:3001", id: p2, text: "p2 edited" }])
    world.deleteMessages({ peer: "channel:3001", id: p2 - 1 })
    const d = await channelDifference(alice, 1001, 3001, pts0) as Api.updates.ChannelDifference
    expect(d.className).toBe("updates.ChannelDifference")
    expect([d.final, d.pts]).toEqual([true, pts0 + 4])
    expect(d.newMessages.map((m) => (m as Api.Message).message)).toEqual(["p2 edited"])
    expect(d.otherUpdates.map((u) => u.className)).toEqual(["UpdateDeleteChannelMessages"])
    expect((d.otherUpdates[0] as Api.UpdateDeleteChannelMessages).messages).toEqual([p2 - 1])

    // limit 2 of 3 changes (one new message waiting): not final.
    const partial = await channelDifference(alice, 1001, 3001, pts0 + 1, 2) as Api.updates.ChannelDifference
    expect([partial.className, partial.final, partial.pts]).toEqual(["updates.ChannelDifference", false, pts0 + 3])
    // More new messages waiting than limit: too long, with the dialog's pts and the latest messages.
    world.appendMessages([{ peer: "channel:3001", text: "p3" }, { peer: "channel:3001", text: "p4" }])
    const long = await channelDifference(alice, 1001, 3001, pts0 + 4, 1)
    expect(long.className).toBe("updates.ChannelDifferenceTooLong")
    const tooLong = long as Api.updates.ChannelDifferenceTooLong
    expect((tooLong.dialog as Api.Dialog).pts).toBe(pts0 + 6)
    expect((tooLong.messages[0] as Api.Message).message).toBe("p4")

    world.addUpdateFaults({ channel_difference_too_long: "channel:3001" })
    expect((await channelDifference(alice, 1001, 3001, pts0 + 6)).className).toBe("updates.ChannelDifferenceTooLong")
    expect((await channelDifference(alice, 1001, 3001, pts0 + 6)).className).toBe("updates.ChannelDifferenceEmpty")

    // Older than the kept log.
    world.updateSettings({ retention: 2 })
    expect((await channelDifference(alice, 1001, 3001, pts0 + 3)).className).toBe("updates.ChannelDifferenceTooLong")
    expect((await channelDifference(alice, 1001, 3001, pts0 + 4)).className).toBe("updates.ChannelDifference")

    world.kick({ user_id: 1001, peer: "channel:3001" })
    expect(await outcome(channelDifference(alice, 1001, 3001, pts0))).toBe("400 CHANNEL_PRIVATE")
  })
})

describe("pushes", () => {
  it("go to the sessions of the account that sees the dialog, as Telegram sends them, and never to another account", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const bob = await loggedIn(world, 1002)
    await state(bob)
    const s0 = await state(alice)
    // The login's UpdateLoginToken.
    alice.pushed.length = 0
    bob.pushed.length = 0
    postToBob(world, "hello")
    world.appendMessages([{ peer: "chat:2002", owner: 1001, from: "user:1003", text: "group hi" }])
    world.appendMessages([{ peer: "channel:3001", text: "news" }])
    world.appendMessages([{ peer: "user:1002", owner: 1001, id: topId(world, "user:1002", 1001), text: "hello!" }])
    expect(bob.pushed).toEqual([])
    const [short, chat, post, edit] = alice.pushed
    expect(short).toBeInstanceOf(Api.UpdateShortMessage)
    expect(short).toMatchObject({ message: "hello", pts: s0.pts + 1, ptsCount: 1, out: false })
    expect(Number((short as Api.UpdateShortMessage).userId)).toBe(1002)
    expect(chat).toBeInstanceOf(Api.UpdateShortChatMessage)
    expect(chat).toMatchObject({ message: "group hi", pts: s0.pts + 2, ptsCount: 1 })
    const postUpdate = (post as Api.Updates).updates[0] as Api.UpdateNewChannelMessage
    expect(postUpdate).toMatchObject({ className: "UpdateNewChannelMessage", pts: world.updates.channelPts(3001), ptsCount: 1 })
    expect((post as Api.Updates).chats.map((c) => Number(c.id))).toEqual([3001])
    expect((edit as Api.Updates).updates[0]).toMatchObject({ className: "UpdateEditMessage", pts: s0.pts + 3, ptsCount: 1 })

    // Bob's channel 3002: both members get it, each with their own access hash.
    world.appendMessages([{ peer: "channel:3002", from: "user:1002", text: "rust 2" }])
    const [forAlice, forBob] = [alice.pushed.at(-1), bob.pushed.at(-1)] as Array<Api.Updates>
    const hash = (u: Api.Updates) => (u.chats[0] as Api.Channel).accessHash!.toString()
    expect(hash(forAlice!)).toBe(accessHash(1001, "channel", 3002).toString())
    expect(hash(forBob!)).toBe(accessHash(1002, "channel", 3002).toString())
    expect(bob.pushed).toHaveLength(1)

    // Removed from a channel: updateChannel (seq-ordered), then none of its posts.
    const bobBefore = await state(bob)
    world.kick({ user_id: 1002, peer: "channel:3002" })
    const kicked = bob.pushed.at(-1) as Api.Updates
    expect(kicked.updates[0]!.className).toBe("UpdateChannel")
    expect(kicked.chats[0]!.className).toBe("ChannelForbidden")
    expect(kicked.seq).toBe(bobBefore.seq + 1)
    expect(kicked.seq).toBe((await state(bob)).seq)
    world.appendMessages([{ peer: "channel:3002", from: "user:1001", text: "rust 3" }])
    expect(bob.pushed).toHaveLength(2)
    // A client that missed it learns it from getDifference; no hint of the channel's posts any more.
    const missed = await difference(bob, bobBefore) as Api.updates.Difference
    expect(missed.otherUpdates.map((u) => u.className)).toEqual(["UpdateChannel"])
    expect(missed.chats.map((c) => c.className)).toEqual(["ChannelForbidden"])
    expect(missed.state.seq).toBe(bobBefore.seq + 1)
    world.kick({ user_id: 1002, peer: "channel:3002" }, true)
    expect(((bob.pushed.at(-1) as Api.Updates).chats[0] as Api.Channel).className).toBe("Channel")

    // Deletion pushes with n.
    world.deleteMessages({ peer: "channel:3001", ids: [1, 2, 999999] })
    const deletion = (alice.pushed.at(-1) as Api.Updates).updates[0] as Api.UpdateDeleteChannelMessages
    expect([deletion.className, deletion.messages, deletion.ptsCount]).toEqual(["UpdateDeleteChannelMessages", [1, 2], 2])
  })

  it("faults: dropped pushes (found again by getDifference), a channel hole, updatesTooLong", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const s0 = await state(alice)
    alice.pushed.length = 0
    world.addUpdateFaults({ drop_pushes: 1, user_id: 1001 })
    postToBob(world, "lost")
    postToBob(world, "seen")
    expect(alice.pushed.map((u) => (u as Api.UpdateShortMessage).message)).toEqual(["seen"])
    expect(summary(await difference(alice, s0))).toMatchObject({ new: ["lost", "seen"] })

    const pts = world.updates.channelPts(3001)
    world.addUpdateFaults({ channel_hole: "channel:3001" })
    world.appendMessages([{ peer: "channel:3001", text: "held" }, { peer: "channel:3001", text: "after" }])
    const pushed = alice.pushed.at(-1) as Api.Updates
    expect(alice.pushed).toHaveLength(2)
    expect(pushed.updates[0]).toMatchObject({ pts: pts + 2, ptsCount: 1 })
    const filled = await channelDifference(alice, 1001, 3001, pts) as Api.updates.ChannelDifference
    expect(filled.newMessages.map((m) => (m as Api.Message).message)).toEqual(["held", "after"])

    world.addUpdateFaults({ updates_too_long: true, user_id: 1001 })
    expect(alice.pushed.at(-1)).toBeInstanceOf(Api.UpdatesTooLong)
    expect(() => world.addUpdateFaults({ drop_pushes: 0 })).toThrow(/drop_pushes/)
    expect(() => world.addUpdateFaults({ channel_hole: "chat:2001" })).toThrow(/channel_hole/)
    expect(() => world.addUpdateFaults({ nonsense: 1 })).toThrow(/unknown field/)
    expect(() => world.addUpdateFaults({})).toThrow(/expected one of/)
  })

  it("stay with the session that follows when another session of its key downloads a file or calls without updates", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    alice.pushed.length = 0
    // GramJS downloads on a sender of its own, even on the home DC: the same auth key, another session.
    const downloader = caller(world, { dcId: 1, authKeyId: alice.ctx.authKeyId })
    const input = new Api.InputPeerChannel({ channelId: bigInt(3001), accessHash: accessHash(1001, "channel", 3001) })
    const page = await alice.call(new Api.messages.GetHistory({
      peer: input, offsetId: 2, offsetDate: 0, addOffset: 0, limit: 1, maxId: 0, minId: 0, hash: bigInt.zero
    })) as Api.messages.ChannelMessages
    const photo = ((page.messages[0] as Api.Message).media as Api.MessageMediaPhoto).photo as Api.Photo
    const location = new Api.InputPhotoFileLocation({ id: photo.id, accessHash: photo.accessHash, fileReference: photo.fileReference, thumbSize: (photo.sizes.at(-1) as Api.PhotoSize).type })
    await downloader.call(new Api.upload.GetFile({ location, offset: bigInt(0), limit: 512 * 1024 }))
    // A call wrapped in invokeWithoutUpdates does not subscribe either.
    const quiet = caller(world, { dcId: 1, authKeyId: alice.ctx.authKeyId })
    await world.handle(new Api.updates.GetState(), { ...quiet.ctx, withoutUpdates: true })
    postToBob(world, "still here")
    expect(alice.pushed.map((u) => (u as Api.UpdateShortMessage).message)).toEqual(["still here"])
    expect(downloader.pushed).toEqual([])
    expect(quiet.pushed).toEqual([])
  })
})
