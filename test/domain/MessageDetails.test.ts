import { FastCheck as fc } from "effect"
import { describe, expect, it } from "vitest"
import { decodeDetails, EMPTY_DETAILS, encodeDetails } from "../../src/domain/MessageDetails.js"
import { Backward, Forward, refreshedReach } from "../../src/domain/HistoryWalk.js"
import { details } from "../support/DetailsArbitrary.js"

describe("MessageDetails' cache encoding", () => {
  it("gives back what it was given, whatever it holds", () => {
    fc.assert(
      fc.property(details, (d) => {
        if (d === null) return
        expect(decodeDetails(encodeDetails(d))).toEqual(d)
      }),
      { numRuns: 2000 }
    )
  })

  it("costs two bytes for a message with none, and reads back as the shared empty value", () => {
    expect(encodeDetails(EMPTY_DETAILS)).toBe("{}")
    expect(encodeDetails({ ...EMPTY_DETAILS, reactions: [], entities: [] })).toBe("{}")
    expect(decodeDetails("{}")).toBe(EMPTY_DETAILS)
  })

  it("keeps only what differs from an empty message, under short keys", () => {
    expect(encodeDetails({ ...EMPTY_DETAILS, views: 0, pinned: true, groupedId: "13494839587293847123" }))
      .toBe("{\"v\":0,\"p\":true,\"g\":\"13494839587293847123\"}")
  })
})

describe("refreshedReach", () => {
  it("serves up to the second of the next message still to refresh, in either direction", () => {
    expect(refreshedReach(Forward, 500, null)).toBe(500)
    expect(refreshedReach(Forward, 500, 300)).toBe(300)
    expect(refreshedReach(Forward, 500, 700)).toBe(500)
    expect(refreshedReach(Backward, 100, null)).toBe(100)
    expect(refreshedReach(Backward, 100, 300)).toBe(301)
    expect(refreshedReach(Backward, 400, 300)).toBe(400)
  })
})
