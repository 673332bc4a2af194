/**
 * Named API tokens: each one a name, the SHA-256 of the token (never the
 * token), the sessions it may act for, the scope of what it may see, and
 * when it was created, as `{data_dir}/tokens.yaml` holds them.
 *
 * The document is read strictly, because a lenient reading could only ever
 * widen access: an unknown field (`scope:` for `scopes:`) is an error, not
 * ignored; a token's sessions must be listed; `scopes` is `all` or a
 * non-empty list (an empty list, left by deleting entries one by one, would
 * otherwise read as "everything"); a name or hash given twice is an error.
 */
import { Either } from "effect"
import { type AccessScope, everything, formatScopeEntry, limitedTo, parseScopeEntry, type ScopeEntry } from "./AccessScope.js"
import { SESSION_NAME_PATTERN, type SessionName } from "./SessionName.js"

export type TokenName = string & { readonly TokenName: unique symbol }

/** As session names: 1-64 of A-Z a-z 0-9 _ . -, not starting with . or -. */
export const validateTokenName = (name: string): Either.Either<TokenName, string> =>
  SESSION_NAME_PATTERN.test(name)
    ? Either.right(name as TokenName)
    : Either.left(
      `Invalid token name ${JSON.stringify(name.length > 80 ? name.slice(0, 80) + "..." : name)}: ` +
        "use 1-64 characters from A-Z, a-z, 0-9, '_', '.', '-', not starting with '.' or '-'"
    )

/** `all`: the whole of each of its sessions' accounts; otherwise only what the entries admit. */
export type TokenScopes = "all" | readonly [ScopeEntry, ...Array<ScopeEntry>]

export interface NamedToken {
  readonly name: TokenName
  /** SHA-256 of the token, 64 lowercase hex digits. */
  readonly sha256: string
  /** The sessions (X-Telegram-Username) the token may act for: at least one. */
  readonly sessions: readonly [SessionName, ...Array<SessionName>]
  readonly scopes: TokenScopes
  /** When it was created, ISO 8601. */
  readonly created: string
}

export const tokenScope = (token: NamedToken): AccessScope =>
  token.scopes === "all" ? everything : limitedTo(token.scopes)

/** `all`, or the entries as `--scope` takes them, comma-separated. */
export const describeTokenScopes = (scopes: TokenScopes): string =>
  scopes === "all" ? "all" : scopes.map(formatScopeEntry).join(", ")

const NAME_HINT = "use 1-64 characters from A-Z, a-z, 0-9, '_', '.', '-', not starting with '.' or '-'"
const FIELDS = ["name", "sha256", "sessions", "scopes", "created"] as const

const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 80 ? text.slice(0, 80) + "..." : text
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** One stored token, or the problems of its fields (each prefixed with where it is). */
const readToken = (value: unknown, at: string, problems: Array<string>): NamedToken | undefined => {
  if (!isRecord(value)) {
    problems.push(`${at}: expected a token (name, sha256, sessions, scopes, created), got ${show(value)}`)
    return undefined
  }
  const before = problems.length
  for (const key of Object.keys(value)) {
    if (!(FIELDS as ReadonlyArray<string>).includes(key)) problems.push(`${at}.${key}: unknown field (expected ${FIELDS.join(", ")})`)
  }
  for (const key of FIELDS) if (value[key] === undefined || value[key] === null) problems.push(`${at}.${key}: is missing`)
  const { created, name, scopes, sessions, sha256 } = value
  if (name != null && (typeof name !== "string" || !SESSION_NAME_PATTERN.test(name))) {
    problems.push(`${at}.name: invalid token name ${show(name)}: ${NAME_HINT}`)
  }
  if (sha256 != null && (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256))) {
    problems.push(`${at}.sha256: expected the token's SHA-256 as 64 lowercase hex digits`)
  }
  if (sessions != null) {
    if (!Array.isArray(sessions) || sessions.length === 0) {
      problems.push(`${at}.sessions: expected a non-empty list of session names, got ${show(sessions)}`)
    } else {
      sessions.forEach((session, i) => {
        if (typeof session !== "string" || !SESSION_NAME_PATTERN.test(session)) {
          problems.push(`${at}.sessions.${i}: invalid session name ${show(session)}: ${NAME_HINT}`)
        }
      })
    }
  }
  const entries: Array<ScopeEntry> = []
  if (scopes != null && scopes !== "all") {
    if (!Array.isArray(scopes) || scopes.length === 0) {
      problems.push(
        `${at}.scopes: expected all, or a non-empty list of folder:<id or title> and dialog:<id> entries, got ${show(scopes)}`
      )
    } else {
      scopes.forEach((text, i) => {
        const entry = typeof text === "string" ? parseScopeEntry(text) : undefined
        if (entry !== undefined && Either.isRight(entry)) entries.push(entry.right)
        else problems.push(`${at}.scopes.${i}: ${entry === undefined ? `expected text, got ${show(text)}` : entry.left.message}`)
      })
    }
  }
  if (created != null && (typeof created !== "string" || !/^\d{4}-\d\d-\d\dT/.test(created) || Number.isNaN(Date.parse(created)))) {
    problems.push(`${at}.created: invalid date ${show(created)}: expected ISO 8601, e.g. 2025-01-31T12:00:00.000Z`)
  }
  if (problems.length > before) return undefined
  return {
    name: name as TokenName,
    sha256: sha256 as string,
    sessions: sessions as NamedToken["sessions"],
    scopes: scopes === "all" ? "all" : (entries as unknown as TokenScopes),
    created: created as string
  }
}

/** The tokens of a tokens.yaml document (already parsed from YAML), or its problems (`; `-separated), each naming the field. */
export const decodeTokensDocument = (doc: unknown): Either.Either<ReadonlyArray<NamedToken>, string> => {
  // An empty file holds no token (nothing is opened by it).
  if (doc === null || doc === undefined) return Either.right([])
  if (!isRecord(doc)) return Either.left(`expected a mapping with a tokens list, got ${show(doc)}`)
  const problems: Array<string> = []
  for (const key of Object.keys(doc)) if (key !== "tokens") problems.push(`${key}: unknown field (expected tokens)`)
  const list = doc.tokens ?? []
  if (!Array.isArray(list)) return Either.left([...problems, `tokens: expected a list of tokens, got ${show(list)}`].join("; "))
  const tokens = list.map((value, i) => readToken(value, `tokens.${i}`, problems))
  for (const key of ["name", "sha256"] as const) {
    const seen = new Set<string>()
    tokens.forEach((token, i) => {
      if (token === undefined) return
      if (seen.has(token[key])) problems.push(`tokens.${i}.${key}: ${key === "name" ? `'${token.name}'` : "this hash"} is given twice`)
      seen.add(token[key])
    })
  }
  return problems.length > 0 ? Either.left(problems.join("; ")) : Either.right(tokens as ReadonlyArray<NamedToken>)
}

/** The document to store (YAML-ready plain data); decodeTokensDocument reads it back. */
export const tokensDocument = (tokens: ReadonlyArray<NamedToken>): { readonly tokens: ReadonlyArray<Record<string, unknown>> } => ({
  tokens: tokens.map((t) => ({
    name: t.name,
    sha256: t.sha256,
    sessions: [...t.sessions],
    scopes: t.scopes === "all" ? "all" : t.scopes.map(formatScopeEntry),
    created: t.created
  }))
})
