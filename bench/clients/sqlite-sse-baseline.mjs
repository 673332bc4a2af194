/**
 * The cached-history baseline: the least a program can do to serve a
 * dialog's cache as Server-Sent Events. `node sqlite-sse-baseline.mjs
 * <db file> <port>`; GET /?start=<epoch s>&end=<epoch s>&chunk=<n> reads the
 * same rows tgsc reads (messages joined with media, keyset pages of 500 in
 * (date, id) order) with better-sqlite3, builds the same fields (the
 * message details too, from the cache's compact JSON), serialises
 * each chunk with JSON.stringify and writes `data: {"messages": [...]}`
 * events to a node:http response, waiting for 'drain' when the socket is full.
 */
import Database from "better-sqlite3"
import { once } from "node:events"
import * as http from "node:http"

const [file, port] = process.argv.slice(2)
const db = new Database(file, { readonly: true })
const read = db.prepare(
  "SELECT m.id, m.date, m.edit_date, m.sender_id, m.sender_first_name, m.sender_last_name, m.sender_username, " +
    "m.text, m.reply_to, m.post_author, m.is_forwarded, m.forwarded_from_channel_id, m.media_type, m.details, " +
    "d.uuid, d.file_name, d.size, d.category " +
    "FROM messages m LEFT JOIN media d ON d.message_id = m.id " +
    "WHERE (m.date, m.id) > (?, ?) AND m.date < ? ORDER BY m.date, m.id LIMIT ?"
)

const pad = (n) => String(n).padStart(2, "0")
const formatDate = (seconds) => {
  const d = new Date(seconds * 1000)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
}

/** The cache's details (short keys, defaults left out; `{}` for none) as the contract's fields. */
const details = (text) => {
  const d = text === null || text === "{}" ? {} : JSON.parse(text)
  return {
    topic_id: d.t ?? null,
    reply_to_top_id: d.rt ?? null,
    reply_quote: d.q ?? null,
    forward_from_id: d.fi ?? null,
    forward_from_name: d.fn ?? null,
    forward_date: d.fd === undefined ? null : formatDate(d.fd),
    forwarded_from_message_id: d.fm ?? null,
    views: d.v ?? null,
    forwards: d.f ?? null,
    replies: d.r ?? null,
    discussion_id: d.d ?? null,
    reactions: d.re ?? [],
    pinned: d.p ?? false,
    grouped_id: d.g ?? null,
    via_bot_id: d.b ?? null,
    entities: d.e ?? [],
    action: d.a ?? null
  }
}

const view = (r) => ({
  message_id: r.id,
  date: formatDate(r.date),
  edit_date: r.edit_date === null ? null : formatDate(r.edit_date),
  sender_id: r.sender_id,
  first_name: r.sender_first_name,
  last_name: r.sender_last_name,
  username: r.sender_username,
  message: r.text,
  reply_to: r.reply_to,
  post_author: r.post_author,
  is_forwarded: r.is_forwarded,
  forwarded_from_channel_id: r.forwarded_from_channel_id,
  media_type: r.media_type,
  media_uuid: r.uuid,
  media_original_filename: r.file_name,
  media_size: r.size,
  media_category: r.category,
  ...details(r.details)
})

const serve = async (req, res) => {
  const q = new URL(req.url, "http://localhost").searchParams
  const end = Number(q.get("end"))
  const chunk = Number(q.get("chunk") ?? 100)
  let date = Number(q.get("start"))
  let id = 0
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
  const buffer = []
  const write = async (messages) => {
    if (!res.write(`data: ${JSON.stringify({ messages })}\n\n`)) await once(res, "drain")
  }
  for (;;) {
    const rows = read.all(date, id, end, 500)
    for (const r of rows) buffer.push(view(r))
    while (buffer.length >= chunk) await write(buffer.splice(0, chunk))
    if (rows.length < 500) break
    date = rows[rows.length - 1].date
    id = rows[rows.length - 1].id
  }
  if (buffer.length > 0) await write(buffer)
  res.end()
}

http.createServer((req, res) => {
  serve(req, res).catch((error) => {
    process.stderr.write(`${error.stack}\n`)
    res.destroy()
  })
}).listen(Number(port), "127.0.0.1", () => process.stdout.write("ready\n"))
