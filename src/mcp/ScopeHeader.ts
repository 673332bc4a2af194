/**
 * `X-Tgsc-Scope`: how tgsc-mcp, relaying to a running server, narrows what
 * its requests may see (comma-separated scope entries, each URI-encoded,
 * as `tgsc-mcp --scope`); the server's /mcp route reads it.
 */
import { Either } from "effect"
import { type AccessScope, everything, limitedTo, parseScopeEntry, type ScopeEntry } from "../domain/AccessScope.js"

export const SCOPE_HEADER = "x-tgsc-scope"

/** X-Tgsc-Scope's value: comma-separated, URI-encoded scope entries. */
export const formatScopeHeader = (entries: ReadonlyArray<string>): string => entries.map(encodeURIComponent).join(",")

export const parseScopeHeader = (header: string | undefined): Either.Either<AccessScope, string> => {
  if (header === undefined) return Either.right(everything)
  const entries: Array<ScopeEntry> = []
  for (const part of header.split(",")) {
    let text: string
    try {
      text = decodeURIComponent(part.trim())
    } catch {
      return Either.left(`Invalid X-Tgsc-Scope header: '${part.trim().slice(0, 100)}' is not URI-encoded`)
    }
    const entry = parseScopeEntry(text)
    if (Either.isLeft(entry)) return Either.left(`Invalid X-Tgsc-Scope header: ${entry.left.message}`)
    entries.push(entry.right)
  }
  return Either.right(limitedTo(entries))
}
