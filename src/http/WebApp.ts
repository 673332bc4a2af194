/**
 * The web app at /app: a single-page client (its source in web/, built by
 * `npm run build` into dist/web by scripts/build-web.mjs) that uses only the
 * public REST API, like any other client. This file only serves its built
 * files and sends a browser asking for `/` there:
 *
 * - GET /app: index.html; GET /app/<file>: one of the built files, by name
 *   from a fixed list (no path is ever built from the request).
 * - GET / with `Accept: text/html` (a browser's address bar): 302 to /app.
 *   API clients (no Accept, or application/json) keep getting the JSON
 *   service information.
 * - Every answer carries a strict Content-Security-Policy: scripts, styles,
 *   images and media only from this origin (and the blob: URLs the app makes
 *   of the files it fetched with its token), fetches only to this origin,
 *   never framed; no inline script or style at all.
 *
 * The files are public (PUBLIC_ROUTES): a page load cannot carry the API
 * token, and they hold no data; everything the app shows comes from the API,
 * behind the token and the Host check like any other request.
 *
 * Where the files are: `../web` beside the running module (dist/bin/ and
 * dist/http/ both give dist/web; the test run's bundle gives its own web/),
 * else the project's dist/web (a server run from the TypeScript source).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { detailResponse } from "./DetailErrors.js"

export const WEB_APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'"
].join("; ")

export const WEB_APP_HEADERS = {
  "content-security-policy": WEB_APP_CSP,
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache"
}

/** The built files the app consists of, by the name in its URL, with their types. */
export const WEB_APP_FILES: Readonly<Record<string, string>> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
  "icon.svg": "image/svg+xml",
  "sw.js": "text/javascript; charset=utf-8"
}

/**
 * sw.js, the media players' service worker (web/src/sw.ts), serves the page
 * at /app itself: a scope one level above its own folder, which the browser
 * allows only when the server says so.
 */
const EXTRA_HEADERS: Readonly<Record<string, Record<string, string>>> = {
  "sw.js": { "service-worker-allowed": "/app" }
}

const here = path.dirname(fileURLToPath(import.meta.url))

/** The folder of the built app: the first candidate holding index.html, else undefined. */
export const findWebAppDir = (candidates: ReadonlyArray<string> = [
  path.resolve(here, "../web"),
  path.resolve(here, "../../dist/web")
]): string | undefined => candidates.find((dir) => fs.existsSync(path.join(dir, "index.html")))

export const NOT_BUILT = "The web app is not built: run `npm run build` (it builds web/ into dist/web)"

const serveFile = (dir: string | undefined, name: string) =>
  Effect.gen(function*() {
    const type = WEB_APP_FILES[name]
    if (type === undefined) return detailResponse(404, `No such file of the web app: '${name.slice(0, 100)}'`)
    if (dir === undefined) return detailResponse(404, NOT_BUILT)
    const body = yield* Effect.promise(() => fs.promises.readFile(path.join(dir, name)).catch(() => undefined))
    if (body === undefined) return detailResponse(404, NOT_BUILT)
    return HttpServerResponse.uint8Array(body, { contentType: type, headers: { ...WEB_APP_HEADERS, ...EXTRA_HEADERS[name] } })
  })

/** The app's routes, serving the files of `dir` (found once, at start). */
export const WebAppLive = (dir: string | undefined = findWebAppDir()) =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function*() {
      yield* router.get("/app", serveFile(dir, "index.html"))
      yield* router.get(
        "/app/:file",
        Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
          const name = decodeURIComponent(new URL(request.url, "http://x").pathname.slice("/app/".length))
          return serveFile(dir, name)
        }).pipe(Effect.catchAllDefect(() => Effect.succeed(detailResponse(400, "Malformed path"))))
      )
    })
  )

/** Whether an Accept header asks for a page (a browser navigating) rather than data. */
export const wantsPage = (accept: string | undefined): boolean =>
  accept !== undefined && /(^|,)\s*text\/html\s*(;|,|$)/i.test(accept)

/** A browser asking for `/` is sent to the app; everything else passes. */
export const WebAppRedirectLive = HttpApiBuilder.middleware((app) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if ((request.method === "GET" || request.method === "HEAD") && request.url === "/" && wantsPage(request.headers["accept"])) {
      return HttpServerResponse.empty({ status: 302, headers: { location: "/app", vary: "Accept" } })
    }
    return yield* app
  })
)
