import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { formatIsoDate, formatMessageDate, parseDateInput } from "../../src/domain/Dates.js"

const parse = (s: string) => Either.getOrThrow(parseDateInput(s))
const T = Date.UTC(2024, 0, 15, 14, 30, 0) / 1000

describe("parseDateInput", () => {
  it.each([
    ["2024-01-15", Date.UTC(2024, 0, 15) / 1000],
    ["2024-01-15 14:30:00", T],
    ["2024-01-15 14:30", T],
    ["2024-01-15T14:30:00", T],
    ["2024-01-15T14:30", T],
    ["2024-01-15T14:30:00Z", T],
    ["2024-01-15T14:30:00.999Z", T],
    ["2024-01-15T14:30:00.123456789", T],
    ["2024-01-15T16:30:00+02:00", T],
    ["2024-01-15T16:30:00+0200", T],
    ["2024-01-15T09:00:00-05:30", T],
    ["2024-01-15 14:30:00Z", T],
    ["  2024-01-15 14:30:00  ", T],
    ["2024-02-29", Date.UTC(2024, 1, 29) / 1000],
    ["1970-01-01", 0],
    ["9999-12-31 23:59:59", Date.UTC(9999, 11, 31, 23, 59, 59) / 1000],
    ["0050-03-01", -60584198400]
  ])("accepts %j", (input, seconds) => {
    expect(parse(input)).toBe(seconds)
  })

  it("a bare date is midnight UTC", () => {
    expect(parse("2024-01-15")).toBe(parse("2024-01-15 00:00:00"))
  })

  it.each([
    "", "yesterday", "01/02/2024", "2024/01/02", "2024-1-5", "24-01-05", "2024-13-01", "2024-00-10", "2024-01-00",
    "2024-02-30", "2023-02-29", "2024-04-31", "2024-01-15 24:00:00", "2024-01-15 12:60:00", "2024-01-15 12:00:60",
    "2024-01-15 12", "2024-01-15T12:00:00+25:00", "2024-01-15T12:00:00+02:60", "2024-01-15T12:00:00 UTC",
    "2024-01-15 14:30:00.", "2024-01-15x", "１２３４-01-01", "2024-01-15T14:30:00.1234567890"
  ])("rejects %j with the contract's message", (input) => {
    const result = parseDateInput(input)
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left._tag).toBe("InvalidDate")
      expect(result.left.message).toMatch(/^Invalid date format: .*YYYY-MM-DD or YYYY-MM-DD HH:MM:SS/)
    }
  })
})

describe("formatting", () => {
  it("message dates are YYYY-MM-DD HH:MM:SS, dialog dates ISO with +00:00", () => {
    expect(formatMessageDate(T)).toBe("2024-01-15 14:30:00")
    expect(formatIsoDate(T)).toBe("2024-01-15T14:30:00+00:00")
    expect(formatMessageDate(0)).toBe("1970-01-01 00:00:00")
  })
})

// Years 0001-9999: what both formats can write.
const instant = fc.integer({ min: -62135596800, max: Date.UTC(9999, 11, 31, 23, 59, 59) / 1000 })

describe("properties", () => {
  it.prop("formatMessageDate then parse is the identity", [instant], ([s]) => {
    expect(parse(formatMessageDate(s))).toBe(s)
  })
  it.prop("formatIsoDate then parse is the identity", [instant], ([s]) => {
    expect(parse(formatIsoDate(s))).toBe(s)
  })
  it.prop("the date part alone parses to that day's midnight", [instant], ([s]) => {
    expect(parse(formatMessageDate(s).slice(0, 10))).toBe(s - (((s % 86400) + 86400) % 86400))
  })
  it.prop(
    "an offset shifts the instant by exactly that much",
    [instant, fc.integer({ min: -23, max: 23 }), fc.integer({ min: 0, max: 59 })],
    ([s, h, m]) => {
      const local = formatMessageDate(s).replace(" ", "T")
      const sign = h < 0 ? "-" : "+"
      const offset = `${sign}${String(Math.abs(h)).padStart(2, "0")}:${String(m).padStart(2, "0")}`
      const shift = (h < 0 ? -1 : 1) * (Math.abs(h) * 3600 + m * 60)
      expect(parse(local + offset)).toBe(s - shift)
    }
  )
  it.prop("never throws, whatever the text", [fc.string({ maxLength: 40 })], ([text]) => {
    expect(() => parseDateInput(text)).not.toThrow()
  })
})
