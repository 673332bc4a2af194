/**
 * tgsc-mcp as a client of the tgsc-server that holds the data directory:
 * each JSON-RPC message read from stdin is POSTed to the server's /mcp
 * (with the session, the scope as X-Tgsc-Scope, and TGSC_API_TOKEN when
 * set) and its answers are written to stdout, progress notifications
 * included (the server streams them as SSE). The server does all the work,
 * once: nothing here touches the data directory or Telegram.
 *
 * Requests run concurrently, each its own HTTP request, so a long
 * read_history does not hold up the others; `notifications/cancelled` for a
 * request still under way aborts its HTTP request, which cancels it at the
 * server. An HTTP failure (no session, a wrong token, the server gone) is
 * answered as a JSON-RPC error for each request of the message, with the
 * server's `detail`.
 */
import { Effect, FiberMap, Option, Redacted, type Scope, Stream } from "effect"
import { errorMessage, type JsonRpcId, PARSE_ERROR } from "./JsonRpcCodec.js"
import { SCOPE_HEADER } from "./ScopeHeader.js"

/** JSON-RPC's "server error" range: the relay could not get an answer. */
export const RELAY_ERROR = -32000

export interface RelayOptions {
  readonly url: string
  readonly session: string
  /** X-Tgsc-Scope's value, when limited. */
  readonly scopeHeader: string | undefined
  readonly token: Option.Option<Redacted.Redacted<string>>
  readonly input: Stream.Stream<Uint8Array, unknown>
  readonly write: (line: string) => Effect.Effect<void>
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const requestIds = (value: unknown): ReadonlyArray<JsonRpcId> =>
  (Array.isArray(value) ? value : [value]).flatMap((m) =>
    isRecord(m) && typeof m.method === "string" && (typeof m.id === "string" || typeof m.id === "number") ? [m.id] : []
  )

/** The `data` of each SSE event in `text`, and what is left of an unfinished one. */
const sseEvents = (text: string): { readonly events: Array<string>; readonly rest: string } => {
  const blocks = text.replace(/\r\n/g, "\n").split("\n\n")
  const rest = blocks.pop()!
  const events = blocks.flatMap((block) => {
    const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, ""))
    return data.length === 0 ? [] : [data.join("\n")]
  })
  return { events, rest }
}

export const relayStdio = (options: RelayOptions): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const inFlight = yield* FiberMap.make<JsonRpcId>()
    const send = (message: unknown) => options.write(JSON.stringify(message) + "\n")
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "x-telegram-username": options.session,
      ...(options.scopeHeader === undefined ? {} : { [SCOPE_HEADER]: options.scopeHeader }),
      ...Option.match(options.token, { onNone: () => ({}), onSome: (t) => ({ authorization: `Bearer ${Redacted.value(t)}` }) })
    }

    const failAll = (ids: ReadonlyArray<JsonRpcId>, text: string) =>
      Effect.forEach(ids, (id) => send(errorMessage(id, RELAY_ERROR, text)), { discard: true })

    const post = (value: unknown, ids: ReadonlyArray<JsonRpcId>) =>
      Effect.tryPromise({
        try: (signal) => fetch(`${options.url}/mcp`, { method: "POST", headers, body: JSON.stringify(value), signal }),
        catch: (cause) => cause
      }).pipe(
        Effect.flatMap((response) =>
          Effect.gen(function*() {
            if (response.status === 202) return
            const type = (response.headers.get("content-type") ?? "").toLowerCase()
            if (!response.ok) {
              const body = yield* Effect.promise(() => response.text().catch(() => ""))
              let detail = body
              try {
                const parsed = JSON.parse(body) as { detail?: unknown }
                if (typeof parsed.detail === "string") detail = parsed.detail
              } catch {
                // not the server's {"detail"}: its text as it is
              }
              return yield* failAll(ids, `tgsc-server answered ${response.status}: ${detail.slice(0, 500)}`)
            }
            if (type.startsWith("text/event-stream") && response.body !== null) {
              let pending = ""
              yield* Stream.fromReadableStream(() => response.body!, (e) => e).pipe(
                Stream.decodeText(),
                Stream.runForEach((chunk) => {
                  const { events, rest } = sseEvents(pending + chunk)
                  pending = rest
                  return Effect.forEach(events, (data) => options.write(data + "\n"), { discard: true })
                })
              )
              return
            }
            const text = yield* Effect.promise(() => response.text())
            if (text.trim() !== "") yield* options.write(text.replace(/\n/g, " ") + "\n")
          })
        ),
        Effect.catchAll((cause) =>
          failAll(
            ids,
            `tgsc-server at ${options.url} could not be reached (${cause instanceof Error ? cause.message : String(cause)}); ` +
              "restart tgsc-mcp once the server runs again"
          )
        )
      )

    const onMessage = (value: unknown): Effect.Effect<void, never, Scope.Scope> => {
      const messages = Array.isArray(value) ? value : [value]
      for (const m of messages) {
        if (isRecord(m) && m.method === "notifications/cancelled" && isRecord(m.params)) {
          const id = m.params.requestId
          if (typeof id === "string" || typeof id === "number") return FiberMap.remove(inFlight, id)
        }
      }
      const ids = requestIds(value)
      const work = post(value, ids)
      // Keyed by its first request id, so a cancellation can find it; notifications need no key.
      return ids.length === 0 ? Effect.asVoid(Effect.forkScoped(work)) : FiberMap.run(inFlight, ids[0]!, work).pipe(Effect.asVoid)
    }

    let buffer = ""
    yield* options.input.pipe(
      Stream.decodeText(),
      Stream.runForEach((chunk) =>
        Effect.suspend(() => {
          buffer += chunk
          const lines = buffer.split("\n")
          buffer = lines.pop()!
          return Effect.forEach(lines.filter((l) => l.trim() !== ""), (line) => {
            let value: unknown
            try {
              value = JSON.parse(line)
            } catch (error) {
              return send(errorMessage(null, PARSE_ERROR, `Parse error: ${error instanceof Error ? error.message : String(error)}`))
            }
            return onMessage(value)
          }, { discard: true })
        })
      ),
      Effect.catchAllCause((cause) => Effect.logError("stdin failed", cause))
    )
  })
