/**
 * messages.getDialogs over an account with 300+ dialogs (paged the way
 * GramJS and the adapter page it), the Dialog objects themselves,
 * messages.getPeerDialogs and messages.getDialogFilters.
 */
import { describe, expect, it } from "@effect/vitest"
import bigInt from "big-integer"
import { Api } from "telegram"
import { accessHash } from "../emulator/AccountView.js"
import { World } from "../emulator/World.js"
import { MANY_DIALOGS_ACCOUNT, manyDialogsScenario } from "../fixtures/many-dialogs.js"
import { type Caller, fixture, loggedIn, sampleWorld } from "./WorldHarness.js"

const peerId = (p: Api.TypePeer): string =>
  p.className === "PeerUser" ? `user:${p.userId}` : p.className === "PeerChat" ? `chat:${p.chatId}` : `channel:${p.channelId}`

const inputPeerId = (p: Api.TypeInputPeer): string =>
  p.className === "InputPeerUser"
    ? `user:${p.userId}`
    : p.className === "InputPeerChat"
    ? `chat:${p.chatId}`
    : p.className === "InputPeerChannel"
    ? `channel:${p.channelId}`
    : p.className

interface Listed {
  readonly peer: string
  readonly dialog: Api.Dialog
  readonly top: Api.Message | undefined
}

/** Pages through the dialog list as the adapter does: offsets from the last dialog of each page. */
const allDialogs = async (c: Caller, limit: number, folderId?: number): Promise<{ listed: Array<Listed>; pages: number; counts: Set<number> }> => {
  const listed: Array<Listed> = []
  const counts = new Set<number>()
  let offsetDate = 0
  let offsetId = 0
  let offsetPeer: Api.TypeInputPeer = new Api.InputPeerEmpty()
  let pages = 0
  for (;;) {
    const page = await c.call(
      new Api.messages.GetDialogs({ ...(folderId === undefined ? {} : { folderId }), offsetDate, offsetId, offsetPeer, limit, hash: bigInt.zero })
    )
    pages++
    if (page.className === "messages.DialogsNotModified") throw new Error("unexpected")
    counts.add(page.className === "messages.DialogsSlice" ? page.count : -1)
    const tops = new Map(page.messages.map((m) => [`${peerId((m as Api.Message).peerId)}/${m.id}`, m as Api.Message]))
    for (const d of page.dialogs as Array<Api.Dialog>) {
      listed.push({ peer: peerId(d.peer), dialog: d, top: tops.get(`${peerId(d.peer)}/${d.topMessage}`) })
    }
    const last = listed.at(-1)
    if (page.dialogs.length < limit || last === undefined || page.className === "messages.Dialogs") break
    offsetDate = last.top?.date ?? 0
    offsetId = last.dialog.topMessage
    const entity = [...page.users, ...page.chats].find((e) =>
      `${e.className === "User" ? "user" : e.className === "Chat" ? "chat" : "channel"}:${e.id}` === last.peer
    )!
    offsetPeer = e2input(entity)
    if (pages > 1000) throw new Error("paging does not end")
  }
  return { listed, pages, counts }
}

const e2input = (e: Api.TypeUser | Api.TypeChat): Api.TypeInputPeer =>
  e.className === "User"
    ? new Api.InputPeerUser({ userId: e.id, accessHash: e.accessHash! })
    : e.className === "Chat"
    ? new Api.InputPeerChat({ chatId: e.id })
    : new Api.InputPeerChannel({ channelId: e.id, accessHash: (e as Api.Channel).accessHash! })

const manyWorld = () => World.fromScenario(manyDialogsScenario())

describe("messages.getDialogs", () => {
  it("the fixture file is what its builder writes", () => {
    expect(fixture("many-dialogs.json")).toEqual(JSON.parse(JSON.stringify(manyDialogsScenario())))
  })

  for (const limit of [1, 7, 40, 100]) {
    it(`pages 300+ dialogs ${limit} at a time: each once, pinned first, then newest top message first`, async () => {
      const world = manyWorld()
      const me = await loggedIn(world, MANY_DIALOGS_ACCOUNT)
      const account = world.accounts.get(MANY_DIALOGS_ACCOUNT)!
      const { listed, counts } = await allDialogs(me, limit)
      // Dialogs without messages are not listed, as in Telegram.
      const listable = account.dialogs.filter((d) => d.timeline.count > 0)
      expect(listable.length).toBe(account.dialogs.length - 3)
      expect(listed.map((d) => d.peer).sort()).toEqual(listable.map((d) => `${d.peer.kind}:${d.peer.id}`).sort())
      expect(counts).toEqual(new Set([listable.length]))
      const pinned = account.dialogs.filter((d) => d.pinned)
      const pinnedOrder = [...pinned.filter((d) => !d.archived), ...pinned.filter((d) => d.archived)]
      expect(listed.slice(0, pinned.length).map((d) => d.peer)).toEqual(pinnedOrder.map((d) => `${d.peer.kind}:${d.peer.id}`))
      const rest = listed.slice(pinned.length)
      expect(rest.every((d, i) => d.top !== undefined && (i === 0 || d.top.date <= rest[i - 1]!.top!.date))).toBe(true)
    })
  }

  it("folder_id 0 lists the main list, 1 the archive, absent both", async () => {
    const world = manyWorld()
    const me = await loggedIn(world, MANY_DIALOGS_ACCOUNT)
    const main = await allDialogs(me, 100, 0)
    const archive = await allDialogs(me, 100, 1)
    const both = await allDialogs(me, 100)
    expect(main.listed.every((d) => d.dialog.folderId !== 1)).toBe(true)
    expect(archive.listed.length).toBeGreaterThan(20)
    expect(archive.listed.every((d) => d.dialog.folderId === 1)).toBe(true)
    expect(main.listed.length + archive.listed.length).toBe(both.listed.length)
  })

  it("answers messages.Dialogs when everything fits, with dialogs as the scenario describes them", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const page = await alice.call(new Api.messages.GetDialogs({ offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 100, hash: bigInt.zero }))
    if (page.className !== "messages.Dialogs") throw new Error(page.className)
    const byPeer = new Map((page.dialogs as Array<Api.Dialog>).map((d) => [peerId(d.peer), d]))
    expect([...byPeer.keys()].slice(0, 2)).toEqual(["user:1002", "channel:3002"])
    expect(byPeer.get("user:1002")!.pinned).toBe(true)
    expect(byPeer.get("user:1002")!.unreadCount).toBe(2)
    expect(byPeer.get("channel:3001")!.folderId).toBe(1)
    expect(byPeer.get("channel:3001")!.notifySettings.muteUntil).toBeGreaterThan(Date.now() / 1000)
    expect(byPeer.get("user:1004")!.notifySettings.muteUntil).toBeGreaterThan(Date.now() / 1000)
    expect(byPeer.get("user:1005")!.notifySettings.muteUntil ?? 0).toBe(0)
    expect(byPeer.get("chat:2001")!.topMessage).toBe(169)
    expect(byPeer.get("channel:3004")!.topMessage).toBe(2000)
    const tops = new Set(page.messages.map((m) => `${peerId((m as Api.Message).peerId)}/${m.id}`))
    for (const d of byPeer.values()) expect(tops).toContain(`${peerId(d.peer)}/${d.topMessage}`)
    const users = page.users as Array<Api.User>
    expect(users.find((u) => Number(u.id) === 1005)!.bot).toBe(true)
    expect(users.find((u) => Number(u.id) === 1004)!.verified).toBe(true)
    expect(users.find((u) => Number(u.id) === 1001)!.self).toBe(true)
    const chats = new Map(page.chats.map((c) => [`${c.className === "Chat" ? "chat" : "channel"}:${c.id}`, c]))
    expect((chats.get("chat:2001") as Api.Chat).participantsCount).toBe(3)
    expect((chats.get("chat:2001") as Api.Chat).creator).toBe(true)
    expect((chats.get("channel:3002") as Api.Channel).megagroup).toBe(true)
    expect((chats.get("channel:3001") as Api.Channel).broadcast).toBe(true)
  })

  it("messages.getPeerDialogs answers for the peers asked", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const result = await alice.call(new Api.messages.GetPeerDialogs({
      peers: [
        new Api.InputDialogPeer({ peer: new Api.InputPeerChannel({ channelId: bigInt(3002), accessHash: accessHash(1001, "channel", 3002) }) }),
        new Api.InputDialogPeer({ peer: new Api.InputPeerSelf() })
      ]
    }))
    expect((result.dialogs as Array<Api.Dialog>).map((d) => peerId(d.peer))).toEqual(["channel:3002", "user:1001"])
    expect((result.dialogs[0] as Api.Dialog).unreadCount).toBe(5)
  })
})

describe("messages.getDialogFilters", () => {
  it("lists All Chats first, then each folder with its flags and the account's access hashes", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const { filters } = await alice.call(new Api.messages.GetDialogFilters())
    expect(filters[0]).toBeInstanceOf(Api.DialogFilterDefault)
    const [work, personal, news, shared] = filters.slice(1) as [Api.DialogFilter, Api.DialogFilter, Api.DialogFilter, Api.DialogFilterChatlist]
    expect(work.title.text).toBe("Work")
    expect(work.emoticon).toBe("💼")
    expect(work.groups).toBe(true)
    expect(work.includePeers.map(inputPeerId)).toEqual(["channel:3002"])
    expect(work.excludePeers.map(inputPeerId)).toEqual(["chat:2002", "channel:3006"])
    expect(work.pinnedPeers.map(inputPeerId)).toEqual(["channel:3002"])
    const channelPeer = work.includePeers[0] as Api.InputPeerChannel
    expect(channelPeer.accessHash.equals(accessHash(1001, "channel", 3002))).toBe(true)
    expect([personal.contacts, personal.nonContacts, personal.excludeMuted, personal.excludeArchived]).toEqual([true, true, true, true])
    expect(personal.groups).toBeFalsy()
    expect(personal.excludePeers.map(inputPeerId)).toEqual(["user:1004"])
    expect((personal.pinnedPeers[0] as Api.InputPeerUser).accessHash.equals(accessHash(1001, "user", 1002))).toBe(true)
    expect([news.broadcasts, news.bots, news.excludeRead]).toEqual([true, true, true])
    expect(shared).toBeInstanceOf(Api.DialogFilterChatlist)
    expect(shared.includePeers.map(inputPeerId)).toEqual(["channel:3001", "channel:3003"])
    expect(shared.pinnedPeers.map(inputPeerId)).toEqual(["channel:3003"])
  })

  it("answers only All Chats for an account without folders", async () => {
    const world = World.fromScenario(fixture("sample.json"))
    const bob = await loggedIn(world, 1002)
    const { filters } = await bob.call(new Api.messages.GetDialogFilters())
    expect(filters).toEqual([new Api.DialogFilterDefault()])
  })
})
