/**
 * HTTP/1.1 written by hand over a net.Socket, for tests that must send a
 * request exactly as spelled (no client normalises the path, adds headers or
 * buffers the body): odd request targets, huge streamed bodies.
 */
import * as fs from "node:fs"
import * as net from "node:net"

export interface RawResponse {
  readonly status: number
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** Parses the first response in `text` (status line, headers, body as received). */
export const parseResponse = (text: string): RawResponse => {
  const end = text.indexOf("\r\n\r\n")
  if (end < 0) throw new Error(`no complete response head in: ${JSON.stringify(text.slice(0, 200))}`)
  const [statusLine, ...lines] = text.slice(0, end).split("\r\n")
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine!)?.[1])
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(":")
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  let body = text.slice(end + 4)
  if (headers["content-length"] !== undefined) body = body.slice(0, Number(headers["content-length"]))
  return { status, headers, body }
}

/** The head of a request: request line, Host, the given headers, `Connection: close`. */
export const requestHead = (method: string, target: string, port: number, headers: Record<string, string> = {}): string =>
  `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
  Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("") +
  "Connection: close\r\n\r\n"

/** Sends `head` (and `body`) as is; resolves with the response once the server closes the connection. */
export const rawRequest = (port: number, head: string, body = ""): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(head + body))
    let text = ""
    socket.setEncoding("utf8")
    socket.on("data", (d: string) => (text += d))
    socket.on("error", reject)
    socket.on("close", () => {
      try {
        resolve(parseResponse(text))
      } catch (error) {
        reject(error)
      }
    })
  })

export interface StreamedUpload {
  readonly response: RawResponse
  /** Body bytes the socket accepted before the server answered or closed the connection. */
  readonly sentBytes: number
}

const CHUNK = Buffer.alloc(64 * 1024, 0x20)
/** CHUNK framed as one chunk of a chunked body, built once: sending allocates nothing per chunk. */
const FRAMED_CHUNK = Buffer.concat([Buffer.from(`${CHUNK.length.toString(16)}\r\n`), CHUNK, Buffer.from("\r\n")])

/**
 * Sends a request with a body of `size` bytes, generated on the fly (one
 * reused 64 KB buffer of spaces, never the whole body in memory), declared
 * by Content-Length or sent chunked. Stops writing as soon as a response
 * starts arriving or the connection ends; resolves with the response and how
 * much of the body went out.
 */
export const streamUpload = (
  port: number,
  options: {
    readonly method: string
    readonly target: string
    readonly size: number
    readonly chunked: boolean
    readonly headers?: Record<string, string>
  }
): Promise<StreamedUpload> =>
  new Promise((resolve, reject) => {
    const framing: Record<string, string> = options.chunked
      ? { "Transfer-Encoding": "chunked" }
      : { "Content-Length": String(options.size) }
    const head = requestHead(options.method, options.target, port, { ...options.headers, ...framing })
    const socket = net.connect(port, "127.0.0.1")
    let text = ""
    let sent = 0
    let answered = false
    const pump = () => {
      while (!answered && !socket.destroyed && sent < options.size) {
        const ok = options.chunked
          ? socket.write(FRAMED_CHUNK)
          : socket.write(CHUNK.subarray(0, Math.min(CHUNK.length, options.size - sent)))
        sent += Math.min(CHUNK.length, options.size - sent)
        if (!ok) return // wait for "drain"
      }
      if (!answered && !socket.destroyed && options.chunked) socket.write("0\r\n\r\n")
    }
    socket.on("connect", () => {
      socket.write(head)
      pump()
    })
    socket.on("drain", pump)
    socket.on("data", (d: Buffer) => {
      answered = true
      text += d.toString("utf8")
    })
    // The server closing the connection while we write (EPIPE, ECONNRESET) is expected: the answer came first.
    socket.on("error", () => undefined)
    socket.on("close", () => {
      if (text === "") {
        reject(new Error(`connection closed without a response after ${sent} body bytes`))
        return
      }
      try {
        resolve({ response: parseResponse(text), sentBytes: sent })
      } catch (error) {
        reject(error)
      }
    })
  })

/** The resident set size of a process, in bytes (Linux /proc). */
export const residentBytes = (pid: number): number => {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))
  if (match === null) throw new Error(`no VmRSS for process ${pid}`)
  return Number(match[1]) * 1024
}
