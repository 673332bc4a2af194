/**
 * The dialog list and folders. messages.getDialogs returns pinned dialogs
 * first (in pin order), then the rest by their top message (date, id, peer)
 * newest first, paged by the offset triple of the last dialog seen (an
 * offset past the pinned block never returns pinned dialogs again);
 * folder_id absent means every dialog, 0 the main list, 1 the archive; a
 * dialog without messages is not listed. With the pinned_across_folders
 * imperfection (Realism.ts), a folder's first page starts with the
 * pinned dialogs of both folders, and folder 0 with the archive's
 * dialogFolder entry.
 * messages.getPeerDialogs and messages.getDialogFilters.
 */
import { Api } from "telegram"
import { type AccountView, EntityRefs } from "../AccountView.js"
import type { PeerRef, ScenarioFolder } from "../Scenario.js"
import type { DialogState } from "../World.js"
import type { HandlerTable } from "./Handler.js"
import { pageLimit } from "./Handler.js"

const peerOrder = (peer: PeerRef): number =>
  peer.kind === "user" ? peer.id : peer.kind === "chat" ? -peer.id : -(1_000_000_000_000 + peer.id)

/** Compares two (date, id, peer) keys, newest first. */
const compareKeys = (a: readonly [number, number, number], b: readonly [number, number, number]): number =>
  b[0] - a[0] || b[1] - a[1] || b[2] - a[2]

const keyOf = (d: DialogState): [number, number, number] => [d.timeline.topDate, d.timeline.topId, peerOrder(d.peer)]

const renderDialogs = (view: AccountView, dialogs: ReadonlyArray<DialogState>) => {
  const refs = new EntityRefs()
  const rendered = dialogs.map((d) => view.dialog(d, refs))
  return {
    dialogs: rendered.map((r) => r.dialog),
    messages: rendered.flatMap((r) => (r.top === undefined ? [] : [r.top])),
    ...view.entities(refs)
  }
}

/**
 * The archive as folder 0 lists it (pinned_across_folders): a dialogFolder
 * entry whose peer and top message are those of the archive's newest dialog.
 */
const archiveEntry = (view: AccountView, archived: ReadonlyArray<DialogState>, refs: EntityRefs) => {
  const top = [...archived].sort((a, b) => compareKeys(keyOf(a), keyOf(b)))[0]!
  const rendered = view.dialog(top, refs)
  return {
    dialog: new Api.DialogFolder({
      pinned: true,
      folder: new Api.Folder({ id: 1, title: "Archived Chats" }),
      peer: rendered.dialog.peer,
      topMessage: rendered.dialog.topMessage,
      unreadMutedPeersCount: 0,
      unreadUnmutedPeersCount: 0,
      unreadMutedMessagesCount: 0,
      unreadUnmutedMessagesCount: 0
    }),
    top: rendered.top
  }
}

const getDialogs = (req: Api.messages.GetDialogs, view: AccountView): Api.messages.TypeDialogs => {
  // Telegram lists a dialog once it has a message (and GramJS needs that top message).
  const listed = view.account.dialogs.filter((d) => d.timeline.count > 0)
  const selected = listed.filter((d) => req.folderId == null || (req.folderId === 1) === d.archived)
  // Telegram's imperfection: a folder's list starts with the pinned dialogs of both folders.
  const acrossFolders = view.world.realism.pinned_across_folders && req.folderId != null
  const pinned = (acrossFolders ? listed : selected)
    .filter((d) => d.pinned)
    .sort((a, b) => Number(a.archived) - Number(b.archived) || a.order - b.order)
  const rest = selected.filter((d) => !d.pinned).sort((a, b) => compareKeys(keyOf(a), keyOf(b)))
  const archived = listed.filter((d) => d.archived)
  const withArchive = acrossFolders && req.folderId === 0 && archived.length > 0
  const offsetPeer = (req.offsetPeer as Api.TypeInputPeer).className === "InputPeerEmpty" ? undefined : view.peerOf(req.offsetPeer)
  const hasOffset = req.offsetDate > 0 || req.offsetId > 0 || offsetPeer !== undefined
  let ordered: Array<DialogState | "archive">
  const pinnedAt = offsetPeer === undefined || req.excludePinned
    ? -1
    : pinned.findIndex((d) => d.peer.kind === offsetPeer.kind && d.peer.id === offsetPeer.id)
  if (pinnedAt >= 0) {
    // A page that ended inside the pinned block goes on with the next pinned dialog.
    ordered = [...pinned.slice(pinnedAt + 1), ...rest]
  } else if (hasOffset) {
    const offset: [number, number, number] = [
      // Without a date or peer, only an id was given: every dated dialog is older than "no date".
      req.offsetDate > 0 || offsetPeer !== undefined ? req.offsetDate : Number.MAX_SAFE_INTEGER,
      req.offsetId,
      offsetPeer === undefined ? Number.NEGATIVE_INFINITY : peerOrder(offsetPeer)
    ]
    ordered = rest.filter((d) => compareKeys(offset, keyOf(d)) < 0)
  } else {
    ordered = [...(withArchive ? ["archive" as const] : []), ...(req.excludePinned ? rest : [...pinned, ...rest])]
  }
  const page = ordered.slice(0, pageLimit(req.limit))
  const refs = new EntityRefs()
  const rendered = page.map((d) => d === "archive" ? archiveEntry(view, archived, refs) : view.dialog(d, refs))
  const body = {
    dialogs: rendered.map((r) => r.dialog),
    messages: rendered.flatMap((r) => (r.top === undefined ? [] : [r.top])),
    ...view.entities(refs)
  }
  const total = new Set([...pinned, ...selected]).size + (withArchive ? 1 : 0)
  return page.length === total
    ? new Api.messages.Dialogs(body)
    : new Api.messages.DialogsSlice({ count: total, ...body })
}

const getPeerDialogs = (req: Api.messages.GetPeerDialogs, view: AccountView): Api.messages.PeerDialogs => {
  const found: Array<DialogState> = []
  for (const p of req.peers) {
    if (p.className !== "InputDialogPeer") continue
    const dialog = view.dialogOf(view.peerOf(p.peer))
    if (dialog !== undefined && dialog.timeline.count > 0) found.push(dialog)
  }
  return new Api.messages.PeerDialogs({
    ...renderDialogs(view, found),
    state: stateOf(view)
  })
}

/** The account's update state (Updates.ts), as getPeerDialogs carries it. */
const stateOf = (view: AccountView): Api.updates.State => {
  const { date, pts, qts, seq, unreadCount } = view.world.updates.stateOf(view.me)
  return new Api.updates.State({ pts, qts, date, seq, unreadCount })
}

const folder = (view: AccountView, f: ScenarioFolder): Api.TypeDialogFilter => {
  const title = new Api.TextWithEntities({ text: f.title, entities: [] })
  const common = {
    id: f.id,
    title,
    ...(f.emoticon === null ? {} : { emoticon: f.emoticon }),
    pinnedPeers: f.pinnedPeers.map((p) => view.inputPeer(p)),
    includePeers: f.includePeers.map((p) => view.inputPeer(p))
  }
  if (f.chatlist) return new Api.DialogFilterChatlist(common)
  return new Api.DialogFilter({
    ...common,
    excludePeers: f.excludePeers.map((p) => view.inputPeer(p)),
    contacts: f.contacts,
    nonContacts: f.nonContacts,
    groups: f.groups,
    broadcasts: f.broadcasts,
    bots: f.bots,
    excludeMuted: f.excludeMuted,
    excludeRead: f.excludeRead,
    excludeArchived: f.excludeArchived
  })
}

export const dialogHandlers: HandlerTable = {
  "messages.GetDialogs": (req: Api.messages.GetDialogs, ctx, world) => getDialogs(req, world.viewOf(ctx)),
  "messages.GetPeerDialogs": (req: Api.messages.GetPeerDialogs, ctx, world) => getPeerDialogs(req, world.viewOf(ctx)),
  "messages.GetDialogFilters": (_req: Api.messages.GetDialogFilters, ctx, world) => {
    const view = world.viewOf(ctx)
    return new Api.messages.DialogFilters({
      filters: [new Api.DialogFilterDefault(), ...view.account.spec.folders.map((f) => folder(view, f))]
    })
  }
}
