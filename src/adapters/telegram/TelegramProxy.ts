/**
 * The proxy every Telegram connection goes through (logins, requests, media
 * on other DCs): `socks5://[user:pass@]host:port`, or an MTProxy,
 * `mtproxy://<secret>@host:port` with the secret in hex or base64 as
 * Telegram apps show it. Checked when the command line is read, so a bad
 * one stops the program at start; credentials held Redacted, and described
 * (logs, errors) without them. Free of GramJS, like TelegramAdapterConfig
 * (TelegramClientFactory hands it to GramJS).
 *
 * MTProxy as GramJS 2.26.22 speaks it: the obfuscated transport keyed by a
 * 16-byte secret (also given with the `dd` prefix of "secure" proxies,
 * which GramJS strips). Fake-TLS secrets (`ee` prefix plus a domain name)
 * are refused: GramJS has no fake-TLS transport, and such a proxy would drop
 * every connection.
 */
import { Either, Redacted } from "effect"

export type TelegramProxy =
  | {
    readonly _tag: "Socks5"
    readonly host: string
    readonly port: number
    readonly username?: string | undefined
    readonly password?: Redacted.Redacted<string> | undefined
  }
  | {
    readonly _tag: "MtProxy"
    readonly host: string
    readonly port: number
    /** The 16 key bytes in hex (a `dd` prefix dropped). */
    readonly secret: Redacted.Redacted<string>
  }

const FORMS = "socks5://[user:password@]host:port or mtproxy://<secret>@host:port"

const decodePart = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

/** The secret's key bytes in hex, or why it is not one GramJS can use. */
const mtproxySecret = (text: string): Either.Either<string, string> => {
  const bytes = /^[0-9a-f]+$/i.test(text) && text.length % 2 === 0
    ? Buffer.from(text, "hex")
    : /^[A-Za-z0-9+/_-]+=*$/.test(text)
    ? Buffer.from(text, "base64")
    : undefined
  if (bytes === undefined) return Either.left("the MTProxy secret must be hex or base64, as Telegram apps show it")
  if (bytes.length > 17 && bytes[0] === 0xee) {
    return Either.left(
      "fake-TLS MTProxy secrets (starting with ee) are not supported: GramJS 2.26.22 speaks only MTProxy's " +
        "obfuscated transport; use the proxy's plain (16-byte) or dd secret, or a SOCKS5 proxy"
    )
  }
  if (bytes.length === 17 && bytes[0] === 0xdd) return Either.right(bytes.subarray(1).toString("hex"))
  if (bytes.length === 16) return Either.right(bytes.toString("hex"))
  return Either.left(`the MTProxy secret must be 16 bytes (32 hex digits), or 17 starting with dd; got ${bytes.length} bytes`)
}

/** The proxy a text names, or what is wrong with it (naming `source`, never repeating a password or secret). */
export const parseTelegramProxy = (text: string, source: string): Either.Either<TelegramProxy, string> => {
  const bad = (why: string) => Either.left(`${source}: ${why} (expected ${FORMS})`)
  const m = /^([a-z0-9]+):\/\/(.*)$/i.exec(text.trim())
  if (m === null) return bad("not a proxy URL")
  const scheme = m[1]!.toLowerCase()
  if (scheme !== "socks5" && scheme !== "mtproxy") {
    return bad(`unsupported proxy type ${JSON.stringify(m[1])}: SOCKS5 and MTProxy are supported`)
  }
  const rest = m[2]!.replace(/\/$/, "")
  const at = rest.lastIndexOf("@")
  const userinfo = at < 0 ? undefined : rest.slice(0, at)
  const address = /^(\[[0-9a-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/i.exec(at < 0 ? rest : rest.slice(at + 1))
  if (address === null || Number(address[2]) < 1 || Number(address[2]) > 65535) return bad("expected host:port after the credentials")
  const host = address[1]!.replace(/^\[(.*)\]$/, "$1")
  const port = Number(address[2])
  if (scheme === "mtproxy") {
    if (userinfo === undefined || userinfo === "") return bad("an MTProxy needs its secret before the @")
    return Either.match(mtproxySecret(userinfo), {
      onLeft: (why) => Either.left(`${source}: ${why}`),
      onRight: (secret) => Either.right({ _tag: "MtProxy" as const, host, port, secret: Redacted.make(secret) })
    })
  }
  if (userinfo === undefined) return Either.right({ _tag: "Socks5", host, port })
  const colon = userinfo.indexOf(":")
  const username = decodePart(colon < 0 ? userinfo : userinfo.slice(0, colon))
  const password = colon < 0 ? "" : decodePart(userinfo.slice(colon + 1))
  if (username === undefined || password === undefined) return bad("the user name or password has a malformed %-escape")
  if (username === "" || username.length > 255 || password.length > 255) {
    return bad("a SOCKS5 user name must be 1-255 characters, its password at most 255")
  }
  return Either.right({ _tag: "Socks5", host, port, username, password: Redacted.make(password) })
}

/** The proxy for logs and messages: its kind and address, never a credential. */
export const describeTelegramProxy = (proxy: TelegramProxy): string =>
  proxy._tag === "Socks5"
    ? `SOCKS5 proxy ${proxy.host}:${proxy.port}${proxy.username === undefined ? "" : " (with a user name and password)"}`
    : `MTProxy ${proxy.host}:${proxy.port}`
