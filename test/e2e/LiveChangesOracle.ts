/**
 * Whether the events a client received from GET /api/v3/updates tell the
 * changes the emulator made, exactly once and in order. Each message box
 * (a channel's; the account's common box for its private chats and basic
 * groups) has a log of changes (the emulator's, GET /updates/changes). A
 * difference gives a box's new messages apart from its other updates
 * (edits, deletions), each list in order, so the two are not ordered
 * against each other; hence the box's new-message events must tell its new
 * messages in order, and its other events its edits and deletions in order
 * (subsequences, one event per change), and each message's own events
 * must be in order (new first, deletion last). Only these changes may go
 * untold, as Telegram's difference folds them:
 * - a new message or an edit of a message deleted since (its deletion is told);
 * - an edit of a message whose later event tells its final state (an edit
 *   folded into the message given as new, a message read as it is now).
 * A deletion is never left out. For every message changed, the last event
 * naming it tells its final state: its text now, or its deletion. A new
 * message is told at most once, and exactly once unless deleted since. A
 * common-box deletion may name no dialog only for a message no cache could
 * hold (never told as new, not there before).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

export interface BoxChange {
  readonly pts: number
  readonly kind: "new_message" | "edit_message" | "delete_messages"
  /** The dialog's marked id. */
  readonly dialogId: number
  readonly ids: ReadonlyArray<number>
}

export interface Box {
  readonly name: string
  /** The dialogs whose changes go to this box. */
  readonly dialogIds: ReadonlyArray<number>
  /** The account's common box: its deletions name message ids only (unique in the box). */
  readonly common: boolean
  readonly changes: ReadonlyArray<BoxChange>
}

export interface Told {
  readonly id: number
  readonly event: string
  readonly data: Json
}

export interface World {
  /** The message's text now; undefined once deleted. */
  readonly textOf: (dialogId: number, messageId: number) => string | undefined
  /** Whether the message was there before the changes began. */
  readonly preexisting: (dialogId: number, messageId: number) => boolean
  /** Whether a cache held it then (without: every message there before; realistic short pages hide some). */
  readonly cached?: (dialogId: number, messageId: number) => boolean
}

const idsOf = (e: Told): ReadonlyArray<number> => (e.event === "delete_messages" ? e.data.message_ids : [e.data.message_id]) as ReadonlyArray<number>

const show = (e: Told) =>
  `event ${e.id} ${e.event} dialog ${e.data.dialog_id} ${idsOf(e).join(",")}${e.data.message === undefined ? "" : ` ${JSON.stringify(e.data.message)}`}`

/**
 * Matches `told` (in order) to changes of `changes` (in order), each to a later one than the last: the pts of the
 * changes told, and the events that tell none (a repeat, or out of order).
 */
const embed = (told: ReadonlyArray<Told>, changes: ReadonlyArray<BoxChange>, fits: (c: BoxChange, e: Told) => boolean) => {
  const matched = new Set<number>()
  const unmatched: Array<{ readonly event: Told; readonly after: number | undefined }> = []
  let at = 0
  for (const e of told) {
    let k = at
    while (k < changes.length && !fits(changes[k]!, e)) k++
    if (k === changes.length) {
      unmatched.push({ event: e, after: changes[at - 1]?.pts })
      continue
    }
    matched.add(changes[k]!.pts)
    at = k + 1
  }
  return { matched, unmatched }
}

/** The problems found in one box (none: the events tell its changes as required). */
export const checkBox = (box: Box, told: ReadonlyArray<Told>, world: World): Array<string> => {
  const problems: Array<string> = []
  const mine = told.filter((e) => box.dialogIds.includes(e.data.dialog_id) || (box.common && e.data.dialog_id === null))
  const fits = (c: BoxChange, e: Told) => {
    const ids = idsOf(e)
    return c.kind === e.event && c.ids.length === ids.length && c.ids.every((id, k) => id === ids[k]) &&
      (c.dialogId === e.data.dialog_id || (box.common && e.data.dialog_id === null))
  }
  // A difference gives the new messages and the other updates apart, each in order: each kind keeps its order.
  const isNew = (kind: string) => kind === "new_message"
  const news = embed(mine.filter((e) => isNew(e.event)), box.changes.filter((c) => isNew(c.kind)), fits)
  const others = embed(mine.filter((e) => !isNew(e.event)), box.changes.filter((c) => !isNew(c.kind)), fits)
  for (const { event, after } of [...news.unmatched, ...others.unmatched]) {
    problems.push(`${box.name}: ${show(event)} tells no ${event.event} change after pts ${after ?? "the start"} (a repeat, or out of order)`)
  }
  for (const c of box.changes) {
    if (news.matched.has(c.pts) || others.matched.has(c.pts)) continue
    const gone = c.ids.every((id) => world.textOf(c.dialogId, id) === undefined)
    if (c.kind === "delete_messages" || (c.kind === "new_message" && !gone)) {
      problems.push(`${box.name}: change at pts ${c.pts} (${c.kind} ${c.dialogId} ${c.ids.join(",")}) never told`)
    }
  }
  // Each message's own events in order: told as new first, if at all; deleted last; its final state the last told.
  // Messages are keyed by id within the box (a common box's ids are unique across its dialogs).
  const dialogOf = new Map<number, number>()
  for (const c of box.changes) for (const id of c.ids) dialogOf.set(id, c.dialogId)
  const toldOf = new Map<number, Array<Told>>()
  for (const e of mine) for (const id of idsOf(e)) toldOf.set(id, [...toldOf.get(id) ?? [], e])
  for (const [id, dialogId] of dialogOf) {
    const list = toldOf.get(id) ?? []
    const now = world.textOf(dialogId, id)
    const last = list.at(-1)
    if (last === undefined) {
      problems.push(`${box.name}: message ${id} of ${dialogId} changed, nothing told`)
      continue
    }
    const newAt = list.findIndex((e) => isNew(e.event))
    const deletedAt = list.findIndex((e) => e.event === "delete_messages")
    if (newAt > 0 || list.filter((e) => isNew(e.event)).length > 1) problems.push(`${box.name}: message ${id} told as new after another event, or twice`)
    if (deletedAt !== -1 && deletedAt !== list.length - 1) problems.push(`${box.name}: message ${id} told again after its deletion (${show(last)})`)
    if (deletedAt !== -1 && list[deletedAt]!.data.dialog_id === null && (newAt !== -1 || (world.cached ?? world.preexisting)(dialogId, id))) {
      problems.push(`${box.name}: ${show(list[deletedAt]!)} names no dialog, yet message ${id} is in a cache`)
    }
    if (now === undefined && last.event !== "delete_messages") problems.push(`${box.name}: message ${id} is deleted, last told ${show(last)}`)
    if (now !== undefined && (last.event === "delete_messages" || last.data.message !== now)) {
      problems.push(`${box.name}: message ${id} reads ${JSON.stringify(now)}, last told ${show(last)}`)
    }
    if (now !== undefined && !world.preexisting(dialogId, id) && newAt === -1) {
      problems.push(`${box.name}: message ${id} of ${dialogId} never told as new`)
    }
  }
  return problems
}
