/**
 * The MCP counterpart of http-load.mjs, run as its own process:
 * `node bench/clients/mcp-load.mjs <base url> <session> search <requests> <query> [<query> ...]`
 * calls search_dialogs over streamable HTTP (one JSON-RPC tools/call per
 * POST /mcp, as an MCP client does), one at a time over a keep-alive
 * connection, cycling through the queries, and prints one JSON line with
 * every call's latency in milliseconds.
 *
 * `node bench/clients/mcp-load.mjs <base url> <session> pages <messages> <dialog id> <start> <end> <max tokens>`
 * reads read_history pages (Markdown) from the first one, following
 * next_cursor until `messages` messages have come, and prints
 * `{"messages", "pages", "ms"}`. A JSON-RPC or tool error exits with code 1.
 */
import * as http from "node:http"

const [base, session, mode, countText, ...rest] = process.argv.slice(2)
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
const url = new URL(base)
let id = 0

const call = (name, args) =>
  new Promise((resolve, reject) => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: ++id, method: "tools/call", params: { name, arguments: args } })
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: "/mcp",
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "content-length": Buffer.byteLength(body),
          "x-telegram-username": session
        }
      },
      (res) => {
        const chunks = []
        res.on("data", (d) => chunks.push(d))
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8")
          if (res.statusCode !== 200) return reject(new Error(`${res.statusCode} ${text}`))
          const answer = JSON.parse(text)
          if (answer.error !== undefined || answer.result.isError) return reject(new Error(text.slice(0, 500)))
          resolve(answer.result)
        })
      }
    )
    req.on("error", reject)
    req.end(body)
  })

const search = async () => {
  const requests = Number(countText)
  const latencies = []
  for (let i = 0; i < requests; i++) {
    const started = performance.now()
    await call("search_dialogs", { query: rest[i % rest.length] })
    latencies.push(performance.now() - started)
  }
  return { latencies }
}

const pages = async () => {
  const wanted = Number(countText)
  const [dialogId, start, end, maxTokens] = rest
  let cursor = null
  let messages = 0
  let pageCount = 0
  const started = performance.now()
  while (messages < wanted) {
    const args = cursor === null
      ? { dialog_id: Number(dialogId), start_date: start, end_date: end, max_tokens: Number(maxTokens) }
      : { dialog_id: Number(dialogId), max_tokens: Number(maxTokens), cursor }
    const result = await call("read_history", args)
    messages += result.structuredContent.messages.length
    pageCount++
    cursor = result.structuredContent.next_cursor
    if (cursor === null) break
  }
  return { messages, pages: pageCount, ms: performance.now() - started }
}

;(mode === "search" ? search() : pages()).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`)
    process.exit(0)
  },
  (error) => {
    process.stderr.write(`${error.stack}\n`)
    process.exit(1)
  }
)
