/** The contract's QR login objects (section 1): a login started, and its state when polled. */
import { Schema } from "effect"

export const QrStatus = Schema.Literal("pending", "password_required", "success", "expired", "error")

export const QrLoginStarted = Schema.Struct({
  token: Schema.String,
  qr_url: Schema.String,
  message: Schema.String
}).annotations({ identifier: "QrLoginStarted" })

export const QrLoginState = Schema.Struct({
  status: QrStatus,
  username: Schema.String,
  qr_url: Schema.NullOr(Schema.String),
  error: Schema.NullOr(Schema.String),
  message: Schema.String
}).annotations({ identifier: "QrLoginState" })
