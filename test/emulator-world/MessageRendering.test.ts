/**
 * The world renders messages without running GramJS's Message constructor
 * (too slow for paging big histories); the bytes must still be exactly what
 * GramJS's own Api.Message with the same fields serialises to, for every
 * kind of message the sample has (senders, forwards, replies, edits, each
 * media kind, generated posts).
 */
import { describe, expect, it } from "@effect/vitest"
import { Api } from "telegram"
import { EntityRefs } from "../emulator/AccountView.js"
import { serializeTl } from "../emulator/serializeTl.js"
import { sampleWorld } from "./WorldHarness.js"

describe("rendered messages", () => {
  it("serialise to the bytes of GramJS's Api.Message (or MessageService) with the same fields, for every message of every dialog", () => {
    const world = sampleWorld()
    let checked = 0
    for (const userId of [1001, 1002]) {
      const view = world.viewOfAccount(userId)
      for (const dialog of view.account.dialogs) {
        const timeline = dialog.timeline
        for (const id of [...timeline.idsNewestFirst()].slice(0, 300)) {
          const rendered = view.message(timeline, timeline.message(id)!, new EntityRefs())
          // The sample's service messages (chat_create, topic_create, pin_message...) are MessageService.
          const Class = rendered.className === "MessageService" ? Api.MessageService : Api.Message
          expect(rendered).toBeInstanceOf(Class)
          const { CONSTRUCTOR_ID: _c, SUBCLASS_OF_ID: _s, className: _n, classType: _t, ...fields } = rendered as unknown as Record<string, unknown>
          const gramjs = new Class(fields as never)
          const bytes = serializeTl(rendered)
          expect(bytes.equals(gramjs.getBytes())).toBe(true)
          expect(rendered.getBytes().equals(bytes)).toBe(true)
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(400)
  })
})
