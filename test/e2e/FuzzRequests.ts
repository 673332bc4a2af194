/**
 * Malformed HTTP requests for the fuzz test (fuzz.test.ts), generated from a
 * seeded PRNG so a failure reproduces from its seed. Each request is raw
 * bytes for a socket: paths, query strings and headers reach the server
 * exactly as written, with no client normalising them.
 *
 * Every request is malformed somewhere, so none of them may change the data
 * directory: requests that could write (history, a settings PATCH, a login)
 * always carry at least one fault that must be refused before anything is
 * fetched, stored or started; the others (searches, file lookups, status
 * polls) only read.
 */
import { prng } from "../emulator/Generate.js"

export interface FuzzRequest {
  /** One line describing the request, for a failure message. */
  readonly label: string
  readonly bytes: Buffer
}

export interface FuzzContext {
  readonly session: string
  readonly host: string
}

type Random = () => number

const pick = <A>(random: Random, list: ReadonlyArray<A>): A => list[Math.floor(random() * list.length)]!
const chance = (random: Random, p: number) => random() < p
const int = (random: Random, low: number, high: number) => low + Math.floor(random() * (high - low + 1))

const GARBAGE_TEXT = [
  "", " ", "%", "%zz", "%00", "%ff%fe", "%c0%af", "..", "../..", "%2e%2e%2f", "\u00e9", "🚀", "null", "undefined",
  "NaN", "Infinity", "-Infinity", "1e309", "-0", "0x10", "0b1", " 5 ", "+", "-", "99999999999999999999999",
  "-99999999999999999999999", "9007199254740993", "[]", "{}", "'; DROP TABLE messages; --", "<script>", "a=b",
  "%26q%3D1", "\\", "//", "?", "#", "%23", "%3F", "a".repeat(300), "%F0%9F%9A%80".repeat(300)
]

/** Text safe inside a request line: spaces and controls percent-encoded, the rest raw (non-ASCII as UTF-8). */
const inRequestLine = (text: string) => text.replace(/[\s\x00-\x1f\x7f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`)

/** Junk for a path segment or a query key or value; never a raw `#` (what follows it, faults included, would be a fragment). */
const garbage = (random: Random): string => {
  const text = chance(random, 0.15)
    ? Array.from({ length: int(random, 1, 600) }, () => String.fromCharCode(int(random, 0x21, 0x7e))).join("")
    : inRequestLine(pick(random, GARBAGE_TEXT))
  return text.replace(/#/g, "%23")
}

const BAD_DATES = ["2024-13-01", "2024-02-30", "yesterday", "2024-01-01T25:00:00", "01/02/2024", "2024-1-1", "0000-00-00", "9999-99-99 99:99:99"]
const BAD_INTS = ["abc", "1.5", "", "1e3", "0x1f", "99999999999999999999", "-1", "Infinity", "NaN", "١٢٣"]
const BAD_BOOLS = ["maybe", "2", "", "truee", "yes please", "null"]

/** A query-string value that fails this parameter's check, whatever endpoint it is on. */
const badValue = (random: Random, name: string): string => {
  switch (name) {
    case "start_date":
    case "end_date":
    case "last_message_after":
    case "last_message_before":
    case "created_after":
    case "created_before":
      return encodeURIComponent(pick(random, BAD_DATES))
    case "chunk_size":
      return pick(random, ["0", "-5", "1001", "100000000", ...BAD_INTS])
    case "limit":
      return pick(random, ["0", "501", "-1", "1000000", ...BAD_INTS])
    case "offset":
    case "min_messages":
    case "max_messages":
    case "min_participants":
    case "max_participants":
    case "from_user":
      return pick(random, ["-1", ...BAD_INTS])
    case "dialog_id":
      return pick(random, ["0", ...BAD_INTS.filter((v) => v !== "-1")])
    case "sender_id":
      return pick(random, ["0", ...BAD_INTS.filter((v) => v !== "-1")])
    case "source":
    case "media_type":
      return pick(random, ["regex", "", "Cache ", "photo", "TELEGRAM", "%00"])
    case "min_score":
      return pick(random, ["1.5", "-0.1", "abc", "", "NaN", "1e999"])
    case "q":
    case "query":
      return pick(random, ["a".repeat(257), "é".repeat(400), encodeURIComponent("🚀".repeat(300)), "x".repeat(int(random, 257, 3000))])
    case "match":
    case "sort":
    case "order":
    case "type":
      return pick(random, ["regex", "", "EXACT ", "size", "robot", "%00"])
    default:
      return encodeURIComponent(pick(random, BAD_BOOLS))
  }
}

interface Endpoint {
  readonly method: string
  readonly path: (random: Random) => string
  /** Parameters that exist on it (a bad value for one is always refused). */
  readonly params: ReadonlyArray<string>
  /** Reaching the handler with a valid request could write to the data directory or start a login. */
  readonly writes: boolean
  readonly session: boolean
  /** The JSON payload it takes, if any. */
  readonly body?: "login" | "password" | "settings"
}

const TOKEN_LIKE = () => "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
const dialogId = (random: Random) => pick(random, ["-1000000003001", "1002", "-2001", "5", "-1009999999999"])
const badDialogId = (random: Random) => pick(random, ["0", "abc", "1.5", "-", "99999999999999999999", "%20", "1e5", encodeURIComponent("١")])

const DIALOG_PARAMS = ["q", "query", "match", "min_score", "type", "folder", "is_archived", "min_messages", "max_messages",
  "min_participants", "max_participants", "last_message_after", "last_message_before", "created_after", "created_before",
  "is_creator", "has_username", "is_verified", "sort", "order", "limit", "offset"]
const SEARCH_PARAMS = ["q", "query", "start_date", "end_date", "limit", "source", "sender_id", "has_media", "media_type", "has_link", "offset", "sort", "ensure"]
const HISTORY_PARAMS = ["start_date", "end_date", "chunk_size", "force_refresh", "reverse", "progress", "topic_id", "thread"]

const ENDPOINTS: ReadonlyArray<Endpoint> = [
  { method: "GET", path: () => "/health", params: [], writes: false, session: false },
  { method: "GET", path: () => "/", params: [], writes: false, session: false },
  { method: "GET", path: () => "/openapi.json", params: [], writes: false, session: false },
  { method: "GET", path: () => "/docs", params: [], writes: false, session: false },
  { method: "GET", path: () => "/login", params: [], writes: false, session: false },
  { method: "POST", path: () => "/api/v3/auth/qr", params: [], writes: true, session: false, body: "login" },
  { method: "GET", path: (r) => `/api/v3/auth/qr/${chance(r, 0.5) ? TOKEN_LIKE() : garbage(r)}`, params: [], writes: false, session: false },
  { method: "POST", path: (r) => `/api/v3/auth/qr/${chance(r, 0.5) ? TOKEN_LIKE() : garbage(r)}/2fa`, params: [], writes: true, session: false, body: "password" },
  { method: "DELETE", path: (r) => `/api/v3/auth/qr/${chance(r, 0.5) ? TOKEN_LIKE() : garbage(r)}`, params: [], writes: false, session: false },
  { method: "GET", path: (r) => `/api/v3/auth/qr/${garbage(r)}/qr.svg`, params: [], writes: false, session: false },
  { method: "GET", path: (r) => `/api/v3/auth/qr/${garbage(r)}/qr.png`, params: [], writes: false, session: false },
  { method: "POST", path: () => "/api/v3/auth/phone", params: [], writes: true, session: false, body: "login" },
  { method: "GET", path: (r) => `/api/v3/auth/phone/${chance(r, 0.5) ? TOKEN_LIKE() : garbage(r)}`, params: [], writes: false, session: false },
  { method: "POST", path: (r) => `/api/v3/auth/phone/${chance(r, 0.5) ? TOKEN_LIKE() : garbage(r)}/code`, params: [], writes: true, session: false, body: "password" },
  { method: "POST", path: (r) => `/api/v3/auth/phone/${chance(r, 0.5) ? TOKEN_LIKE() : garbage(r)}/resend`, params: [], writes: true, session: false },
  { method: "POST", path: (r) => `/api/v3/auth/phone/${chance(r, 0.5) ? TOKEN_LIKE() : garbage(r)}/2fa`, params: [], writes: true, session: false, body: "password" },
  { method: "DELETE", path: (r) => `/api/v3/auth/phone/${chance(r, 0.5) ? TOKEN_LIKE() : garbage(r)}`, params: [], writes: false, session: false },
  { method: "GET", path: () => "/api/v3/search/dialogs", params: DIALOG_PARAMS, writes: false, session: true },
  { method: "GET", path: () => "/api/v3/folders", params: [], writes: false, session: true },
  { method: "GET", path: (r) => `/api/v3/search/messages/${chance(r, 0.7) ? dialogId(r) : badDialogId(r)}`, params: [...SEARCH_PARAMS, "from_user", "topic_id"], writes: false, session: true },
  { method: "GET", path: (r) => `/api/v3/dialogs/${chance(r, 0.8) ? dialogId(r) : badDialogId(r)}/topics`, params: ["q"], writes: false, session: true },
  { method: "GET", path: () => "/api/v3/search/messages", params: [...SEARCH_PARAMS, "dialog_id"], writes: false, session: true },
  { method: "GET", path: (r) => `/api/v3/history/${chance(r, 0.8) ? dialogId(r) : badDialogId(r)}`, params: HISTORY_PARAMS, writes: true, session: true },
  { method: "POST", path: (r) => `/api/v3/sync/${chance(r, 0.8) ? dialogId(r) : badDialogId(r)}`, params: ["start_date", "end_date", "force_refresh"], writes: true, session: true },
  { method: "GET", path: (r) => `/api/v3/sync/${chance(r, 0.5) ? "0b1e7d3c-1111-4222-8333-444455556666" : garbage(r)}`, params: [], writes: false, session: true },
  { method: "DELETE", path: (r) => `/api/v3/sync/${chance(r, 0.5) ? "0b1e7d3c-1111-4222-8333-444455556666" : garbage(r)}`, params: [], writes: false, session: true },
  { method: "GET", path: (r) => `/api/v3/files/${chance(r, 0.5) ? "0b1e7d3c-1111-4222-8333-444455556666" : garbage(r)}`, params: ["metadata_only"], writes: false, session: true },
  { method: "GET", path: () => "/api/v3/settings", params: [], writes: false, session: true },
  { method: "PATCH", path: () => "/api/v3/settings", params: [], writes: true, session: true, body: "settings" }
]

/** JSON bodies no endpoint accepts: malformed, of the wrong shape, or with a field of the wrong type. */
const badBody = (random: Random, kind: Endpoint["body"]): string => {
  const fields: ReadonlyArray<readonly [string, ReadonlyArray<unknown>]> = kind === "password"
    ? [["password", [1, null, [], {}, true]]] as const
    : kind === "settings"
    ? [
      ["download_media", ["yes", 1, null, []]],
      ["max_media_size_mb", [-1, "20", true, {}, "none"]],
      ["telegram_batch_size", [0, -5, "100", 1.5, null]],
      ["sync_concurrency", [0, -1, 33, 2.5, "4", null]],
      ["repair_media", ["no", 0]],
      ["use_takeout", ["yes", 1, null]],
      ["download_file_types", [[], "all", { photos: "yes" }, { movies: true }]],
      ["unknown_setting", [1]]
    ] as const
    : [["username", ["", "../../etc/passwd", "a".repeat(65), "-x", ".x", "naïve", 5, null, [], "x\u0000y"]], ["force", ["yes", 1, null]]] as const
  const [name, values] = pick(random, fields)
  const value = () => pick(random, values) ?? null
  const choice = int(random, 0, 9)
  switch (choice) {
    case 0:
      return pick(random, ["{", "}", "{\"a\":", "[1,2", "nul", "'single'", "{\"username\": alice}", "\u00ff\u00fe", "{\"a\":1}x"])
    case 1:
      return pick(random, ["[]", "1", "\"text\"", "null", "true", "[{}]"])
    case 2:
      return "[".repeat(int(random, 33, 5000)) + "]".repeat(int(random, 0, 10))
    case 3:
      return `{"${name}": ${JSON.stringify(value())}, "${name}": }`
    case 4:
      return "username=alice&force=true"
    default:
      return JSON.stringify({ [name]: value() })
  }
}

/** Adds a header line; raw, so a test can send what no client would. */
const header = (name: string, value: string) => `${name}: ${value}\r\n`

/** One request; `i` only labels it. */
const makeRequest = (random: Random, context: FuzzContext, i: number): FuzzRequest => {
  const endpoint = pick(random, ENDPOINTS)
  let method = endpoint.method
  let path = endpoint.path(random)
  const query: Array<string> = []
  let headers = ""
  let body: string | null = endpoint.body ? badBody(random, endpoint.body) : null
  let contentType = "application/json"
  let session: string | null = endpoint.session ? context.session : null
  let host = context.host
  // After the query, where it belongs (a query after a fragment would be part of it, and the faults in it lost).
  let fragment = ""
  // Faults that make a request refused before it reaches its use case (required where it could write).
  let refused = false

  const faults = int(random, 1, 3)
  for (let f = 0; f < faults || (endpoint.writes && !refused); f++) {
    const kind = int(random, 0, 13)
    switch (kind) {
      case 0: // a parameter the endpoint has, with a value it refuses
        if (endpoint.params.length > 0) {
          const name = pick(random, endpoint.params)
          query.push(`${name}=${badValue(random, name)}`)
          refused = true
        }
        break
      case 1: // unknown or garbage parameters: ignored, never a failure
        query.push(`${garbage(random)}=${garbage(random)}`)
        break
      case 2: // a mangled path: extra segments, odd encodings, dot segments (some may still reach the route: no guarantee)
        path = pick(random, [
          `${path}/${garbage(random)}`,
          `${path}%2f..`,
          `${path.replace("/api/", "/api/%76")}`,
          `${path}/.`,
          `/${garbage(random)}${path}`,
          `${path}%00`,
          `${path};jsessionid=1`,
          path.replace(/\/v3\//, "/v4/")
        ])
        break
      case 3: // the session header missing, malformed, unknown or doubled
        if (endpoint.session) {
          const value = pick(random, ["", " ", "../alice", "a".repeat(65), "-x", "bob\u00e9", "nobody", "alice\tx", "%61lice"])
          session = null
          if (value !== "") headers += header("X-Telegram-Username", value)
          refused = true
        }
        break
      case 4: // a method the route does not have
        method = pick(random, ["PUT", "POST", "DELETE", "OPTIONS", "TRACE", "FOO", "PATCH"])
        if (method === endpoint.method) method = "TRACE"
        refused = true
        break
      case 5: // a body where none belongs, or of another type
        if (endpoint.body) {
          contentType = pick(random, ["text/plain", "application/xml", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "image/png", ""])
          if (contentType !== "" && contentType !== "application/json; charset=utf-16") refused = true
        } else {
          body = badBody(random, pick(random, ["login", "password", "settings"] as const))
        }
        break
      case 6: // a foreign or malformed Host: the DNS rebinding check refuses it (none at all is let through, as for HTTP/1.0)
        host = pick(random, ["evil.example", "localhost.evil.example", "", "[::1", "exa mple", "a".repeat(300)])
        if (host !== "") refused = true
        break
      case 7: // a header too large for Node (431); less often, most requests should reach the routes
        if (chance(random, 0.3)) {
          headers += header("X-Padding", "p".repeat(int(random, 17_000, 40_000)))
          refused = true
        }
        break
      case 8: // odd but well-formed headers
        headers += pick(random, [
          header("Range", pick(random, ["bytes=", "bytes=5-1", "bytes=-0", "bytes=0-1,2-3", "pages=1", "bytes=99999999999999999999-"])),
          header("Accept", "application/xml"),
          header("Authorization", pick(random, ["Bearer", "Bearer " + "x".repeat(5000), "Basic Og==", "\u00ff"])),
          header("Origin", "https://evil.example"),
          header("Cookie", "a=" + "b".repeat(1000)),
          header("Accept-Encoding", "gzip;q=nope"),
          header("If-None-Match", "*"),
          header("X-Forwarded-For", "1.2.3.4")
        ])
        break
      case 9: // malformed HTTP that Node's parser refuses (400)
        headers += pick(random, [
          "Bad Header: x\r\n",
          "X-Null: a\u0000b\r\n",
          header("Content-Length", pick(random, ["abc", "-1", "1, 2"])),
          header("Transfer-Encoding", "chunked, identity"),
          " leading-space: x\r\n",
          "NoColon\r\n"
        ])
        refused = true
        break
      case 10: // a duplicated parameter that takes one value
        if (endpoint.params.length > 0) {
          const name = pick(random, endpoint.params.filter((p) => !["type"].includes(p)))
          query.push(`${name}=${badValue(random, name)}`, `${name}=${badValue(random, name)}`)
          refused = true
        }
        break
      case 11: // a request target that is not a plain path (some reach the route: no guarantee)
        path = pick(random, ["*", `http://${context.host}${path}`, `HTTP://${context.host}${path}`, `/${path}`])
        if (chance(random, 0.2)) fragment = "#fragment"
        break
      case 12: // a history range that is empty or reversed (checked before anything is fetched)
        if (endpoint.params.includes("chunk_size")) {
          query.push("start_date=2024-02-01", "end_date=2024-01-01")
          refused = true
        } else if (endpoint.params.includes("start_date")) {
          query.push("start_date=2024-01-01", "end_date=2024-02-01")
        }
        break
      default: // a Content-Length that does not match what is sent is left out (it would hang, not fail); send it chunked
        if (body !== null) headers += header("X-Chunked", "1")
        break
    }
  }

  // The router ends the path at a raw `;` and reads the rest as the query: faults in the query would be lost.
  if (endpoint.writes) path = path.replace(/;/g, "%3B")
  const queryText = query.length > 0 ? `${path.includes("?") ? "&" : "?"}${query.join("&")}` : ""
  let head = `${method} ${path}${queryText}${fragment} HTTP/1.1\r\n`
  if (host !== "") head += header("Host", host)
  if (session !== null) head += header("X-Telegram-Username", session)
  head += headers
  head += header("Connection", "close")
  const chunked = headers.includes("X-Chunked")
  const payload = body === null ? null : Buffer.from(body, "utf8")
  if (payload !== null) {
    if (contentType !== "") head += header("Content-Type", contentType)
    if (chunked) head += header("Transfer-Encoding", "chunked")
    else if (!/Content-Length|Transfer-Encoding/i.test(headers)) head += header("Content-Length", String(payload.length))
  }
  // UTF-8 where the request line or a header holds non-ASCII text.
  const parts = [Buffer.from(head + "\r\n", "utf8")]
  if (payload !== null) {
    parts.push(chunked ? Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload, Buffer.from("\r\n0\r\n\r\n")]) : payload)
  }
  return { label: `#${i} ${method} ${(path + queryText + fragment).slice(0, 160)}`, bytes: Buffer.concat(parts) }
}

/** `count` requests from `seed`. */
export const fuzzRequests = (seed: number, count: number, context: FuzzContext): ReadonlyArray<FuzzRequest> => {
  const random = prng(seed)
  return Array.from({ length: count }, (_, i) => makeRequest(random, context, i))
}
