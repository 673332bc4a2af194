/** read_history's Markdown block of one message: what it shows of the message's details. */
import { describe, expect, it } from "vitest"
import { EMPTY_DETAILS } from "../../src/domain/MessageDetails.js"
import { messageBlock } from "../../src/mcp/Transcript.js"
import { message } from "../adapters/sqlite/MessageFixtures.js"

const context = { dialogId: -1000000003005, dialog: null }
const block = (overrides: Parameters<typeof message>[2]) => messageBlock({ message: message(21, 1_700_000_000, overrides), media: null }, context)

describe("messageBlock", () => {
  it("a message without details shows none, and one cached before they were known the same", () => {
    expect(block({ text: "" })).toBe("**#21** · 2023-11-14 22:13:20 · Bob @bob (id 1002)\n\n")
    expect(block({ text: "", details: null })).toBe(block({ text: "" }))
  })

  it("the topic, the forward's original sender, pinned; views, forwards, comments and reactions on a line of their own", () => {
    const shown = block({
      text: "",
      isForwarded: true,
      details: {
        ...EMPTY_DETAILS,
        topicId: 12,
        forwardFromId: 1003,
        forwardFromName: "Carol *Bold*",
        pinned: true,
        views: 1200,
        forwards: 3,
        replies: 4,
        discussionId: -1000000003002,
        reactions: [
          { kind: "emoji", emoji: "👍", count: 3, chosen: true },
          { kind: "custom_emoji", customEmojiId: "1", count: 1, chosen: false }
        ]
      }
    })
    expect(shown).toBe(
      "**#21** · 2023-11-14 22:13:20 · Bob @bob (id 1002) · topic #12 · forwarded from Carol \\*Bold\\* (id 1003) · pinned\n" +
        "views 1200 · forwards 3 · 4 comments · reactions 👍 3 (yours), custom emoji 1\n\n"
    )
  })

  it("a service message names its action", () => {
    expect(block({ text: "", details: { ...EMPTY_DETAILS, action: { type: "pin_message", message_id: 2 } } }))
      .toBe("**#21** · 2023-11-14 22:13:20 · Bob @bob (id 1002)\n[service message: pin\\_message]\n\n")
  })
})
