/**
 * DNS rebinding protection: a request is answered only when its `Host`
 * header names this server as the user does.
 *
 * A web page on an attacker's domain can re-point that domain at 127.0.0.1;
 * its scripts then talk to this server "same-origin" (custom headers
 * included) and read the answers. Their requests still carry the attacker's
 * name in `Host`, so they are refused here (403) before any route runs.
 *
 * Allowed: `localhost` and `*.localhost`, any IP address (a rebinding
 * page's Host is its domain name, never an address), the name the server
 * binds (`--host`), and the names in `--allowed-hosts`; `*` there turns the
 * check off. The port is ignored.
 * A request without a `Host` header (HTTP/1.0; Node refuses an HTTP/1.1
 * request without one) is allowed: browsers always send it, so such a
 * request comes from a program that reaches the port directly anyway.
 */
import { isIPv4, isIPv6 } from "node:net"
import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { Effect } from "effect"
import { detailResponse } from "./DetailErrors.js"

/** Extra allowed host names (as normalizeHostName gives them), or `*`: any host. */
export type AllowedHosts = "*" | ReadonlyArray<string>

/** What the check needs to know; AppConfigShape fits. */
export interface HostPolicy {
  /** The bind address (`--host`). */
  readonly host: string
  /** Unset: none beyond the defaults. */
  readonly allowedHosts?: AllowedHosts | undefined
}

const canonicalIpv6 = (address: string): string | undefined => {
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1)
  } catch {
    return undefined // e.g. a zone id (fe80::1%eth0), which no Host header carries
  }
}

const HOST_NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/

/**
 * A host name or IP address as compared here: lower case, without a
 * trailing dot, IPv6 in its canonical form without brackets. `undefined`
 * when it is neither a host name nor an IP address (a port, a scheme, a
 * wildcard, other characters).
 */
export const normalizeHostName = (name: string): string | undefined => {
  let text = name.trim().toLowerCase()
  if (text.startsWith("[") && text.endsWith("]")) {
    const inner = text.slice(1, -1)
    return isIPv6(inner) ? canonicalIpv6(inner) : undefined
  }
  if (isIPv6(text)) return canonicalIpv6(text)
  if (text.endsWith(".")) text = text.slice(0, -1)
  if (isIPv4(text)) return text
  return text.length <= 253 && HOST_NAME.test(text) ? text : undefined
}

/**
 * The host name a `Host` header value names (`name`, `name:port`,
 * `[ipv6]:port`), normalized; `undefined` when malformed.
 */
export const hostNameOf = (header: string): string | undefined => {
  const text = header.trim()
  let name: string
  let rest: string
  if (text.startsWith("[")) {
    const close = text.indexOf("]")
    if (close < 0) return undefined
    name = text.slice(0, close + 1)
    rest = text.slice(close + 1)
  } else if (text.indexOf(":") !== text.lastIndexOf(":")) {
    // An IPv6 address without brackets: not valid in a Host header, read leniently.
    name = text
    rest = ""
  } else {
    const colon = text.indexOf(":")
    name = colon < 0 ? text : text.slice(0, colon)
    rest = colon < 0 ? "" : text.slice(colon)
  }
  if (rest !== "" && !/^:\d{1,5}$/.test(rest)) return undefined
  return normalizeHostName(name)
}

/** localhost, *.localhost, 127.0.0.0/8, ::1 (names as normalizeHostName gives them). */
export const isLoopbackName = (name: string): boolean =>
  name === "localhost" || name.endsWith(".localhost") || (isIPv4(name) && name.startsWith("127.")) || name === "::1"

const isUnspecified = (name: string) => name === "0.0.0.0" || name === "::"

/** Whether a request with this `Host` header (undefined: none) is answered. */
export const isHostAllowed = (hostHeader: string | undefined, policy: HostPolicy): boolean => {
  const allowed = policy.allowedHosts ?? []
  if (allowed === "*" || hostHeader === undefined) return true
  const name = hostNameOf(hostHeader)
  if (name === undefined) return false
  // An IP address is never what a rebinding page sends (its Host is the attacker's domain name), and a LAN
  // address or the URL of a 0.0.0.0 bind is how people reach a server they exposed on purpose.
  if (isLoopbackName(name) || isIPv4(name) || isIPv6(name)) return true
  const bound = normalizeHostName(policy.host)
  if (bound !== undefined && !isUnspecified(bound) && bound === name) return true
  return allowed.includes(name)
}

/** The 403's detail, naming the refused host (shortened if long). */
export const hostNotAllowedDetail = (hostHeader: string): string => {
  const shown = hostHeader.length > 200 ? `${hostHeader.slice(0, 200)}...` : hostHeader
  return `Host '${shown}' is not allowed: this server answers requests addressed to localhost, a loopback address ` +
    "or an IP address; add other names to TGSC_ALLOWED_HOSTS (see --allowed-hosts)"
}

/** Refuses requests for other hosts with 403 `{"detail"}`, on every path. */
export const AllowedHostsLive = (policy: HostPolicy) =>
  HttpApiBuilder.middleware((app) =>
    policy.allowedHosts === "*" ? app : Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const host = request.headers["host"]
      if (!isHostAllowed(host, policy)) return detailResponse(403, hostNotAllowedDetail(host ?? ""))
      return yield* app
    })
  )
