/**
 * Telegram's imperfections the emulator reproduces on demand (Realism.ts):
 * pinned dialogs of both folders on first pages and the archive as a
 * dialogFolder, min users and channels with their FromMessage input peers,
 * file references that rotate, a clock offset; off by default, set by the
 * scenario's `options.realism` or changed at run time, all at once with
 * "all". (Short pages and timeouts: History.test.ts and Search.test.ts.)
 */
import { describe, expect, it } from "@effect/vitest"
import bigInt from "big-integer"
import { Api } from "telegram"
import { accessHash } from "../emulator/AccountView.js"
import { ALL, EXACT, REALISM_FLAGS } from "../emulator/Realism.js"
import { ScenarioError } from "../emulator/RpcContext.js"
import { World } from "../emulator/World.js"
import { type Caller, loggedIn, outcome } from "./WorldHarness.js"

const ME = 1001
const scenario = (realism: unknown = undefined) => ({
  options: { realism },
  users: [{ id: 1001, first_name: "Me" }, { id: 1002, first_name: "Friend" }, { id: 1003, first_name: "Stranger" }],
  channels: [
    { id: 3001, title: "News", megagroup: false, creator: 1002, date: "2020-01-01 00:00:00" },
    { id: 3002, title: "Group", megagroup: true, creator: 1002, date: "2020-01-01 00:00:00" }
  ],
  accounts: [{
    user: ME,
    dialogs: [
      { peer: "user:1002", pinned: true },
      { peer: "channel:3001", archived: true, pinned: true },
      { peer: "channel:3002" }
    ]
  }],
  messages: [
    { peer: "channel:3001", id: 1, date: "2024-01-01 10:00:00", text: "post", media: { type: "photo", size: 5000 } },
    { peer: "user:1002", owner: ME, id: 1, date: "2024-01-01 10:00:00", from: "user:1002", text: "hi" },
    { peer: "channel:3002", id: 1, date: "2024-01-02 10:00:00", from: "user:1003", text: "from a stranger" },
    { peer: "channel:3002", id: 2, date: "2024-01-02 11:00:00", from: "user:1002", text: "from a friend" },
    { peer: "channel:3002", id: 3, date: "2024-01-02 12:00:00", from: "user:1002", text: "fwd", fwd_from: { channel: 3001 } }
  ]
})

const channelPeer = (id: number, hash = accessHash(ME, "channel", id)) =>
  new Api.InputPeerChannel({ channelId: bigInt(id), accessHash: hash })

const dialogs = (c: Caller, folderId: number) =>
  c.call(new Api.messages.GetDialogs({
    folderId, offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 100, hash: bigInt.zero
  })) as Promise<Api.messages.Dialogs>

const history = (c: Caller, peer: Api.TypeInputPeer) =>
  c.call(new Api.messages.GetHistory({
    peer, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 100, maxId: 0, minId: 0, hash: bigInt.zero
  })) as Promise<Api.messages.ChannelMessages>

const listed = (page: Api.messages.Dialogs) =>
  page.dialogs.map((d) =>
    d.className === "DialogFolder" ? "archive" : `${d.peer.className}:${d.peer.className === "PeerUser" ? d.peer.userId : (d.peer as Api.PeerChannel).channelId}${d.folderId === 1 ? " (archived)" : ""}`
  )

describe("pinned_across_folders", () => {
  it("off: each folder lists its own dialogs", async () => {
    const c = await loggedIn(World.fromScenario(scenario()), ME)
    expect(listed(await dialogs(c, 0))).toEqual(["PeerUser:1002", "PeerChannel:3002"])
    expect(listed(await dialogs(c, 1))).toEqual(["PeerChannel:3001 (archived)"])
  })

  it("on: both folders' pinned dialogs open each folder, and the main list names the archive", async () => {
    const c = await loggedIn(World.fromScenario(scenario({ pinned_across_folders: true })), ME)
    const main = await dialogs(c, 0)
    expect(listed(main)).toEqual(["archive", "PeerUser:1002", "PeerChannel:3001 (archived)", "PeerChannel:3002"])
    expect((main.dialogs[0] as Api.DialogFolder).folder.id).toBe(1)
    expect(listed(await dialogs(c, 1))).toEqual(["PeerUser:1002", "PeerChannel:3001 (archived)"])
  })
})

describe("min_peers", () => {
  it("off: every entity is full", async () => {
    const c = await loggedIn(World.fromScenario(scenario()), ME)
    const page = await history(c, channelPeer(3002))
    expect([...page.users, ...page.chats].some((e) => (e as Api.User).min === true)).toBe(false)
  })

  it("on: a stranger sender and a forwarded channel are min in a group's messages; a met user and the group stay full", async () => {
    const c = await loggedIn(World.fromScenario(scenario({ min_peers: true })), ME)
    const page = await history(c, channelPeer(3002))
    const min = (id: number) => [...page.users, ...page.chats].find((e) => (e as Api.User).id.toJSNumber() === id) as Api.User
    expect(min(1003).min).toBe(true)
    expect(min(1002).min).toBeFalsy()
    expect(min(3001).min).toBe(true)
    expect(min(3002).min).toBeFalsy()
    // The hashes a min constructor carries are refused; the subscribed channel's own works.
    const minChannel = min(3001) as unknown as Api.Channel
    expect(await outcome(history(c, channelPeer(3001, minChannel.accessHash!)))).toBe("400 CHANNEL_INVALID")
    expect(await outcome(history(c, channelPeer(3001)))).toBe("ok")
    const stranger = new Api.InputPeerUser({ userId: bigInt(1003), accessHash: min(1003).accessHash! })
    expect(await outcome(history(c, stranger))).toBe("400 PEER_ID_INVALID")
  })

  it("accepts FromMessage input peers naming the message the peer was seen in, and refuses a wrong message", async () => {
    const c = await loggedIn(World.fromScenario(scenario({ min_peers: true })), ME)
    const fromMessage = (msgId: number) =>
      new Api.InputPeerUserFromMessage({ peer: channelPeer(3002), msgId, userId: bigInt(1003) })
    const found = await c.call(new Api.messages.Search({
      peer: channelPeer(3002), q: "", filter: new Api.InputMessagesFilterEmpty(), minDate: 0, maxDate: 0, offsetId: 0,
      addOffset: 0, limit: 10, maxId: 0, minId: 0, hash: bigInt.zero, fromId: fromMessage(1)
    })) as Api.messages.ChannelMessages
    expect(found.messages.map((m) => m.id)).toEqual([1])
    expect(await outcome(history(c, fromMessage(2)))).toBe("400 PEER_ID_INVALID")
    const viaForward = new Api.InputPeerChannelFromMessage({ peer: channelPeer(3002), msgId: 3, channelId: bigInt(3001) })
    expect((await history(c, viaForward)).messages.map((m) => m.id)).toEqual([1])
    const wrong = new Api.InputPeerChannelFromMessage({ peer: channelPeer(3002), msgId: 2, channelId: bigInt(3001) })
    expect(await outcome(history(c, wrong))).toBe("400 CHANNEL_INVALID")
    const channel = new Api.InputChannelFromMessage({ peer: channelPeer(3002), msgId: 3, channelId: bigInt(3001) })
    expect(await outcome(c.call(new Api.channels.GetFullChannel({ channel })))).toBe("ok")
  })
})

describe("expiring_file_references and the clock", () => {
  const photoOf = async (c: Caller) => (((await history(c, channelPeer(3001))).messages[0] as Api.Message).media as Api.MessageMediaPhoto)
    .photo as Api.Photo
  const getFile = (photo: Api.Photo) =>
    new Api.upload.GetFile({
      location: new Api.InputPhotoFileLocation({
        id: photo.id, accessHash: photo.accessHash, fileReference: photo.fileReference, thumbSize: "x"
      }),
      offset: bigInt.zero,
      limit: 4096
    })

  it("a forced rotation makes earlier references stale; the message fetched again carries a fresh one", async () => {
    const world = World.fromScenario(scenario())
    const c = await loggedIn(world, ME)
    const before = await photoOf(c)
    expect(await outcome(c.call(getFile(before)))).toBe("ok")
    world.rotateFileReferences()
    expect(await outcome(c.call(getFile(before)))).toBe("400 FILE_REFERENCE_EXPIRED")
    const after = await photoOf(c)
    expect(Buffer.from(after.fileReference).equals(Buffer.from(before.fileReference))).toBe(false)
    expect(await outcome(c.call(getFile(after)))).toBe("ok")
  })

  it("with expiring references, a reference goes stale when its time window ends (the emulator's clock, offset included)", async () => {
    let now = Date.parse("2026-01-01T00:00:10Z")
    const world = World.fromScenario(scenario({ expiring_file_references: true, file_reference_window_seconds: 60 }), {
      clock: () => now
    })
    const c = await loggedIn(world, ME)
    const photo = await photoOf(c)
    now += 40_000
    expect(await outcome(c.call(getFile(photo)))).toBe("ok")
    world.setRealism({ clock_offset_seconds: 20 })
    expect(await outcome(c.call(getFile(photo)))).toBe("400 FILE_REFERENCE_EXPIRED")
  })

  it("clock_offset_seconds moves the dates the emulator sends", async () => {
    const now = Date.parse("2026-01-01T00:00:00Z")
    const world = World.fromScenario(scenario({ clock_offset_seconds: -600 }), { clock: () => now })
    const c = await loggedIn(world, ME)
    const config = await c.call(new Api.help.GetConfig())
    expect(config.date).toBe(now / 1000 - 600)
    expect(world.setRealism({ clock_offset_seconds: 600 })).toMatchObject({ clock_offset_seconds: 600 })
    expect((await c.call(new Api.help.GetConfig())).date).toBe(now / 1000 + 600)
  })

  it("refuses unknown flags and bad values, in the scenario and at run time", () => {
    expect(() => World.fromScenario(scenario({ min_peer: true }))).toThrow(ScenarioError)
    const world = World.fromScenario(scenario())
    expect(world.setRealism({ clock_offset_seconds: 1.5 })).toMatch(/clock_offset_seconds/)
    expect(world.setRealism({ pinned: true })).toMatch(/pinned/)
    expect(world.setRealism("some")).toMatch(/expected "all", "none"/)
    expect(world.realism).toEqual(EXACT)
  })

  it("an object changes only the flags it names; \"all\" turns every one on, with Telegram's clock behind ours; \"none\" turns them off", () => {
    const world = World.fromScenario(scenario({ min_peers: true }))
    expect(world.realism).toEqual({ ...EXACT, min_peers: true })
    expect(world.setRealism({ short_pages: true, file_reference_window_seconds: 60 })).toEqual({
      ...EXACT,
      min_peers: true,
      short_pages: true,
      file_reference_window_seconds: 60
    })
    const all = world.setRealism("all")
    expect(all).toEqual(ALL)
    for (const flag of REALISM_FLAGS) expect(ALL[flag]).toBe(true)
    expect(ALL.clock_offset_seconds).toBeLessThan(-60)
    expect(world.setRealism("none")).toEqual(EXACT)
    expect(World.fromScenario(scenario("all")).realism).toEqual(ALL)
  })
})
