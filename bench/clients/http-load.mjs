/**
 * A small HTTP load generator for the benchmarks, run as its own process:
 * `node bench/clients/http-load.mjs <base url> <session> <concurrency> <requests> <path> [<path> ...]`
 * sends `requests` GETs over keep-alive connections, `concurrency` at a
 * time, cycling through the paths, and prints one JSON line: every
 * request's latency in milliseconds (`latencies`) and the requests per
 * second over the whole run. A status other than 200 exits with code 1.
 */
import * as http from "node:http"

const [base, session, concurrencyText, requestsText, ...paths] = process.argv.slice(2)
const concurrency = Number(concurrencyText)
const requests = Number(requestsText)
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
const url = new URL(base)

const get = (path) =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const req = http.get(
      { host: url.hostname, port: url.port, path, agent, headers: { "x-telegram-username": session } },
      (res) => {
        const chunks = []
        res.on("data", (d) => chunks.push(d))
        res.on("end", () => {
          if (res.statusCode !== 200) reject(new Error(`${path}: ${res.statusCode} ${Buffer.concat(chunks)}`))
          else resolve(performance.now() - started)
        })
      }
    )
    req.on("error", reject)
  })

const latencies = new Array(requests)
let next = 0
const worker = async () => {
  for (let i = next++; i < requests; i = next++) latencies[i] = await get(paths[i % paths.length])
}

const started = performance.now()
Promise.all(Array.from({ length: concurrency }, worker)).then(
  () => {
    const seconds = (performance.now() - started) / 1000
    process.stdout.write(`${JSON.stringify({ requestsPerSecond: requests / seconds, latencies })}\n`)
    process.exit(0)
  },
  (error) => {
    process.stderr.write(`${error.stack}\n`)
    process.exit(1)
  }
)
