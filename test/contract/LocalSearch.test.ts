/**
 * The cache search's answer and failures as the ways in show them
 * (src/contract/LocalSearch.ts): the failures' kinds and wording (the e2e
 * tests cannot easily reach every one, e.g. ensure over too many dialogs),
 * and coverage ranges written as message dates, an open end as "now".
 */
import { describe, expect, it } from "vitest"
import { ENSURE_MAX_DIALOGS, EnsureTooBroad, type LocalSearchRequest } from "../../src/ports/LocalSearch.js"
import { localSearchFailure, localSearchView } from "../../src/contract/LocalSearch.js"
import { HTTP_WAY_IN } from "../../src/contract/FailureDetails.js"
import { FolderNotFound } from "../../src/domain/FolderMembership.js"
import { DialogId } from "../../src/domain/Ids.js"
import { InvalidSearchQuery, parseSearchQuery } from "../../src/domain/TextSearch.js"
import { MessageStoreError } from "../../src/ports/MessageStore.js"
import { SearchIndexError } from "../../src/ports/SearchIndex.js"
import { FloodWait, PeerNotFound } from "../../src/ports/TelegramGateway.js"
import { Either } from "effect"

const request: LocalSearchRequest = {
  query: "zephyr", dialogIds: null, folder: null, before: null, after: null, senderId: null, hasMedia: null, mediaType: null,
  hasLink: null, sort: "date", limit: 50, offset: 0, source: "cache", ensure: false
}

describe("localSearchFailure", () => {
  it("a client's mistakes are 400/404 in the contract's words; Telegram's as Telegram search's; storage is ours (null)", () => {
    expect(localSearchFailure(new InvalidSearchQuery({ reason: "unbalanced quote" }), HTTP_WAY_IN)).toEqual({
      kind: "BadRequest", detail: "Invalid parameter 'q': unbalanced quote"
    })
    const broad = localSearchFailure(new EnsureTooBroad({ dialogs: ENSURE_MAX_DIALOGS + 5 }), HTTP_WAY_IN)
    expect(broad?.kind).toBe("BadRequest")
    expect(broad?.detail).toMatch(new RegExp(`^ensure=true fills at most ${ENSURE_MAX_DIALOGS} dialogs at once; this search covers 25`))
    expect(localSearchFailure(new FolderNotFound({ folder: "Nope" }), HTTP_WAY_IN)).toMatchObject({ kind: "NotFound", detail: expect.stringMatching(/^Folder 'Nope' not found/) })
    expect(localSearchFailure(new PeerNotFound({ dialogId: DialogId(5) }), HTTP_WAY_IN)).toMatchObject({ kind: "NotFound" })
    expect(localSearchFailure(new FloodWait({ seconds: 30, method: "messages.Search" }), HTTP_WAY_IN)).toMatchObject({ kind: "RateLimited", retryAfter: 30 })
    expect(localSearchFailure(new MessageStoreError({ operation: "read", cause: "disk" }), HTTP_WAY_IN)).toBeNull()
    expect(localSearchFailure(new SearchIndexError({ operation: "search", cause: "disk" }), HTTP_WAY_IN)).toBeNull()
  })
})

describe("localSearchView", () => {
  it("writes ranges as message dates, the open end of the range as now", () => {
    const query = Either.getOrThrow(parseSearchQuery("zephyr"))
    const range = { start: 0, end: 1_800_000_000 }
    const answer = {
      query, total: 0, hits: [], indexComplete: false, range,
      coverage: [{
        dialogId: DialogId(-1001), dialogTitle: "Lab", indexComplete: false,
        covered: [{ start: 1_700_000_000, end: 1_700_003_600 }],
        gaps: [{ start: 0, end: 1_700_000_000 }, { start: 1_700_003_600, end: range.end }]
      }]
    }
    const open = localSearchView("zephyr", request, answer)
    expect(open).toEqual({
      query: "zephyr", total: 0, limit: 50, offset: 0, source: "cache", sort: "date", index_complete: false, results: [],
      coverage: [{
        dialog_id: -1001, dialog_title: "Lab", index_complete: false,
        covered: [{ start_date: "2023-11-14 22:13:20", end_date: "2023-11-14 23:13:20" }],
        gaps: [{ start_date: "1970-01-01 00:00:00", end_date: "2023-11-14 22:13:20" }, { start_date: "2023-11-14 23:13:20", end_date: "now" }]
      }]
    })
    const closed = localSearchView("zephyr", { ...request, before: range.end }, answer)
    expect(closed.coverage[0]!.gaps[1]).toEqual({ start_date: "2023-11-14 23:13:20", end_date: "2027-01-15 08:00:00" })
  })
})
