/**
 * A history failure as the HTTP API tells it: the error a request gets, and
 * the `{detail, status, retry_after?}` body the same failure has when it can
 * no longer be a status (a stream's `event: error`, a sync job's `error`).
 * The history route and the sync jobs, which fill the same ranges, share it.
 */
import type { HistoryError } from "../../app/HistorySync.js"
import type { InvalidHistoryRequest } from "../../app/HistoryRequest.js"
import { historyRangeDetail } from "../../contract/FailureDetails.js"
import { BadRequest, statusOf } from "../ApiErrors.js"
import { telegramErrorToHttp } from "../TelegramHttpErrors.js"

/** The use case's rule in the contract's parameter names; the schema already refuses the other fields. */
export const badRequestOf = (error: InvalidHistoryRequest, endDate: number | null) =>
  new BadRequest({
    detail: error.field !== "startDate" ? `Invalid request: ${error.reason}` : historyRangeDetail(endDate)
  })

export type HistoryHttpError = ReturnType<typeof telegramErrorToHttp> | BadRequest

/** The HTTP error a history failure stands for; none for our own faults (a 500). */
export const httpErrorOf = (error: HistoryError, endDate: number | null): HistoryHttpError | null => {
  switch (error._tag) {
    case "FloodWait":
    case "TakeoutDelayed":
    case "SessionRevoked":
    case "PeerNotFound":
    case "TelegramUnavailable":
    case "TelegramRpcError":
    case "NoThreads":
    case "ThreadNotFound":
      return telegramErrorToHttp(error)
    case "InvalidHistoryRequest":
      return badRequestOf(error, endDate)
    default:
      return null
  }
}

/** The error as a body, once the response's status is no longer ours to choose. */
export const failureBody = (http: HistoryHttpError) => ({
  detail: http.detail,
  status: statusOf[http._tag],
  ...(http._tag === "RateLimited" ? { retry_after: Math.max(1, Math.ceil(http.retryAfter)) } : {})
})
