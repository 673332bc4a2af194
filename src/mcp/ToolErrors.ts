/**
 * The use cases' errors as tool failures, in the contract's wording
 * (src/contract/FailureDetails.ts), the same `detail` the HTTP API answers
 * with, but for the hints that name a way in (MCP_WAY_IN: tools, not routes). Our own storage failing is a defect: logged, answered "Internal
 * error", never something the client could fix.
 */
import { Effect } from "effect"
import {
  folderNotFoundDetail,
  historyRangeDetail,
  MCP_WAY_IN,
  mediaNotAvailableDetail,
  telegramFailure
} from "../contract/FailureDetails.js"
import type { HistoryError } from "../app/HistorySync.js"
import type { MediaLookupError } from "../app/MediaLookup.js"
import type { FolderNotFound } from "../domain/FolderMembership.js"
import type { PeerNotFound, TelegramError } from "../ports/TelegramGateway.js"
import { ToolFailure } from "./ToolRegistry.js"

export const telegramToolFailure = (error: Parameters<typeof telegramFailure>[0]) => new ToolFailure(telegramFailure(error, MCP_WAY_IN))

export const searchToolFailure = (error: TelegramError | PeerNotFound | FolderNotFound) =>
  error._tag === "FolderNotFound"
    ? new ToolFailure({ kind: "NotFound", detail: folderNotFoundDetail(error, MCP_WAY_IN) })
    : telegramToolFailure(error)

/** A history failure as a tool failure; `endDate` as asked (the range's wording depends on it). */
export const historyToolFailure = (error: HistoryError, endDate: number | null): Effect.Effect<never, ToolFailure> => {
  switch (error._tag) {
    case "InvalidHistoryRequest":
      return Effect.fail(
        new ToolFailure({
          kind: "BadRequest",
          detail: error.field === "startDate" ? historyRangeDetail(endDate) : `Invalid request: ${error.reason}`
        })
      )
    case "MessageStoreError":
    case "MediaIndexError":
      return Effect.die(error)
    default:
      return Effect.fail(telegramToolFailure(error))
  }
}

export const mediaToolFailure = (error: MediaLookupError): Effect.Effect<never, ToolFailure> => {
  switch (error._tag) {
    case "MediaNotFound":
    case "MediaNotDownloaded":
      return Effect.fail(new ToolFailure({ kind: "NotFound", detail: mediaNotAvailableDetail(error, MCP_WAY_IN) }))
    case "MediaIndexError":
    case "MediaFileError":
      return Effect.die(error)
    default:
      return Effect.fail(telegramToolFailure(error))
  }
}
