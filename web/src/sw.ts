/**
 * The app's service worker, for media players only: an <audio> or <video>
 * element cannot send the API token or the session header, yet it should
 * stream with Range requests rather than wait for the whole file. Its src is
 * `/app/media/<session>/<uuid>`; this worker answers that from
 * `/api/v3/files/<uuid>` with the headers added and the element's Range
 * passed on (so the server's 206 answers reach the player). The token is
 * asked of the page that made the request, every time (a worker keeps no
 * secret, and may be stopped and restarted at any moment). Every other
 * request is left alone.
 */
interface FetchEventLike {
  readonly request: Request
  readonly clientId: string
  readonly respondWith: (response: Promise<Response>) => void
}
interface ClientLike {
  readonly postMessage: (message: unknown, transfer: Array<MessagePort>) => void
}
interface WorkerScope {
  readonly addEventListener: {
    (type: "fetch", listener: (event: FetchEventLike) => void): void
    (type: "install" | "activate", listener: (event: { readonly waitUntil: (p: Promise<unknown>) => void }) => void): void
  }
  readonly skipWaiting: () => Promise<void>
  readonly clients: { readonly claim: () => Promise<void>; readonly get: (id: string) => Promise<ClientLike | undefined> }
}

const worker = self as unknown as WorkerScope
const MEDIA = /^\/app\/media\/([^/]+)\/([^/]+)$/

/** The page's API token (null when it has none), through a channel of its own. */
const tokenOf = (client: ClientLike | undefined): Promise<string | null> =>
  new Promise((resolve) => {
    if (client === undefined) return resolve(null)
    const channel = new MessageChannel()
    const timer = setTimeout(() => resolve(null), 2000)
    channel.port1.onmessage = (e: MessageEvent<{ token?: string | null }>) => {
      clearTimeout(timer)
      resolve(e.data.token ?? null)
    }
    client.postMessage({ type: "tgsc-token" }, [channel.port2])
  })

worker.addEventListener("install", (event) => event.waitUntil(worker.skipWaiting()))
worker.addEventListener("activate", (event) => event.waitUntil(worker.clients.claim()))
worker.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url)
  const media = url.origin === location.origin ? MEDIA.exec(url.pathname) : null
  if (media === null) return
  event.respondWith((async () => {
    const headers = new Headers({ "x-telegram-username": decodeURIComponent(media[1]!) })
    const token = await tokenOf(await worker.clients.get(event.clientId))
    if (token !== null) headers.set("authorization", `Bearer ${token}`)
    const range = event.request.headers.get("range")
    if (range !== null) headers.set("range", range)
    return fetch(`/api/v3/files/${media[2]!}`, { headers, credentials: "omit", cache: "no-store" })
  })())
})
