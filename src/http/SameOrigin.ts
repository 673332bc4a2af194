/**
 * No cross-site writes: a state-changing request (anything but GET, HEAD,
 * OPTIONS) whose `Origin` header names another origin than this server's
 * is refused with 403 `{"detail"}` before any route runs.
 *
 * This server's origin is the one the request was addressed to: its `Host`
 * header (already checked by AllowedHosts), over http or https (a TLS proxy
 * in front). `Origin: null` (sandboxed frames, some redirects, file: pages)
 * and anything that is not exactly a browser's serialized origin count as
 * foreign. A request without `Origin` is allowed: browsers send it on every
 * cross-origin write, programs (curl, agents) need not. Together with JSON
 * bodies only (JsonBody: a form or text/plain post is a 415, and a JSON one
 * from another site needs a CORS preflight this server never grants), a web
 * page cannot make the server act for its user. (/mcp checks reads too,
 * as MCP asks of every connection: src/mcp/McpRoute.ts.)
 */
import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { Effect } from "effect"
import { detailResponse } from "./DetailErrors.js"
import { isStateChanging } from "./JsonBody.js"

/** `host[:port]` as a URL with this scheme gives it (default port left out), or undefined when malformed. */
const hostOf = (protocol: string, host: string): string | undefined => {
  try {
    const url = new URL(`${protocol}//${host}`)
    return url.pathname === "/" && url.username === "" && url.search === "" ? url.host : undefined
  } catch {
    return undefined
  }
}

/** Whether `origin` (an Origin header value) is the origin a request sent with this Host header came from. */
export const isSameOrigin = (origin: string, hostHeader: string | undefined): boolean => {
  if (hostHeader === undefined) return false
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false // "null", garbage
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false
  if (url.origin !== origin.toLowerCase()) return false // a path, user info, a default port spelled out...
  const host = hostOf(url.protocol, hostHeader.trim())
  return host !== undefined && host === url.host
}

/** `accepted`: what the refused request is, as the sentence saying where it is accepted from begins. */
export const foreignOriginDetail = (origin: string, accepted = "Changes are accepted"): string => {
  const shown = origin.length > 200 ? `${origin.slice(0, 200)}...` : origin
  return `Cross-origin request refused: Origin '${shown}' is not this server's origin. ` +
    `${accepted} only from this server's own pages or from clients that send no Origin header`
}

/** Refuses state-changing requests from another origin with 403 `{"detail"}`, on every path. */
export const SameOriginLive = HttpApiBuilder.middleware((app) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const origin = request.headers["origin"]
    if (origin !== undefined && isStateChanging(request.method) && !isSameOrigin(origin, request.headers["host"])) {
      return detailResponse(403, foreignOriginDetail(origin))
    }
    return yield* app
  })
)
