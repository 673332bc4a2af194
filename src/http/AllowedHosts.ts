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
import { type AllowedHosts, hostNameOf, isLoopbackName, normalizeHostName } from "../config/HostNames.js"
import { detailResponse } from "./DetailErrors.js"

/** What the check needs to know; AppConfigShape fits. */
export interface HostPolicy {
  /** The bind address (`--host`). */
  readonly host: string
  /** Unset: none beyond the defaults. */
  readonly allowedHosts?: AllowedHosts | undefined
}

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
