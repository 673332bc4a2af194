/**
 * A Server-Sent Events consumer for the benchmarks, run as its own process:
 * `node bench/clients/sse-count.mjs <url> [session]` reads the whole stream,
 * counts the messages in it (occurrences of the `"message_id":` key, which
 * cannot occur unescaped inside a JSON string), and prints one JSON line:
 * `{"messages", "bytes", "ms", "firstByteMs"}`, timed from sending the
 * request to the end of the stream. An `event: error` or a status other
 * than 200 exits with code 1.
 */
import * as http from "node:http"

const [url, session] = process.argv.slice(2)
const KEY = Buffer.from("\"message_id\":")
const ERROR = Buffer.from("event: error")

const countIn = (buffer, from = 0) => {
  let n = 0
  for (let at = buffer.indexOf(KEY, from); at >= 0; at = buffer.indexOf(KEY, at + KEY.length)) n++
  return n
}

const started = performance.now()
const request = http.get(url, { headers: session === undefined ? {} : { "x-telegram-username": session } }, (res) => {
  if (res.statusCode !== 200) {
    let body = ""
    res.setEncoding("utf8")
    res.on("data", (d) => (body += d))
    res.on("end", () => {
      process.stderr.write(`status ${res.statusCode}: ${body}\n`)
      process.exit(1)
    })
    return
  }
  let messages = 0
  let bytes = 0
  let firstByteMs = null
  let tail = Buffer.alloc(0)
  res.on("data", (chunk) => {
    if (firstByteMs === null) firstByteMs = performance.now() - started
    bytes += chunk.length
    messages += countIn(chunk)
    // A key split across two chunks: look in the seam (matches wholly inside `chunk` were counted already).
    if (tail.length > 0) {
      const seam = Buffer.concat([tail, chunk.subarray(0, KEY.length - 1)])
      messages += countIn(seam)
    }
    if (chunk.indexOf(ERROR) >= 0) {
      process.stderr.write(`error event: ${chunk.toString("utf8", chunk.indexOf(ERROR), chunk.indexOf(ERROR) + 500)}\n`)
      process.exit(1)
    }
    tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - (KEY.length - 1))))
  })
  res.on("end", () => {
    process.stdout.write(`${JSON.stringify({ messages, bytes, ms: performance.now() - started, firstByteMs })}\n`)
    process.exit(0)
  })
  res.on("error", (error) => {
    process.stderr.write(`${error.stack}\n`)
    process.exit(1)
  })
})
request.on("error", (error) => {
  process.stderr.write(`${error.stack}\n`)
  process.exit(1)
})
