/**
 * Lookups of people, groups and channels: full chat and channel info
 * (participant counts), users.getUsers / getFullUser, username resolution,
 * messages and channels by id, and which of them each account may reach.
 */
import { describe, expect, it } from "@effect/vitest"
import bigInt from "big-integer"
import { Api } from "telegram"
import { accessHash } from "../emulator/AccountView.js"
import { loggedIn, outcome, sampleWorld } from "./WorldHarness.js"

const inputChannel = (me: number, id: number, hashOf = me) =>
  new Api.InputChannel({ channelId: bigInt(id), accessHash: accessHash(hashOf, "channel", id) })
const inputUser = (me: number, id: number, hashOf = me) =>
  new Api.InputUser({ userId: bigInt(id), accessHash: accessHash(hashOf, "user", id) })

describe("full chat and channel info", () => {
  it("channels.getFullChannel reports participants_count even when the entity hides it", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const full = await alice.call(new Api.channels.GetFullChannel({ channel: inputChannel(1001, 3003) }))
    const channelFull = full.fullChat as Api.ChannelFull
    expect(channelFull.participantsCount).toBe(3)
    expect((full.chats[0] as Api.Channel).participantsCount).toBeNull()
    const news = await alice.call(new Api.channels.GetFullChannel({ channel: inputChannel(1001, 3001) }))
    expect((news.fullChat as Api.ChannelFull).participantsCount).toBe(45231)
    expect((news.fullChat as Api.ChannelFull).about).toBe("Markets, daily.")
    expect((news.fullChat as Api.ChannelFull).folderId).toBe(1)
    expect(await outcome(alice.call(new Api.channels.GetFullChannel({ channel: inputChannel(1001, 3001, 1002) })))).toBe("400 CHANNEL_INVALID")
    expect(await outcome(alice.call(new Api.channels.GetFullChannel({ channel: inputChannel(1001, 9999) })))).toBe("400 CHANNEL_INVALID")
  })

  it("messages.getFullChat lists the members with the creator", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const full = await alice.call(new Api.messages.GetFullChat({ chatId: bigInt(2001) }))
    const participants = (full.fullChat as Api.ChatFull).participants as Api.ChatParticipants
    expect(participants.participants.map((p) => [p.className, Number(p.userId)])).toEqual([
      ["ChatParticipantCreator", 1001],
      ["ChatParticipant", 1002],
      ["ChatParticipant", 1003]
    ])
    expect(full.users.map((u) => Number(u.id)).sort()).toEqual([1001, 1002, 1003])
    const bob = await loggedIn(world, 1002)
    expect(await outcome(bob.call(new Api.messages.GetFullChat({ chatId: bigInt(2002) })))).toBe("400 CHAT_ID_INVALID")
  })
})

describe("users", () => {
  it("users.getUsers answers InputUserSelf with the account itself and leaves out what it cannot reach", async () => {
    const world = sampleWorld()
    const bob = await loggedIn(world, 1002)
    const users = await bob.call(new Api.users.GetUsers({
      id: [new Api.InputUserSelf(), inputUser(1002, 1003), inputUser(1002, 1003, 1001), inputUser(1002, 1006)]
    }))
    expect(users.map((u) => [Number(u.id), (u as Api.User).self ?? false])).toEqual([[1002, true], [1003, false]])
  })

  it("users.getFullUser", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const full = await alice.call(new Api.users.GetFullUser({ id: inputUser(1001, 1004) }))
    expect(Number(full.fullUser.id)).toBe(1004)
    expect(full.fullUser.notifySettings.muteUntil).toBeGreaterThan(Date.now() / 1000)
    expect((full.users[0] as Api.User).verified).toBe(true)
    expect(await outcome(alice.call(new Api.users.GetFullUser({ id: inputUser(1001, 1004, 1002) })))).toBe("400 USER_ID_INVALID")
  })

  it("contacts.resolveUsername finds public users and channels, case-insensitively", async () => {
    const world = sampleWorld()
    const bob = await loggedIn(world, 1002)
    const channel = await bob.call(new Api.contacts.ResolveUsername({ username: "CryptoNews" }))
    expect(channel.peer).toEqual(new Api.PeerChannel({ channelId: bigInt(3001) }))
    const resolved = channel.chats[0] as Api.Channel
    expect(resolved.accessHash!.equals(accessHash(1002, "channel", 3001))).toBe(true)
    // What the resolution returned is usable right away.
    const history = await bob.call(new Api.messages.GetHistory({
      peer: new Api.InputPeerChannel({ channelId: resolved.id, accessHash: resolved.accessHash! }),
      offsetId: 0, offsetDate: 0, addOffset: 0, limit: 1, maxId: 0, minId: 0, hash: bigInt.zero
    }))
    expect((history as Api.messages.ChannelMessages).count).toBe(4)
    const bot = await bob.call(new Api.contacts.ResolveUsername({ username: "helper_bot" }))
    expect((bot.users[0] as Api.User).bot).toBe(true)
    expect(await outcome(bob.call(new Api.contacts.ResolveUsername({ username: "nobody_here" })))).toBe("400 USERNAME_NOT_OCCUPIED")
  })
})

describe("messages by id", () => {
  it("messages.getMessages searches the account's private chats and groups, one id sequence", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const r = await alice.call(new Api.messages.GetMessages({
      id: [new Api.InputMessageID({ id: 7 }), new Api.InputMessageID({ id: 11 }), new Api.InputMessageID({ id: 5 })]
    }))
    const messages = (r as Api.messages.Messages).messages
    expect(messages.map((m) => m.className)).toEqual(["Message", "Message", "MessageEmpty"])
    expect((messages[0] as Api.Message).message).toBe("see attached")
    expect((messages[1] as Api.Message).message).toBe("Note to self: buy milk")
  })

  it("channels.getMessages and channels.getChannels", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const r = await alice.call(new Api.channels.GetMessages({
      channel: inputChannel(1001, 3002),
      id: [new Api.InputMessageID({ id: 11 }), new Api.InputMessageID({ id: 99 })]
    }))
    const messages = (r as Api.messages.ChannelMessages).messages
    expect(messages.map((m) => m.className)).toEqual(["Message", "MessageEmpty"])
    expect((messages[0] as Api.Message).message).toBe("How do lifetimes work?")
    const chats = await alice.call(new Api.channels.GetChannels({ id: [inputChannel(1001, 3002), inputChannel(1001, 3004)] }))
    expect(chats.chats.map((c) => (c as Api.Channel).title)).toEqual(["Rust Devs", "Old stuff archive"])
    const basic = await alice.call(new Api.messages.GetChats({ id: [bigInt(2001), bigInt(2002), bigInt(7)] }))
    expect(basic.chats.map((c) => (c as Api.Chat).title)).toEqual(["Family", "Book club 📚"])
  })
})
