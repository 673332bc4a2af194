/**
 * A client of GET /api/v3/updates as an application keeps one: it reads the
 * event stream, remembers the id of the last event it received whole, and
 * when the connection drops (the server stopped or was killed) it connects
 * again, to whichever server runs then, resuming after that id: with the
 * Last-Event-ID header (as a browser's EventSource does) and with `since=`
 * in turn (the way changes after each connection that received events).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

export interface ReceivedEvent {
  readonly id: number
  readonly event: string
  readonly data: Json
  /** Which connection brought it (1 for the first). */
  readonly connection: number
  /** How that connection asked to resume. */
  readonly resumedBy: "last-event-id" | "since"
}

export interface UpdatesFollower {
  /** Every event received, in the order received. */
  readonly events: ReadonlyArray<ReceivedEvent>
  /** What went wrong on connections so far (refused, dropped, non-200 answers), for failure messages. */
  readonly troubles: ReadonlyArray<string>
  /** Resolves once an event satisfying `done` was received; rejects after `timeoutMs` naming `what`. */
  readonly waitFor: (what: string, done: (e: ReceivedEvent) => boolean, timeoutMs?: number) => Promise<void>
  readonly stop: () => Promise<void>
}

/** One `id:`/`event:`/`data:` block of the stream (comments, such as keep-alives, give none). */
const parseBlock = (block: string): { id: number; event: string; data: Json } | null => {
  const id = /^id: (\d+)$/m.exec(block)?.[1]
  const event = /^event: (.+)$/m.exec(block)?.[1]
  const data = /^data: (.+)$/m.exec(block)?.[1]
  return id === undefined || event === undefined || data === undefined ? null : { id: Number(id), event, data: JSON.parse(data) }
}

export const followUpdates = (options: {
  /** The URL of the server running now; waits while none does. */
  readonly server: () => Promise<string>
  readonly session: string
  /** Resume after this id at first. */
  readonly since: number
}): UpdatesFollower => {
  const events: Array<ReceivedEvent> = []
  const troubles: Array<string> = []
  const waiters = new Set<() => void>()
  let last = options.since
  let connections = 0
  let byHeader = true
  const abort = new AbortController()

  const connectOnce = async (url: string) => {
    connections++
    const connection = connections
    const resumedBy = byHeader ? "last-event-id" : "since"
    const res = await fetch(`${url}/api/v3/updates${byHeader ? "" : `?since=${last}`}`, {
      headers: { "x-telegram-username": options.session, ...(byHeader ? { "last-event-id": String(last) } : {}) },
      signal: abort.signal
    })
    if (res.status !== 200) {
      troubles.push(`connection ${connection}: ${res.status} ${await res.text()}`)
      return
    }
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let text = ""
    for (;;) {
      const next = await reader.read()
      if (next.done) return
      text += decoder.decode(next.value, { stream: true })
      for (let cut = text.indexOf("\n\n"); cut !== -1; cut = text.indexOf("\n\n")) {
        const parsed = parseBlock(text.slice(0, cut))
        text = text.slice(cut + 2)
        if (parsed === null) continue
        if (events.at(-1)?.connection !== connection) byHeader = !byHeader
        events.push({ ...parsed, connection, resumedBy })
        last = parsed.id
        for (const wake of waiters) wake()
      }
    }
  }

  const aborted = new Promise<null>((resolve) => abort.signal.addEventListener("abort", () => resolve(null)))
  const running = (async () => {
    while (!abort.signal.aborted) {
      const url = await Promise.race([options.server(), aborted])
      if (url === null) return
      const started = Date.now()
      await connectOnce(url).catch((error: unknown) => {
        if (!abort.signal.aborted) troubles.push(`connection ${connections} (${url}): ${String(error)} ${String((error as { cause?: unknown }).cause ?? "")}`)
      })
      // A server that is going away may still take a connection and end it: do not spin on it.
      const quick = Date.now() - started
      if (quick < 100) await new Promise((r) => setTimeout(r, 100 - quick))
    }
  })()

  const waitFor = (what: string, done: (e: ReceivedEvent) => boolean, timeoutMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      let seen = 0
      const check = () => {
        for (; seen < events.length; seen++) {
          if (done(events[seen]!)) {
            waiters.delete(check)
            clearTimeout(timer)
            resolve()
            return
          }
        }
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`no event ${what} after ${timeoutMs} ms; ${events.length} events received, troubles: ${troubles.join("; ")}`))
      }, timeoutMs)
      waiters.add(check)
      check()
    })

  return {
    events,
    troubles,
    waitFor,
    stop: async () => {
      abort.abort()
      await running
    }
  }
}
