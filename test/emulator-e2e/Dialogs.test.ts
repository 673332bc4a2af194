/**
 * The dialog list and folders over MTProto: messages.getDialogs paged by the
 * offset triple of each page's last dialog across 300+ dialogs
 * (many-dialogs.json), pinned first, folder_id 0 / 1 / absent, checked
 * against an order worked out from the scenario alone; GramJS's own
 * getDialogs over the same list; messages.getDialogFilters on the sample.
 */
import bigInt from "big-integer"
import { Api, type TelegramClient } from "telegram"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { dialogMessages } from "../emulator/HistoryOracle.js"
import { parseScenario, peerKey, type PeerRef } from "../emulator/Scenario.js"
import { destroyTestClient } from "../emulator/TestClient.js"
import { MANY_DIALOGS_ACCOUNT } from "../fixtures/many-dialogs.js"
import { entityText, fixtureJson, inputPeerOf, loggedInClient, peerText, startWorld, type WorldOnNetwork } from "./NetworkHarness.js"

const manyJson = fixtureJson("many-dialogs.json")
const many = parseScenario(manyJson)
const account = many.accounts.find((a) => a.user === MANY_DIALOGS_ACCOUNT)!

/** Marked ids (user id, -chat id, -(10^12 + channel id)): Telegram's tie-breaker between equal top messages. */
const markedId = (peer: PeerRef): number =>
  peer.kind === "user" ? peer.id : peer.kind === "chat" ? -peer.id : -(1_000_000_000_000 + peer.id)

/**
 * The dialog list as Telegram orders it, from the scenario alone: dialogs
 * with messages in the folder asked for, pinned ones first (main list before
 * archive, each in pin order), then the rest by top message (date, id,
 * marked peer id), newest first.
 */
const expectedOrder = (folderId: number | undefined): Array<string> => {
  const listed = account.dialogs
    .map((d, order) => {
      const messages = dialogMessages(many, peerKey(d.peer), MANY_DIALOGS_ACCOUNT)
      const top = messages.at(-1)
      return { ...d, order, top }
    })
    .filter((d) => d.top !== undefined && (folderId === undefined || (folderId === 1) === d.archived))
  const pinned = listed.filter((d) => d.pinned).sort((a, b) => Number(a.archived) - Number(b.archived) || a.order - b.order)
  const rest = listed
    .filter((d) => !d.pinned)
    .sort((a, b) => b.top!.date - a.top!.date || b.top!.id - a.top!.id || markedId(b.peer) - markedId(a.peer))
  return [...pinned, ...rest].map((d) => peerKey(d.peer))
}

interface Paged {
  readonly peers: Array<string>
  readonly pages: number
  readonly counts: Set<number>
  readonly classes: Set<string>
}

/** Every dialog, `limit` at a time, each page's offset taken from the last dialog of the one before. */
const pageDialogs = async (client: TelegramClient, limit: number, folderId: number | undefined): Promise<Paged> => {
  const peers: Array<string> = []
  const counts = new Set<number>()
  const classes = new Set<string>()
  let offsetDate = 0
  let offsetId = 0
  let offsetPeer: Api.TypeInputPeer = new Api.InputPeerEmpty()
  let pages = 0
  for (;;) {
    const page = await client.invoke(new Api.messages.GetDialogs({
      ...(folderId === undefined ? {} : { folderId }),
      offsetDate,
      offsetId,
      offsetPeer,
      limit,
      hash: bigInt.zero
    }))
    pages++
    if (page.className === "messages.DialogsNotModified") throw new Error("unexpected DialogsNotModified")
    classes.add(page.className)
    if (page.className === "messages.DialogsSlice") counts.add(page.count)
    const dialogs = page.dialogs as Array<Api.Dialog>
    peers.push(...dialogs.map((d) => peerText(d.peer)))
    const last = dialogs.at(-1)
    if (last === undefined || dialogs.length < limit || page.className === "messages.Dialogs") break
    const top = page.messages.find((m) => m.id === last.topMessage && peerText((m as Api.Message).peerId) === peerText(last.peer))
    if (top === undefined) throw new Error(`page without the top message of ${peerText(last.peer)}`)
    offsetDate = (top as Api.Message).date
    offsetId = last.topMessage
    offsetPeer = inputPeerOf([...page.users, ...page.chats].find((e) => entityText(e) === peerText(last.peer))!)
    if (pages > 400) throw new Error("paging does not end")
  }
  return { peers, pages, counts, classes }
}

let net: WorldOnNetwork
let client: TelegramClient

beforeAll(async () => {
  net = await startWorld(manyJson)
  client = (await loggedInClient(net.emulator, MANY_DIALOGS_ACCOUNT)).client
})

afterAll(async () => {
  await destroyTestClient(client)
  await net.stop()
})

describe("messages.getDialogs over 300+ dialogs", () => {
  it("the fixture has what these tests need: 300+ dialogs, pinned and archived ones, some without messages", () => {
    expect(account.dialogs.length).toBeGreaterThan(300)
    expect(account.dialogs.filter((d) => d.pinned).length).toBeGreaterThanOrEqual(5)
    expect(expectedOrder(1).length).toBeGreaterThan(20)
    expect(expectedOrder(undefined).length).toBeLessThan(account.dialogs.length)
  })

  for (const folderId of [undefined, 0, 1]) {
    for (const limit of [1, 13, 100]) {
      it(`folder_id ${folderId ?? "absent"}, ${limit} per page: each dialog once, pinned first, then newest top message first`, async () => {
        const expected = expectedOrder(folderId)
        const paged = await pageDialogs(client, limit, folderId)
        expect(paged.peers).toEqual(expected)
        expect(paged.pages).toBe(Math.floor(expected.length / limit) + 1)
        if (expected.length > limit) {
          expect(paged.classes).toEqual(new Set(["messages.DialogsSlice"]))
          expect(paged.counts).toEqual(new Set([expected.length]))
        }
      })
    }
  }

  it("limit 0 means Telegram's default of 20, and more than 100 is capped at 100", async () => {
    const page = (limit: number) =>
      client.invoke(new Api.messages.GetDialogs({ offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit, hash: bigInt.zero }))
    expect(((await page(0)) as Api.messages.DialogsSlice).dialogs).toHaveLength(20)
    expect(((await page(500)) as Api.messages.DialogsSlice).dialogs).toHaveLength(100)
  })

  it("exclude_pinned leaves the pinned dialogs out", async () => {
    const page = await client.invoke(new Api.messages.GetDialogs({
      excludePinned: true, offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 100, hash: bigInt.zero
    })) as Api.messages.DialogsSlice
    const pinned = new Set(account.dialogs.filter((d) => d.pinned).map((d) => peerKey(d.peer)))
    expect((page.dialogs as Array<Api.Dialog>).map((d) => peerText(d.peer)))
      .toEqual(expectedOrder(undefined).filter((p) => !pinned.has(p)).slice(0, 100))
  })

  it("each page carries the dialogs' top messages and entities, and Dialog fields as the scenario says", async () => {
    const page = await client.invoke(new Api.messages.GetDialogs({
      offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 100, hash: bigInt.zero
    })) as Api.messages.DialogsSlice
    const entities = new Set([...page.users, ...page.chats].map(entityText))
    const byPeer = new Map(account.dialogs.map((d) => [peerKey(d.peer), d]))
    for (const d of page.dialogs as Array<Api.Dialog>) {
      const peer = peerText(d.peer)
      const spec = byPeer.get(peer)!
      expect(entities).toContain(peer)
      const top = dialogMessages(many, peer, MANY_DIALOGS_ACCOUNT).at(-1)!
      expect(d.topMessage).toBe(top.id)
      expect(page.messages.some((m) => m.id === top.id && peerText((m as Api.Message).peerId) === peer)).toBe(true)
      expect([peer, d.pinned, d.folderId ?? 0, d.unreadCount, (d.notifySettings.muteUntil ?? 0) > 0])
        .toEqual([peer, spec.pinned, spec.archived ? 1 : 0, spec.unreadCount, spec.muted])
    }
  })

  it("GramJS's getDialogs pages the same list (folder absent, 0 and 1)", async () => {
    for (const folder of [undefined, 0, 1]) {
      const dialogs = await client.getDialogs(folder === undefined ? {} : { folder })
      const peers = [...dialogs].map((d) => peerText(d.dialog.peer))
      expect(peers).toEqual(expectedOrder(folder))
    }
  })
})

describe("pinned dialogs in the archive", () => {
  it("each folder lists its own pinned dialogs first, in pin order; without folder_id every pinned one comes first", async () => {
    const peers = ["user:1002", "user:1003", "user:1004", "user:1005", "user:1006", "user:1007"]
    // Pinned, against date order: 1003 (archived), 1002, 1006 (archived), 1005; the rest by date, newest first.
    const dialogs = [
      { peer: "user:1003", pinned: true, archived: true },
      { peer: "user:1002", pinned: true },
      { peer: "user:1004", archived: true },
      { peer: "user:1006", pinned: true, archived: true },
      { peer: "user:1005", pinned: true },
      { peer: "user:1007" }
    ]
    const small = await startWorld({
      users: [{ id: 1001, first_name: "Alice" }],
      accounts: [{ user: 1001, dialogs }],
      messages: peers.map((peer, i) => ({ peer, date: `2024-01-0${i + 1} 10:00:00`, text: `hi ${i}` }))
    })
    const alice = (await loggedInClient(small.emulator, 1001)).client
    try {
      expect((await pageDialogs(alice, 2, 0)).peers).toEqual(["user:1002", "user:1005", "user:1007"])
      expect((await pageDialogs(alice, 2, 1)).peers).toEqual(["user:1003", "user:1006", "user:1004"])
      const all = (await pageDialogs(alice, 2, undefined)).peers
      expect(new Set(all.slice(0, 4))).toEqual(new Set(["user:1003", "user:1005", "user:1006", "user:1002"]))
      expect(all.slice(4)).toEqual(["user:1007", "user:1004"])
    } finally {
      await destroyTestClient(alice)
      await small.stop()
    }
  })
})

describe("messages.getDialogFilters", () => {
  let sample: WorldOnNetwork
  let alice: TelegramClient

  beforeAll(async () => {
    sample = await startWorld(fixtureJson("sample.json"))
    alice = (await loggedInClient(sample.emulator, 1001)).client
  })

  afterAll(async () => {
    await destroyTestClient(alice)
    await sample.stop()
  })

  it("lists the default filter, then each folder with its flags and peers", async () => {
    const { filters } = await alice.invoke(new Api.messages.GetDialogFilters())
    expect(filters.map((f) => f.className)).toEqual(["DialogFilterDefault", "DialogFilter", "DialogFilter", "DialogFilter", "DialogFilterChatlist"])
    const [work, personal, news, shared] = filters.slice(1) as [Api.DialogFilter, Api.DialogFilter, Api.DialogFilter, Api.DialogFilterChatlist]
    const peers = (list: Array<Api.TypeInputPeer>) =>
      list.map((p) => p.className === "InputPeerChannel" ? `channel:${p.channelId}` : p.className === "InputPeerUser" ? `user:${p.userId}` : p.className === "InputPeerChat" ? `chat:${p.chatId}` : p.className)
    expect([work.id, work.title.text, work.emoticon, work.groups, work.broadcasts, work.contacts]).toEqual([2, "Work", "💼", true, false, false])
    expect([peers(work.includePeers), peers(work.excludePeers), peers(work.pinnedPeers)]).toEqual([["channel:3002"], ["chat:2002", "channel:3006"], ["channel:3002"]])
    expect([personal.id, personal.title.text, personal.contacts, personal.nonContacts, personal.excludeMuted, personal.excludeArchived])
      .toEqual([3, "Personal", true, true, true, true])
    expect([peers(personal.excludePeers), peers(personal.pinnedPeers)]).toEqual([["user:1004"], ["user:1002"]])
    expect([news.id, news.title.text, news.broadcasts, news.bots, news.excludeRead]).toEqual([4, "News & bots", true, true, true])
    expect([shared.id, shared.title.text, peers(shared.includePeers), peers(shared.pinnedPeers)])
      .toEqual([5, "Shared list", ["channel:3001", "channel:3003"], ["channel:3003"]])
  })

  it("gives peers with this account's access hashes, usable in the next call", async () => {
    const { filters } = await alice.invoke(new Api.messages.GetDialogFilters())
    const peers = (filters.slice(1) as Array<Api.DialogFilter | Api.DialogFilterChatlist>)
      .flatMap((f) => [...f.includePeers, ...f.pinnedPeers, ...("excludePeers" in f ? f.excludePeers : [])])
    expect(peers.length).toBeGreaterThan(5)
    for (const peer of peers) {
      const page = await alice.invoke(new Api.messages.GetHistory({ peer, limit: 1, hash: bigInt.zero }))
      expect((page as Api.messages.Messages).messages).toHaveLength(1)
    }
  })
})
