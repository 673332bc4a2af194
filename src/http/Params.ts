/**
 * Query and path parameter schemas shared by the endpoints. Each failure
 * message is written for the person reading the 400's `detail`.
 */
import { Either, identity, Option, ParseResult, Schema } from "effect"
import { formatIsoDate, parseDateInput } from "../domain/Dates.js"

const TRUE = ["true", "1", "yes", "on"]
const FALSE = ["false", "0", "no", "off"]

/** true/false (also 1/0, yes/no, on/off), case-insensitive. */
export const BoolParam = Schema.transformOrFail(Schema.String, Schema.Boolean, {
  strict: true,
  decode: (s, _, ast) => {
    const v = s.trim().toLowerCase()
    if (TRUE.includes(v)) return ParseResult.succeed(true)
    if (FALSE.includes(v)) return ParseResult.succeed(false)
    return ParseResult.fail(new ParseResult.Type(ast, s, `must be true or false, got ${JSON.stringify(s)}`))
  },
  encode: (b) => ParseResult.succeed(b ? "true" : "false")
}).annotations({ identifier: "Bool", description: "true or false" })

const integerText = (min: number, max: number | undefined, what: string) =>
  Schema.transformOrFail(Schema.String, Schema.Int, {
    strict: true,
    decode: (s, _, ast) => {
      const t = s.trim()
      const n = /^[+-]?\d+$/.test(t) ? Number(t) : NaN
      if (!Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
        return ParseResult.fail(new ParseResult.Type(ast, s, `${what}, got ${JSON.stringify(s)}`))
      }
      return ParseResult.succeed(n)
    },
    encode: (n) => ParseResult.succeed(String(n))
  })

export const IntParam = (min: number, max?: number) =>
  integerText(
    min,
    max,
    max === undefined ? `must be an integer >= ${min}` : `must be an integer between ${min} and ${max}`
  ).annotations({ description: max === undefined ? `integer >= ${min}` : `integer ${min}-${max}` })

/** The longest search text (`q`/`query`) accepted, in code points: a title or a phrase, never a document. */
export const MAX_QUERY_LENGTH = 256

/** Code points, as a person counts characters (an emoji is one, not two UTF-16 units). */
const codePointCount = (text: string): number => {
  let count = 0
  for (const _ of text) count++
  return count
}

/** Search text: at most MAX_QUERY_LENGTH code points. */
export const QueryParam = Schema.String.pipe(
  Schema.filter((s) => {
    const length = s.length <= MAX_QUERY_LENGTH ? 0 : codePointCount(s)
    return length <= MAX_QUERY_LENGTH || `must be at most ${MAX_QUERY_LENGTH} characters, got ${length}`
  })
).annotations({ description: `search text, at most ${MAX_QUERY_LENGTH} characters (Unicode code points)`, jsonSchema: { maxLength: MAX_QUERY_LENGTH } })

/** A marked dialog id: user +id, basic group -id, channel -100xxxxxxxxxx. */
export const DialogIdParam = integerText(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, "must be an integer dialog id")
  .pipe(Schema.filter((n) => n !== 0 || "must be a non-zero dialog id"))
  .annotations({ identifier: "DialogId", description: "marked dialog id, e.g. -1001234567890" })

export const UserIdParam = integerText(1, Number.MAX_SAFE_INTEGER, "must be a positive integer user id").annotations({
  description: "Telegram user id"
})

export const ScoreParam = Schema.transformOrFail(Schema.String, Schema.Number, {
  strict: true,
  decode: (s, _, ast) => {
    const n = s.trim() === "" ? NaN : Number(s)
    return Number.isFinite(n) && n >= 0 && n <= 1
      ? ParseResult.succeed(n)
      : ParseResult.fail(new ParseResult.Type(ast, s, `must be a number between 0.0 and 1.0, got ${JSON.stringify(s)}`))
  },
  encode: (n) => ParseResult.succeed(String(n))
}).annotations({ description: "number 0.0-1.0" })

/** `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` or ISO 8601; UTC unless an offset is given. Decodes to epoch seconds. */
export const DateParam = Schema.transformOrFail(Schema.String, Schema.Number, {
  strict: true,
  decode: (s, _, ast) =>
    Either.match(parseDateInput(s), {
      onLeft: (error) => ParseResult.fail(new ParseResult.Type(ast, s, error.message)),
      onRight: (seconds) => ParseResult.succeed(seconds)
    }),
  encode: (n) => ParseResult.succeed(formatIsoDate(n))
}).annotations({ identifier: "DateInput", description: "YYYY-MM-DD or YYYY-MM-DD HH:MM:SS (UTC), or ISO 8601" })

/**
 * An enum parameter whose error lists the accepted values, once (`override`:
 * otherwise each literal of the union reports its own "Expected ..." issue).
 */
export const EnumParam = <const L extends ReadonlyArray<string>>(...values: L) =>
  Schema.Literal(...values).annotations({
    message: (issue) => ({ message: `must be one of ${values.join(", ")}, got ${JSON.stringify(issue.actual)}`, override: true })
  })

/** A session name in a request body (the rules are checked by the handler, for a clear 400). */
export const SessionNameBody = Schema.String.annotations({
  description: "session name: 1-64 of A-Z a-z 0-9 _ . - (not starting with . or -)"
})

/**
 * An optional parameter with the value it takes when absent: the decoding
 * applies it (the handler gets a complete value) and /openapi.json shows it.
 * Not `Schema.optionalWith({ default })`: its JSON Schema takes the decoded
 * side's title, description and default (the Int's "an integer", a number
 * where the parameter is text) over the parameter's. Here the decoded side
 * carries no annotation of its own, so the parameter keeps its description,
 * and its default is written as the text a client sends.
 */
export const withDefault = <A, I>(schema: Schema.Schema<A, I>, value: A) =>
  Schema.optionalToRequired(schema.annotations({ default: value }), unannotatedType(schema), {
    decode: Option.getOrElse(() => value),
    encode: Option.some
  })

/**
 * An optional parameter whose default /openapi.json shows but the decoding
 * leaves out: for the few whose presence itself matters (the cache-only
 * message search parameters, a 400 with source=telegram); their use case
 * applies the default.
 */
export const documentedDefault = <A, I>(schema: Schema.Schema<A, I>, value: A) =>
  Schema.optionalToOptional(schema.annotations({ default: value }), unannotatedType(schema), { decode: identity, encode: identity })

/** The decoded side of a parameter, with no title, description or default to stand over the parameter's own. */
const unannotatedType = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.typeSchema(schema).annotations({ title: undefined, description: undefined, default: undefined })

/**
 * An optional parameter described where it is used. In a struct that also
 * has `withDefault` parameters, an `optional(...).annotations(...)` would
 * describe the decoded side only, and /openapi.json (written from the
 * encoded side) would lose the description; this keeps it.
 */
export const optionalDescribed = <A, I>(schema: Schema.Schema<A, I>, description: string) =>
  Schema.optionalToOptional(schema, unannotatedType(schema), { decode: identity, encode: identity }).annotations({ description })
