/**
 * The app's only way to the server: the public REST API, same origin, with
 * the API token (kept in sessionStorage, asked once) as a Bearer header and
 * the session as X-Telegram-Username. Never a query parameter: tokens stay
 * out of URLs and logs.
 */
import { parseSse, type SseEvent } from "./sse.js"

const TOKEN_KEY = "tgsc.token"

export const storedToken = (): string | null => sessionStorage.getItem(TOKEN_KEY)
export const storeToken = (token: string | null): void => {
  if (token === null || token === "") sessionStorage.removeItem(TOKEN_KEY)
  else sessionStorage.setItem(TOKEN_KEY, token)
}

/** A non-2xx answer: the server's `detail`, its status, and whether it is the token (not the session) that was refused. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly tokenRefused: boolean,
    readonly retryAfter: number | null
  ) {
    super(detail)
  }
}

let onTokenRefused: () => void = () => {}
/** Called whenever the server refuses the token: the app asks for it again. */
export const whenTokenRefused = (f: () => void): void => {
  onTokenRefused = f
}

export const headersFor = (session: string | null, extra: Record<string, string> = {}): Record<string, string> => {
  const h: Record<string, string> = { ...extra }
  const token = storedToken()
  if (token !== null) h["authorization"] = `Bearer ${token}`
  if (session !== null) h["x-telegram-username"] = session
  return h
}

const failure = async (res: Response): Promise<ApiError> => {
  let detail = `${res.status} ${res.statusText}`
  try {
    const body = (await res.json()) as { detail?: unknown }
    if (typeof body.detail === "string") detail = body.detail
  } catch {
    // not JSON: keep the status line
  }
  const tokenRefused = res.status === 401 && res.headers.get("www-authenticate") !== null
  if (tokenRefused) onTokenRefused()
  const retry = Number(res.headers.get("retry-after"))
  return new ApiError(res.status, detail, tokenRefused, Number.isFinite(retry) && retry > 0 ? retry : null)
}

export type Query = Record<string, string | number | boolean | ReadonlyArray<string> | null | undefined>

export const withQuery = (path: string, query: Query = {}): string => {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === "") continue
    if (Array.isArray(v)) for (const item of v) params.append(k, item)
    else params.set(k, String(v))
  }
  const text = params.toString()
  return text === "" ? path : `${path}?${text}`
}

export const request = async <A>(
  session: string | null,
  path: string,
  init: { readonly method?: string; readonly query?: Query; readonly body?: unknown; readonly signal?: AbortSignal } = {}
): Promise<A> => {
  const res = await fetch(withQuery(path, init.query), {
    method: init.method ?? "GET",
    headers: headersFor(session, init.body === undefined ? {} : { "content-type": "application/json" }),
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    ...(init.signal === undefined ? {} : { signal: init.signal }),
    credentials: "omit",
    cache: "no-store"
  })
  if (!res.ok) throw await failure(res)
  return (await res.json()) as A
}

/** A file of /api/v3/files as a Blob (the media elements cannot send the headers themselves). */
export const fileBlob = async (session: string, uuid: string, signal?: AbortSignal): Promise<Blob> => {
  const res = await fetch(`/api/v3/files/${encodeURIComponent(uuid)}`, {
    headers: headersFor(session),
    credentials: "omit",
    ...(signal === undefined ? {} : { signal })
  })
  if (!res.ok) throw await failure(res)
  return await res.blob()
}

/**
 * An SSE endpoint read with fetch (EventSource cannot send headers): each
 * event handed to `onEvent` as it arrives; `onEvent` returning false stops
 * reading (the request is aborted). Resolves true when the stream ended by
 * itself, false when it was stopped.
 */
export const streamEvents = async (
  session: string,
  path: string,
  query: Query,
  onEvent: (event: SseEvent) => boolean,
  signal: AbortSignal
): Promise<boolean> => {
  const controller = new AbortController()
  const abort = () => controller.abort()
  signal.addEventListener("abort", abort)
  try {
    const res = await fetch(withQuery(path, query), {
      headers: headersFor(session, { accept: "text/event-stream" }),
      credentials: "omit",
      cache: "no-store",
      signal: controller.signal
    })
    if (!res.ok) throw await failure(res)
    if (res.body === null) return true
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
    let buffer = ""
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return true
      buffer += value
      const parsed = parseSse(buffer)
      buffer = parsed.rest
      for (const event of parsed.events) {
        if (!onEvent(event)) {
          controller.abort()
          await reader.cancel().catch(() => undefined)
          return false
        }
      }
    }
  } catch (error) {
    if (controller.signal.aborted) return false
    throw error
  } finally {
    signal.removeEventListener("abort", abort)
  }
}

/**
 * The media players' service worker (sw.ts): registered for /app, and told
 * the token whenever it asks (it keeps none). Without it (a browser without
 * service workers, or before it controls the page) players fall back to a
 * blob fetched whole.
 */
export const startMediaWorker = (): void => {
  if (!("serviceWorker" in navigator)) return
  navigator.serviceWorker.addEventListener("message", (e: MessageEvent<{ type?: string }>) => {
    if (e.data.type === "tgsc-token") e.ports[0]?.postMessage({ token: storedToken() })
  })
  navigator.serviceWorker.register("/app/sw.js", { scope: "/app" }).catch(() => undefined)
}

/** A URL a media element can stream from with Range requests, when the service worker serves this page. */
export const streamUrl = (session: string, uuid: string): string | null =>
  "serviceWorker" in navigator && navigator.serviceWorker.controller !== null
    ? `/app/media/${encodeURIComponent(session)}/${encodeURIComponent(uuid)}`
    : null
