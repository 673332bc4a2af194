/**
 * Date input and output. Instants are integer epoch seconds (Telegram's
 * unit). Input: YYYY-MM-DD, YYYY-MM-DD HH:MM:SS, or ISO 8601 with T and an
 * optional Z/offset; UTC when no offset is given.
 */
import { Data, Either } from "effect"

export class InvalidDate extends Data.TaggedError("InvalidDate")<{ readonly input: string }> {
  override get message() {
    return `Invalid date format: '${this.input}'. Use YYYY-MM-DD or YYYY-MM-DD HH:MM:SS (UTC)`
  }
}

const PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/

export const parseDateInput = (text: string): Either.Either<number, InvalidDate> => {
  const m = PATTERN.exec(text.trim())
  if (m === null) return Either.left(new InvalidDate({ input: text }))
  const [, y, mo, d, h = "00", mi = "00", s = "00", , offset] = m
  const year = Number(y), month = Number(mo), day = Number(d)
  const hour = Number(h), minute = Number(mi), second = Number(s)
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
    return Either.left(new InvalidDate({ input: text }))
  }
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second))
  date.setUTCFullYear(year, month - 1, day)
  const ms = date.getTime()
  const check = new Date(ms)
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return Either.left(new InvalidDate({ input: text }))
  }
  let offsetSeconds = 0
  if (offset !== undefined && offset !== "Z") {
    const sign = offset.startsWith("-") ? -1 : 1
    const digits = offset.slice(1).replace(":", "")
    const oh = Number(digits.slice(0, 2)), om = Number(digits.slice(2))
    if (oh > 23 || om > 59) return Either.left(new InvalidDate({ input: text }))
    offsetSeconds = sign * (oh * 3600 + om * 60)
  }
  return Either.right(Math.floor(ms / 1000) - offsetSeconds)
}

const pad = (n: number) => String(n).padStart(2, "0")

const parts = (seconds: number) => {
  const d = new Date(seconds * 1000)
  return {
    date: `${String(d.getUTCFullYear()).padStart(4, "0")}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  }
}

/** `YYYY-MM-DD HH:MM:SS`, UTC: the message date format of the contract. */
export const formatMessageDate = (seconds: number): string => {
  const p = parts(seconds)
  return `${p.date} ${p.time}`
}

/** ISO 8601 with `+00:00`: the dialog date format of the contract. */
export const formatIsoDate = (seconds: number): string => {
  const p = parts(seconds)
  return `${p.date}T${p.time}+00:00`
}
