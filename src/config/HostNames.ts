/**
 * Host names as the server's configuration and its Host check compare them:
 * `--allowed-hosts` is read with these (src/cli), the `Host` header is
 * checked with them (src/http/AllowedHosts.ts).
 */
import { isIPv4, isIPv6 } from "node:net"

/** Extra allowed host names (as normalizeHostName gives them), or `*`: any host. */
export type AllowedHosts = "*" | ReadonlyArray<string>

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
