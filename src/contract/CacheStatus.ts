/**
 * What the local cache holds for one dialog (the MCP tool cache_status):
 * the time ranges it holds completely, so that reading them needs nothing
 * from Telegram, and the messages it holds. Dates as message dates are
 * written (`YYYY-MM-DD HH:MM:SS`, UTC); a range is [start_date, end_date).
 */
import { Schema } from "effect"

export const CoveredRange = Schema.Struct({
  start_date: Schema.String,
  end_date: Schema.String
}).annotations({ identifier: "CoveredRange" })

export const CacheStatus = Schema.Struct({
  dialog_id: Schema.Number,
  cached_messages: Schema.Number,
  oldest_message_date: Schema.NullOr(Schema.String),
  newest_message_date: Schema.NullOr(Schema.String),
  covered: Schema.Array(CoveredRange)
}).annotations({ identifier: "CacheStatus" })
