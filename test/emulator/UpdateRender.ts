/**
 * Changes of a message box (UpdateLog.ts) as the TL objects Telegram sends
 * one account: in a difference (new_messages and other_updates) or pushed
 * on the live connection (updateShortMessage / updateShortChatMessage for a
 * plain text in a private chat or basic group, else `updates` with
 * updateNewMessage, updateEditMessage, updateDeleteMessages, or their
 * channel forms with the channel's pts).
 */
import bigInt from "big-integer"
import { Api } from "telegram"
import { type AccountView, entityOf, EntityRefs } from "./AccountView.js"
import type { MessageSpec } from "./Scenario.js"
import type { Change } from "./UpdateLog.js"

/** A change rendered for one account: a message for new_messages, or an update for other_updates. */
export type Rendered =
  | { readonly kind: "message"; readonly message: Api.TypeMessage }
  | { readonly kind: "update"; readonly update: Api.TypeUpdate }

const isChannel = (change: Change): boolean => change.timeline.peer.kind === "channel"

/**
 * The change as it reads now: undefined for a new or edited message that has
 * been deleted since (its deletion is a change of its own).
 */
export const renderChange = (view: AccountView, change: Change, refs: EntityRefs): Rendered | undefined => {
  const { timeline } = change
  const at = { pts: change.pts, ptsCount: change.ptsCount }
  if (change.kind === "delete_messages") {
    const messages = [...change.ids]
    if (!isChannel(change)) return { kind: "update", update: new Api.UpdateDeleteMessages({ messages, ...at }) }
    refs.add(timeline.peer)
    return {
      kind: "update",
      update: new Api.UpdateDeleteChannelMessages({ channelId: bigInt(timeline.peer.id), messages, ...at })
    }
  }
  const spec = timeline.message(change.ids[0]!)
  if (spec === undefined) return undefined
  const message = view.message(timeline, spec, refs)
  if (change.kind === "new_message") return { kind: "message", message }
  return {
    kind: "update",
    update: isChannel(change)
      ? new Api.UpdateEditChannelMessage({ message, ...at })
      : new Api.UpdateEditMessage({ message, ...at })
  }
}

/** A text Telegram sends as updateShort*Message: no media, service action, forward, bot, mention of a user, reactions or album. */
const plain = (m: MessageSpec): boolean =>
  m.media === null && m.action === null && m.fwdFrom === null && m.viaBot === null && m.reactions.length === 0 &&
  m.groupedId === null && m.discussionOf === null && m.from.kind === "user" && m.entities.every((e) => e.userId === null)

const shortFields = (view: AccountView, m: MessageSpec, change: Change) => ({
  out: m.from.kind === "user" && m.from.id === view.me,
  id: m.id,
  message: m.text,
  pts: change.pts,
  ptsCount: change.ptsCount,
  date: m.date,
  ...(m.replyTo === null ? {} : { replyTo: new Api.MessageReplyHeader({ replyToMsgId: m.replyTo }) }),
  ...(m.entities.length === 0 ? {} : { entities: m.entities.map(entityOf) })
})

/** The short form of a new plain text in a private chat (not Saved Messages) or basic group, if Telegram would use one. */
const shortPush = (view: AccountView, change: Change): Api.TypeUpdates | undefined => {
  if (change.kind !== "new_message") return undefined
  const { peer } = change.timeline
  const m = change.timeline.message(change.ids[0]!)
  if (m === undefined || !plain(m) || m.replyToTopId !== null || m.quote !== null) return undefined
  if (peer.kind === "user" && peer.id !== view.me) {
    return new Api.UpdateShortMessage({ ...shortFields(view, m, change), userId: bigInt(peer.id) })
  }
  if (peer.kind === "chat") {
    return new Api.UpdateShortChatMessage({ ...shortFields(view, m, change), fromId: bigInt(m.from.id), chatId: bigInt(peer.id) })
  }
  return undefined
}

/** What Telegram pushes to one account for a change; undefined when there is nothing left to say (a message deleted since). */
export const pushOf = (view: AccountView, change: Change, date: number): Api.TypeUpdates | undefined => {
  const short = shortPush(view, change)
  if (short !== undefined) return short
  const refs = new EntityRefs()
  const rendered = renderChange(view, change, refs)
  if (rendered === undefined) return undefined
  const at = { pts: change.pts, ptsCount: change.ptsCount }
  const update = rendered.kind === "update"
    ? rendered.update
    : isChannel(change)
    ? new Api.UpdateNewChannelMessage({ message: rendered.message, ...at })
    : new Api.UpdateNewMessage({ message: rendered.message, ...at })
  return new Api.Updates({ updates: [update], ...view.entities(refs), date, seq: 0 })
}
