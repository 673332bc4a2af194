/**
 * The live-changes oracle (LiveChangesOracle.ts) on hand-made boxes: what
 * Telegram's difference may fold passes; a repeat, a change told out of
 * order, a deletion left out, a stale final state and a dialog-less
 * deletion of a cached message do not.
 */
import { describe, expect, it } from "vitest"
import { type Box, checkBox, type Told } from "./LiveChangesOracle.js"

const CHANNEL = -1000000003001
const CHAT = -2001

const channel: Box = {
  name: "channel",
  dialogIds: [CHANNEL],
  common: false,
  changes: [
    { pts: 2, kind: "new_message", dialogId: CHANNEL, ids: [10] },
    { pts: 3, kind: "edit_message", dialogId: CHANNEL, ids: [10] },
    { pts: 4, kind: "new_message", dialogId: CHANNEL, ids: [11] },
    { pts: 5, kind: "edit_message", dialogId: CHANNEL, ids: [1] },
    { pts: 6, kind: "delete_messages", dialogId: CHANNEL, ids: [11] }
  ]
}
/** The channel now: 10 reads "b", 11 is gone, 1 (there before) reads "c". */
const texts: Record<number, string | undefined> = { 10: "b", 1: "c" }
const world = { textOf: (_: number, id: number) => texts[id], preexisting: (_: number, id: number) => id === 1 }

let next = 1
const told = (event: string, dialogId: number | null, ids: number | Array<number>, message?: string): Told => ({
  id: next++,
  event,
  data: event === "delete_messages" ? { dialog_id: dialogId, message_ids: ids } : { dialog_id: dialogId, message_id: ids, message }
})

describe("checkBox", () => {
  it("accepts every change told in order, and what a difference folds: an edit into its new message, a message deleted since", () => {
    expect(checkBox(channel, [
      told("new_message", CHANNEL, 10, "a"),
      told("edit_message", CHANNEL, 10, "b"),
      told("new_message", CHANNEL, 11, "x"),
      told("edit_message", CHANNEL, 1, "c"),
      told("delete_messages", CHANNEL, [11])
    ], world)).toEqual([])
    // A difference: new messages first (10 read as edited, 11 left out as deleted), then the other updates in order.
    expect(checkBox(channel, [
      told("new_message", CHANNEL, 10, "b"),
      told("edit_message", CHANNEL, 1, "c"),
      told("delete_messages", CHANNEL, [11])
    ], world)).toEqual([])
  })

  it("finds a repeat, an order broken, a deletion left out and a final state not told", () => {
    expect(checkBox(channel, [
      told("new_message", CHANNEL, 10, "b"),
      told("new_message", CHANNEL, 10, "b"),
      told("edit_message", CHANNEL, 1, "c"),
      told("delete_messages", CHANNEL, [11])
    ], world)).toEqual([
      expect.stringMatching(/new_message dialog -1000000003001 10 "b" tells no new_message change after pts 2/),
      "channel: message 10 told as new after another event, or twice"
    ])
    expect(checkBox(channel, [
      told("new_message", CHANNEL, 11, "x"),
      told("new_message", CHANNEL, 10, "b"),
      told("edit_message", CHANNEL, 1, "c"),
      told("delete_messages", CHANNEL, [11])
    ], world)).toContainEqual(expect.stringMatching(/10 "b" tells no new_message change after pts 4/))
    expect(checkBox(channel, [told("new_message", CHANNEL, 10, "b"), told("edit_message", CHANNEL, 1, "c")], world))
      .toEqual(["channel: change at pts 6 (delete_messages -1000000003001 11) never told", "channel: message 11 of -1000000003001 changed, nothing told"])
    expect(checkBox(channel, [
      told("new_message", CHANNEL, 10, "a"),
      told("edit_message", CHANNEL, 1, "c"),
      told("delete_messages", CHANNEL, [11])
    ], world)).toEqual([expect.stringMatching(/message 10 reads "b", last told event \d+ new_message/)])
  })

  it("lets a common-box deletion name no dialog only for a message no cache held", () => {
    const common: Box = {
      name: "common",
      dialogIds: [CHAT],
      common: true,
      changes: [
        { pts: 7, kind: "new_message", dialogId: CHAT, ids: [50] },
        { pts: 8, kind: "delete_messages", dialogId: CHAT, ids: [50] }
      ]
    }
    const gone = { textOf: () => undefined, preexisting: () => false }
    expect(checkBox(common, [told("delete_messages", null, [50])], gone)).toEqual([])
    expect(checkBox(common, [told("new_message", CHAT, 50, "hi"), told("delete_messages", null, [50])], gone))
      .toEqual([expect.stringMatching(/names no dialog, yet message 50 is in a cache/)])
  })
})
