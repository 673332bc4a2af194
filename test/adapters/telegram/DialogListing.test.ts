/**
 * The dialog listing's paging rules, over pages shaped as Telegram sends
 * them (pinned dialogs of both folders on first pages, a dialogFolder, a
 * short page mid-list, a count that understates the list): each dialog
 * once, in its own folder, and every page read until one brings nothing new.
 */
import bigInt from "big-integer"
import { Effect } from "effect"
import { Api } from "telegram"
import { describe, expect, it } from "vitest"
import { type DialogPageRequest, listDialogs } from "../../../src/adapters/telegram/DialogListing.js"
import { PeerCache } from "../../../src/adapters/telegram/PeerCache.js"

type Ref = { readonly user: number } | { readonly channel: number }

const peerOf = (r: Ref): Api.TypePeer =>
  "user" in r ? new Api.PeerUser({ userId: bigInt(r.user) }) : new Api.PeerChannel({ channelId: bigInt(r.channel) })

/** The marked id of a ref, as the records carry it. */
const marked = (r: Ref) => ("user" in r ? r.user : -(1_000_000_000_000 + r.channel))

/** A dialog whose top message id (and date) is `top`; archived dialogs carry folder_id 1. */
const entry = (r: Ref, top: number, archived = false, pinned = false) => ({ r, top, archived, pinned })
type Entry = ReturnType<typeof entry>

const page = (entries: ReadonlyArray<Entry | "archive">, count: number | null): Api.messages.TypeDialogs => {
  const dialogs = entries.map((e) =>
    e === "archive"
      ? new Api.DialogFolder({
        pinned: true, folder: new Api.Folder({ id: 1, title: "Archived Chats" }), peer: peerOf({ user: 99 }), topMessage: 1,
        unreadMutedPeersCount: 0, unreadUnmutedPeersCount: 0, unreadMutedMessagesCount: 0, unreadUnmutedMessagesCount: 0
      })
      : new Api.Dialog({
        peer: peerOf(e.r), topMessage: e.top, readInboxMaxId: e.top, readOutboxMaxId: e.top, unreadCount: 0,
        unreadMentionsCount: 0, unreadReactionsCount: 0, notifySettings: new Api.PeerNotifySettings({}), pinned: e.pinned,
        ...(e.archived ? { folderId: 1 } : {})
      })
  )
  const real = entries.filter((e): e is Entry => e !== "archive")
  const messages = real.map((e) => new Api.Message({ id: e.top, peerId: peerOf(e.r), date: 1_000_000 + e.top, message: "m" }))
  const users = real.flatMap((e) => ("user" in e.r ? [new Api.User({ id: bigInt(e.r.user), accessHash: bigInt(7), firstName: `u${e.r.user}` })] : []))
  const chats = real.flatMap((e) =>
    "channel" in e.r
      ? [new Api.Channel({ id: bigInt(e.r.channel), accessHash: bigInt(7), title: `c${e.r.channel}`, photo: new Api.ChatPhotoEmpty(), date: 0 })]
      : []
  )
  const body = { dialogs, messages, users, chats }
  return count === null ? new Api.messages.Dialogs(body) : new Api.messages.DialogsSlice({ count, ...body })
}

const u = (id: number) => ({ user: id })
const c = (id: number) => ({ channel: id })

describe("listDialogs", () => {
  it("lists each dialog once in its own folder, skips the dialogFolder, and reads past short pages and low counts", async () => {
    // Telegram's pages: each folder starts with both folders' pinned dialogs; counts understate; a page comes short mid-list.
    const pinnedMain = entry(u(1), 50, false, true)
    const pinnedArchived = entry(c(10), 49, true, true)
    const pages: Record<number, Array<Api.messages.TypeDialogs>> = {
      0: [
        page(["archive", pinnedMain, pinnedArchived, entry(u(2), 40)], 3),
        page([entry(u(3), 30)], 3),
        page([entry(u(4), 20), entry(u(5), 10)], 3),
        page([], 3)
      ],
      1: [
        page([pinnedMain, pinnedArchived, entry(c(11), 45, true)], 2),
        page([entry(c(12), 35, true)], 2),
        page([pinnedArchived], 2)
      ]
    }
    const requests: Array<DialogPageRequest> = []
    const records = await Effect.runPromise(listDialogs(new PeerCache(), (request) => {
      requests.push(request)
      const index = requests.filter((r) => r.folderId === request.folderId).length - 1
      return Effect.succeed(pages[request.folderId]![index]!)
    }))
    expect(records.map((r) => [r.id, r.isArchived])).toEqual([
      [1, false], [marked(c(10)), true], [2, false], [3, false], [4, false], [5, false],
      [marked(c(11)), true], [marked(c(12)), true]
    ])
    expect(requests.map((r) => [r.folderId, r.offsetId])).toEqual([[0, 0], [0, 40], [0, 30], [0, 10], [1, 0], [1, 45], [1, 35]])
    expect(requests[1]!.offsetDate).toBe(1_000_040)
    expect(requests[1]!.offsetPeer.className).toBe("InputPeerUser")
  })

  it("stops at once on a folder's complete list (messages.dialogs)", async () => {
    const requests: Array<number> = []
    const records = await Effect.runPromise(listDialogs(new PeerCache(), (request) => {
      requests.push(request.folderId)
      return Effect.succeed(request.folderId === 0 ? page([entry(u(1), 5)], null) : page([], null))
    }))
    expect(records.map((r) => r.id)).toEqual([1])
    expect(requests).toEqual([0, 1])
  })
})
