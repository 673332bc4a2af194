/**
 * What a history request must satisfy before any work starts. HistorySync
 * checks it itself, so a program calling the use case directly gets the same
 * answer as an HTTP client (whose handler only renames the fields).
 */
import { Data } from "effect"
import type { HistoryRequest } from "./HistorySync.js"

export class InvalidHistoryRequest extends Data.TaggedError("InvalidHistoryRequest")<{
  /** The HistoryRequest field at fault. */
  readonly field: "dialogId" | "startDate" | "endDate" | "chunkSize"
  readonly reason: string
}> {
  override get message() {
    return `invalid history request: ${this.reason}`
  }
}

const isDate = (value: number | null) => value === null || Number.isFinite(value)

/** The first problem with `request` at `nowSeconds` (epoch), or null when it can run. */
export const checkHistoryRequest = (request: HistoryRequest, nowSeconds: number): InvalidHistoryRequest | null => {
  if (!Number.isSafeInteger(request.dialogId) || request.dialogId === 0) {
    return new InvalidHistoryRequest({ field: "dialogId", reason: `dialogId must be a non-zero marked dialog id, got ${request.dialogId}` })
  }
  if (!Number.isSafeInteger(request.chunkSize) || request.chunkSize < 1) {
    return new InvalidHistoryRequest({ field: "chunkSize", reason: `chunkSize must be an integer >= 1, got ${request.chunkSize}` })
  }
  if (!isDate(request.startDate)) {
    return new InvalidHistoryRequest({ field: "startDate", reason: "startDate must be epoch seconds or null" })
  }
  if (!isDate(request.endDate)) {
    return new InvalidHistoryRequest({ field: "endDate", reason: "endDate must be epoch seconds or null" })
  }
  // An empty or reversed range is a mistake worth saying, not an empty answer.
  if (request.startDate !== null && request.startDate >= (request.endDate ?? nowSeconds)) {
    return new InvalidHistoryRequest({
      field: "startDate",
      reason: request.endDate === null
        ? "startDate must be earlier than endDate (which defaults to now)"
        : "startDate must be earlier than endDate (the range is [startDate, endDate))"
    })
  }
  return null
}
