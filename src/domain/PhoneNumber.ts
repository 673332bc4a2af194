/**
 * A phone number to log in by, as a person types it: `+44 7700 900123`,
 * `+1 (555) 000-1001`, `15550001001`. Kept in international form (`+` and
 * 7 to 15 digits, E.164's length); Telegram decides whether the number
 * exists. Phone numbers are personal data: logs and messages show them
 * masked (`+15*******01`), never whole.
 */
import { Either } from "effect"

export type PhoneNumber = string & { readonly PhoneNumber: unique symbol }

const SPELLING = /^\+?[\d\s().-]+$/

/** The number as `+` and its digits, or why it is not a phone number (the message never repeats it). */
export const parsePhoneNumber = (text: string): Either.Either<PhoneNumber, string> => {
  const trimmed = text.trim()
  const digits = trimmed.replace(/\D/g, "")
  if (!SPELLING.test(trimmed) || digits.length < 7 || digits.length > 15) {
    return Either.left(
      "Invalid phone number: give it in international form, + then the country code and the number " +
        "(7 to 15 digits; spaces, dashes and brackets are ignored), e.g. +44 7700 900123"
    )
  }
  return Either.right(`+${digits}` as PhoneNumber)
}

/** `+44*******23`: the country code's first digits and the last two, every other digit a `*`. */
export const maskPhoneNumber = (phone: string): string => {
  const digits = phone.replace(/\D/g, "")
  if (digits.length <= 4) return "+" + "*".repeat(digits.length)
  return `+${digits.slice(0, 2)}${"*".repeat(digits.length - 4)}${digits.slice(-2)}`
}
