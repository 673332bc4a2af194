/**
 * Catching up with updates (core.telegram.org/api/updates), from the boxes
 * Updates.ts keeps:
 * - updates.getState: the account's pts, qts, seq, date and unread count.
 * - updates.getDifference: the common box's changes after the client's pts,
 *   oldest first: new messages in new_messages (as they read now; one deleted
 *   since is left out, its deletion follows), updateEditMessage and
 *   updateDeleteMessages in other_updates. No channel messages: for every
 *   channel the account is in that changed at the client's `date` or later,
 *   an updateChannelTooLong with the channel's pts (fetch it with
 *   getChannelDifference), and updateChannel for a channel it joined or left.
 *   Answers differenceEmpty when nothing changed, differenceSlice (with
 *   intermediate_state) past `difference_limit` changes or the request's
 *   pts_limit, differenceTooLong when the pts is older than the kept log (or
 *   newer than the box's), or further behind than pts_total_limit.
 * - updates.getChannelDifference: the channel's changes after pts
 *   (updateNewChannelMessage as new_messages, updateEditChannelMessage,
 *   updateDeleteChannelMessages), at most `limit` (1-100000, default 100)
 *   with `final` false when more remain; channelDifferenceTooLong (the
 *   dialog with the current pts, and the latest messages) when the pts is
 *   older than the kept log or more than `limit` new messages are waiting;
 *   CHANNEL_PRIVATE for a channel the account is not in.
 */
import bigInt from "big-integer"
import { Api } from "telegram"
import { type AccountView, EntityRefs } from "../AccountView.js"
import type { Change } from "../UpdateLog.js"
import { renderChange } from "../UpdateRender.js"
import { channelAsUpdated } from "../Updates.js"
import type { World } from "../World.js"
import type { HandlerTable } from "./Handler.js"

const seconds = (ms: number) => Math.floor(ms / 1000)

const stateOf = (world: World, view: AccountView, pts?: number, date?: number): Api.updates.State => {
  const state = world.updates.stateOf(view.me)
  return new Api.updates.State({
    pts: pts ?? state.pts,
    qts: state.qts,
    date: date ?? state.date,
    seq: state.seq,
    unreadCount: state.unreadCount
  })
}

/** Changes rendered for one account: new messages and other updates, each once, in the order they happened. */
const renderChanges = (view: AccountView, changes: ReadonlyArray<Change>, refs: EntityRefs) => {
  const newMessages: Array<Api.TypeMessage> = []
  const otherUpdates: Array<Api.TypeUpdate> = []
  const fresh = new Set<number>()
  for (const change of changes) {
    // An edit of a message this answer already gives as new: it reads edited there.
    if (change.kind === "edit_message" && fresh.has(change.ids[0]!)) continue
    const rendered = renderChange(view, change, refs)
    if (rendered === undefined) continue
    if (rendered.kind === "message") {
      fresh.add(change.ids[0]!)
      newMessages.push(rendered.message)
    } else otherUpdates.push(rendered.update)
  }
  return { newMessages, otherUpdates }
}

const getDifference = (req: Api.updates.GetDifference, world: World, view: AccountView): Api.updates.TypeDifference => {
  const box = world.updates.accountBox(view.me)
  const pts = req.pts
  const missed = box.since(pts)
  const tooFar = req.ptsTotalLimit != null && req.ptsTotalLimit > 0 && pts + req.ptsTotalLimit < box.pts
  if (world.updates.takeDifferenceTooLong(view.me) || missed.kind === "too_old" || tooFar) {
    return new Api.updates.DifferenceTooLong({ pts: box.pts })
  }
  const refs = new EntityRefs()
  const hintDate = req.date
  const channelHints: Array<Api.TypeUpdate> = []
  for (const id of world.updates.memberChannels(view.account)) {
    const changed = world.updates.channelBox(id).lastDate
    if (changed > 0 && changed >= hintDate) {
      refs.add({ kind: "channel", id })
      channelHints.push(new Api.UpdateChannelTooLong({ channelId: bigInt(id), pts: world.updates.channelPts(id) }))
    }
  }
  // Channels the account was removed from or let back into: updateChannel, the channel as it now is to the account.
  const membership = new Map<number, Api.TypeChat>()
  for (const hint of world.updates.hintsSince(view.me, hintDate)) {
    if (membership.has(hint.channelId)) continue
    membership.set(hint.channelId, channelAsUpdated(view, hint.channelId))
    channelHints.push(new Api.UpdateChannel({ channelId: bigInt(hint.channelId) }))
  }
  const limit = Math.min(world.updates.settings.difference_limit, req.ptsLimit != null && req.ptsLimit > 0 ? req.ptsLimit : Infinity)
  const pending = missed.changes
  if (pending.length === 0 && channelHints.length === 0) {
    return new Api.updates.DifferenceEmpty({ date: seconds(world.now()), seq: world.updates.seqOf(view.me) })
  }
  const taken = pending.slice(0, limit)
  const { newMessages, otherUpdates } = renderChanges(view, taken, refs)
  const { chats, users } = view.entities(refs)
  const body = {
    newMessages,
    newEncryptedMessages: [],
    otherUpdates: [...otherUpdates, ...channelHints],
    chats: [...chats.filter((c) => !membership.has(Number(c.id))), ...membership.values()],
    users
  }
  if (taken.length < pending.length) {
    const last = taken[taken.length - 1]!
    return new Api.updates.DifferenceSlice({ ...body, intermediateState: stateOf(world, view, last.pts, last.date) })
  }
  return new Api.updates.Difference({ ...body, state: stateOf(world, view) })
}

/** Which changes a ChannelMessagesFilter lets through (ids in its ranges; none new with exclude_new_messages). */
const channelFilter = (filter: Api.TypeChannelMessagesFilter | null | undefined) => (change: Change): boolean => {
  if (filter == null || filter.className !== "ChannelMessagesFilter") return true
  if (filter.excludeNewMessages && change.kind === "new_message") return false
  return change.ids.some((id) => filter.ranges.some((r) => id >= r.minId && id <= r.maxId))
}

const getChannelDifference = (req: Api.updates.GetChannelDifference, world: World, view: AccountView): Api.updates.TypeChannelDifference => {
  const id = view.channelOf(req.channel)
  const peer = { kind: "channel", id } as const
  const box = world.updates.channelBox(id)
  const timeout = world.updates.settings.channel_timeout
  const limit = req.limit > 0 ? Math.min(req.limit, 100_000) : 100
  const missed = box.since(req.pts)
  const timeline = world.timelineOf(peer, null)!
  const waitingNew = missed.kind === "changes"
    ? missed.changes.filter((c) => c.kind === "new_message" && timeline.has(c.ids[0]!)).length
    : 0
  if (world.updates.takeChannelDifferenceTooLong(id) || missed.kind === "too_old" || waitingNew > limit) {
    const refs = new EntityRefs().add(peer)
    const dialogState = view.dialogOf(peer) ?? {
      peer, timeline, unreadCount: 0, archived: false, pinned: false, muted: false, order: 0
    }
    const { dialog } = view.dialog(dialogState, refs)
    // The latest messages (not those since the client's pts): Telegram sends a page of them.
    const latest = Array.from({ length: Math.min(limit, 100, timeline.count) }, (_, k) =>
      view.message(timeline, timeline.message(timeline.idAtDesc(k))!, refs))
    return new Api.updates.ChannelDifferenceTooLong({ final: true, timeout, dialog, messages: latest, ...view.entities(refs) })
  }
  // At most `limit` changes; the answer's pts is that of the last change it covers (filtered out or not).
  const all = missed.changes
  const covered = all.slice(0, limit)
  const refs = new EntityRefs().add(peer)
  const { newMessages, otherUpdates } = renderChanges(view, covered.filter(channelFilter(req.filter)), refs)
  if (covered.length === all.length && newMessages.length === 0 && otherUpdates.length === 0) {
    return new Api.updates.ChannelDifferenceEmpty({ final: true, pts: box.pts, timeout })
  }
  const last = covered[covered.length - 1]!
  return new Api.updates.ChannelDifference({
    final: covered.length === all.length,
    pts: last.pts,
    timeout,
    newMessages,
    otherUpdates,
    ...view.entities(refs)
  })
}

export const updateHandlers: HandlerTable = {
  "updates.GetState": (_req: Api.updates.GetState, ctx, world) => stateOf(world, world.viewOf(ctx)),
  "updates.GetDifference": (req: Api.updates.GetDifference, ctx, world) => getDifference(req, world, world.viewOf(ctx)),
  "updates.GetChannelDifference": (req: Api.updates.GetChannelDifference, ctx, world) =>
    getChannelDifference(req, world, world.viewOf(ctx))
}
