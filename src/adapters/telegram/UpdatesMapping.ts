/**
 * GramJS updates to the domain's: what the connection pushes (Updates,
 * UpdatesCombined, UpdateShort, the short message forms, updatesTooLong,
 * GramJS's connection state), and the answers of updates.getDifference and
 * updates.getChannelDifference. Messages go through the history's own
 * mapping (Mapping.ts), details included, so an event carries the message
 * a history request would.
 */
import type { Api } from "telegram"
import { DialogId, MessageId } from "../../domain/Ids.js"
import { COMMON_BOX, type LiveChange, type SequencedUpdate } from "../../domain/LiveUpdates.js"
import { markPeerId } from "../../domain/PeerId.js"
import type { ChannelDifference, Difference, UpdatePush } from "../../ports/TelegramUpdates.js"
import { num } from "./Longs.js"
import { type Entity, indexEntities, messageOf, peerToMarkedId, serviceMessageOf } from "./Mapping.js"

/** Learns the entities an answer or a push names (PeerCache.remember). */
export type Remember = (users: ReadonlyArray<Api.TypeUser>, chats: ReadonlyArray<Api.TypeChat>, messages?: ReadonlyArray<Api.TypeMessage>) => void

type Entities = ReadonlyMap<number, Entity>

const messageChange = (
  tag: "NewMessage" | "EditMessage",
  m: Api.TypeMessage,
  entities: Entities,
  selfId: number
): LiveChange | null => {
  if (m.className === "MessageEmpty") return null
  const dialogId = peerToMarkedId(m.peerId, selfId)
  if (dialogId === null) return null
  const message = m.className === "Message" ? messageOf(m, entities, selfId) : serviceMessageOf(m, entities)
  return { _tag: tag, dialogId: DialogId(dialogId), message }
}

const channelOfMessage = (m: Api.TypeMessage): DialogId | null =>
  m.className !== "MessageEmpty" && m.peerId?.className === "PeerChannel" ? DialogId(markPeerId("channel", num(m.peerId.channelId))) : null

const hasSequence = (u: object): u is { pts: number; ptsCount: number } =>
  typeof (u as { pts?: unknown }).pts === "number" && typeof (u as { ptsCount?: unknown }).ptsCount === "number"

/** An update that moves a sequence on, in the domain's terms; null for one that moves none. */
export const sequencedOf = (u: Api.TypeUpdate, entities: Entities, selfId: number): SequencedUpdate | null => {
  switch (u.className) {
    case "UpdateNewMessage":
      return { box: COMMON_BOX, pts: u.pts, ptsCount: u.ptsCount, change: messageChange("NewMessage", u.message, entities, selfId) }
    case "UpdateEditMessage":
      return { box: COMMON_BOX, pts: u.pts, ptsCount: u.ptsCount, change: messageChange("EditMessage", u.message, entities, selfId) }
    case "UpdateDeleteMessages":
      return {
        box: COMMON_BOX,
        pts: u.pts,
        ptsCount: u.ptsCount,
        change: { _tag: "DeleteMessages", dialogId: null, ids: u.messages.map(MessageId) }
      }
    case "UpdateNewChannelMessage":
    case "UpdateEditChannelMessage": {
      const channelId = channelOfMessage(u.message)
      if (channelId === null) return null
      const tag = u.className === "UpdateNewChannelMessage" ? "NewMessage" : "EditMessage"
      return { box: { _tag: "Channel", channelId }, pts: u.pts, ptsCount: u.ptsCount, change: messageChange(tag, u.message, entities, selfId) }
    }
    case "UpdateDeleteChannelMessages": {
      const channelId = DialogId(markPeerId("channel", num(u.channelId)))
      return {
        box: { _tag: "Channel", channelId },
        pts: u.pts,
        ptsCount: u.ptsCount,
        change: { _tag: "DeleteMessages", dialogId: channelId, ids: u.messages.map(MessageId) }
      }
    }
    default: {
      if (!hasSequence(u)) return null
      const channel = (u as { channelId?: unknown }).channelId
      return channel === undefined || channel === null
        ? { box: COMMON_BOX, pts: u.pts, ptsCount: u.ptsCount, change: null }
        : { box: { _tag: "Channel", channelId: DialogId(markPeerId("channel", num(channel as never))) }, pts: u.pts, ptsCount: u.ptsCount, change: null }
    }
  }
}

const channelTooLongOf = (u: Api.TypeUpdate): DialogId | null =>
  u.className === "UpdateChannelTooLong" ? DialogId(markPeerId("channel", num(u.channelId))) : null

/** A list of updates as pushes: the sequenced ones together, a channel's "too long" on its own, in order. */
const pushesOfList = (list: ReadonlyArray<Api.TypeUpdate>, entities: Entities, selfId: number): Array<UpdatePush> => {
  const out: Array<UpdatePush> = []
  let run: Array<SequencedUpdate> = []
  const flush = () => {
    if (run.length > 0) out.push({ _tag: "Updates", updates: run })
    run = []
  }
  for (const u of list) {
    const tooLong = channelTooLongOf(u)
    if (tooLong !== null) {
      flush()
      out.push({ _tag: "ChannelTooLong", channelId: tooLong })
      continue
    }
    const s = sequencedOf(u, entities, selfId)
    if (s !== null) run.push(s)
  }
  flush()
  return out
}

const messagesIn = (list: ReadonlyArray<Api.TypeUpdate>): Array<Api.TypeMessage> =>
  list.flatMap((u) => "message" in u && typeof u.message === "object" && u.message !== null ? [u.message as Api.TypeMessage] : [])

/** What one object the connection delivered means; nothing for what does not concern the loop. */
export const pushesOf = (update: unknown, selfId: number, remember: Remember): Array<UpdatePush> => {
  if (update === null || typeof update !== "object") return []
  // GramJS's connection state (UpdateConnectionState: 1 connected, 0 broken, -1 disconnected).
  if (!("className" in update)) return (update as { state?: unknown }).state === 1 ? [{ _tag: "Connected" }] : []
  const u = update as Api.TypeUpdates
  switch (u.className) {
    case "UpdatesTooLong":
      return [{ _tag: "TooLong" }]
    case "UpdateShortMessage":
    case "UpdateShortChatMessage":
      return [{ _tag: "Short", pts: u.pts, ptsCount: u.ptsCount }]
    case "UpdateShort":
      return pushesOfList([u.update], new Map(), selfId)
    case "Updates":
    case "UpdatesCombined":
      remember(u.users, u.chats, messagesIn(u.updates))
      return pushesOfList(u.updates, indexEntities(u.users, u.chats), selfId)
    default:
      return []
  }
}

/** updates.getDifference's answer. */
export const differenceOf = (d: Api.updates.TypeDifference, selfId: number, remember: Remember): Difference => {
  switch (d.className) {
    case "updates.DifferenceEmpty":
      return { _tag: "Empty", date: d.date, seq: d.seq }
    case "updates.DifferenceTooLong":
      return { _tag: "TooLong", pts: d.pts }
    case "updates.Difference":
    case "updates.DifferenceSlice": {
      remember(d.users, d.chats, d.newMessages)
      const entities = indexEntities(d.users, d.chats)
      const changes: Array<LiveChange> = []
      for (const m of d.newMessages) {
        const change = messageChange("NewMessage", m, entities, selfId)
        if (change !== null) changes.push(change)
      }
      const channelUpdates: Array<SequencedUpdate> = []
      const channelsTooLong: Array<{ channelId: DialogId; pts: number | null }> = []
      for (const u of d.otherUpdates) {
        const tooLong = channelTooLongOf(u)
        if (tooLong !== null) {
          channelsTooLong.push({ channelId: tooLong, pts: u.className === "UpdateChannelTooLong" ? u.pts ?? null : null })
          continue
        }
        const s = sequencedOf(u, entities, selfId)
        if (s === null) continue
        if (s.box._tag === "Channel") channelUpdates.push(s)
        else if (s.change !== null) changes.push(s.change)
      }
      const state = d.className === "updates.Difference" ? d.state : d.intermediateState
      return {
        _tag: "Changes",
        state: { pts: state.pts, qts: state.qts, date: state.date, seq: state.seq },
        final: d.className === "updates.Difference",
        changes,
        channelUpdates,
        channelsTooLong
      }
    }
  }
}

/** updates.getChannelDifference's answer; `current` is kept when a too-long answer names no position. */
export const channelDifferenceOf = (
  d: Api.updates.TypeChannelDifference,
  selfId: number,
  remember: Remember,
  current: number
): ChannelDifference => {
  switch (d.className) {
    case "updates.ChannelDifferenceEmpty":
      return { _tag: "Empty", pts: d.pts, final: d.final === true }
    case "updates.ChannelDifferenceTooLong": {
      remember(d.users, d.chats, d.messages)
      const dialog = d.dialog.className === "Dialog" ? d.dialog : undefined
      return { _tag: "TooLong", pts: dialog?.pts ?? current, top: dialog?.topMessage ?? 0 }
    }
    case "updates.ChannelDifference": {
      remember(d.users, d.chats, d.newMessages)
      const entities = indexEntities(d.users, d.chats)
      const changes: Array<LiveChange> = []
      for (const m of d.newMessages) {
        const change = messageChange("NewMessage", m, entities, selfId)
        if (change !== null) changes.push(change)
      }
      for (const u of d.otherUpdates) {
        const change = sequencedOf(u, entities, selfId)?.change
        if (change != null) changes.push(change)
      }
      return { _tag: "Changes", pts: d.pts, final: d.final === true, changes }
    }
  }
}

