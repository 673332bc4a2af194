/** The contract's login objects: QR (section 1) and phone code, a login started and its state when polled. */
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

/** The contract's phone-code login objects: a login started, and its state when polled. */
export const PhoneLoginStatus = Schema.Literal("code_required", "password_required", "success", "expired", "error")

/** How Telegram delivered the code: in a Telegram app logged in elsewhere, by SMS, a call, ... */
export const CodeDelivery = Schema.Literal("app", "sms", "call", "flash_call", "missed_call", "email", "fragment_sms", "other")

const codeFields = {
  /** The number, masked: +44*******23. */
  phone: Schema.String,
  code_type: Schema.NullOr(CodeDelivery),
  /** How a resend would send the next code; null: no other way. */
  next_type: Schema.NullOr(CodeDelivery),
  /** Seconds Telegram asks to wait before a resend. */
  timeout: Schema.NullOr(Schema.Number),
  attempts_left: Schema.Number
}

export const PhoneLoginStarted = Schema.Struct({
  token: Schema.String,
  status: Schema.Literal("code_required"),
  ...codeFields,
  message: Schema.String
}).annotations({ identifier: "PhoneLoginStarted" })

export const PhoneLoginState = Schema.Struct({
  status: PhoneLoginStatus,
  username: Schema.String,
  ...codeFields,
  error: Schema.NullOr(Schema.String),
  message: Schema.String
}).annotations({ identifier: "PhoneLoginState" })
