/**
 * search_messages with `source` cache or auto: the CacheSearch use case
 * with the REST API's filters (snake_case, JSON values), answering the
 * REST cache search's object (src/contract/LocalSearch.ts) and a text
 * rendering of it: each hit's snippet (fenced, it is other people's text),
 * and which dialogs the answer could not fully search (gaps in the cache,
 * an index still being built), with what to do about it.
 */
import { Effect, Schema } from "effect"
import { CacheSearch } from "../app/CacheSearch.js"
import type { LocalSearchRequest, LocalSource } from "../ports/LocalSearch.js"
import {
  LocalSearchResult,
  localSearchFailure,
  localSearchRequest,
  localSearchView,
  type LocalSearchView,
  SearchCoverage,
  type SharedSearchParams
} from "../contract/LocalSearch.js"
import { MCP_WAY_IN } from "../contract/FailureDetails.js"
import { MessageSearchResponse, MessageSearchResult } from "../contract/Messages.js"
import type { AccessScope } from "../domain/AccessScope.js"
import type { SessionName } from "../domain/SessionName.js"
import { CACHE_ONLY_ARGS, type SearchMessagesArgs } from "./ToolInputs.js"
import { badArguments, ToolFailure } from "./ToolRegistry.js"
import { fenceFor, inline } from "./Transcript.js"
import { DialogId } from "../domain/Ids.js"

/**
 * The tool's output: Telegram's answer (the contract's MessageSearchResponse),
 * or, with source cache or auto, the REST cache search's (its extra fields
 * present). One object schema, as MCP wants an outputSchema to be.
 */
export const SearchMessagesOutput = Schema.Struct({
  ...MessageSearchResponse.fields,
  results: Schema.Array(Schema.Union(LocalSearchResult, MessageSearchResult)),
  offset: Schema.optional(Schema.Number),
  source: Schema.optional(Schema.Literal("cache", "auto")),
  sort: Schema.optional(Schema.Literal("relevance", "date")),
  index_complete: Schema.optional(Schema.Boolean),
  coverage: Schema.optional(Schema.Array(SearchCoverage))
}).annotations({ identifier: "SearchMessagesOutput" })

/** A failure when a cache-only argument comes with Telegram's search. */
export const rejectCacheOnlyArgs = (args: SearchMessagesArgs): Effect.Effect<void, ToolFailure> => {
  const given = CACHE_ONLY_ARGS.filter((name) => args[name] !== undefined)
  if (given.length === 0) return Effect.void
  return Effect.fail(
    badArguments(
      `Argument${given.length > 1 ? "s" : ""} ${given.map((n) => `'${n}'`).join(", ")} need${given.length > 1 ? "" : "s"} ` +
        "source cache or auto (Telegram's own search, source telegram, the default, has no such filter)"
    )
  )
}

const MAX_DIALOGS_LISTED = 20

/** The answer as text: hits with snippets, then what the cache could not answer for. */
export const renderLocalSearch = (view: LocalSearchView): string => {
  const first = view.offset + 1
  const head = `${view.total} messages match "${inline(view.query, 80)}" (source ${view.source}, sort ${view.sort})` +
    (view.results.length === 0 ? "; none on this page.\n" : `; results ${first}-${view.offset + view.results.length}:\n`)
  const blocks = view.results.map((r) => {
    const from = [r.first_name, r.last_name].filter((p) => p !== null && p !== "").join(" ") ||
      (r.username === null ? (r.sender_id === null ? "unknown sender" : `id ${r.sender_id}`) : `@${r.username}`)
    const where = r.dialog_title === null ? `dialog_id ${r.dialog_id}` : `${inline(r.dialog_title, 80)} (dialog_id ${r.dialog_id})`
    const media = r.media_category ?? (r.media_type === null ? null : r.media_type.replace(/^MessageMedia/, "").toLowerCase())
    const facts = [`**#${r.message_id}**`, r.date, where, inline(from, 80), ...(media === null ? [] : [media])]
    if (r.origin === "telegram") facts.push("found by Telegram's search")
    const fence = fenceFor(r.snippet)
    return `${facts.join(" · ")}\n${fence}text\n${r.snippet}\n${fence}\n`
  })
  const gaps = view.coverage.filter((c) => c.gaps.length > 0)
  const building = view.coverage.filter((c) => !c.index_complete)
  const name = (c: { dialog_id: number; dialog_title: string | null }) =>
    c.dialog_title === null ? `dialog_id ${c.dialog_id}` : `${inline(c.dialog_title, 80)} (dialog_id ${c.dialog_id})`
  const listed = <T>(items: ReadonlyArray<T>, line: (item: T) => string) =>
    items.slice(0, MAX_DIALOGS_LISTED).map(line).join("\n") +
    (items.length > MAX_DIALOGS_LISTED ? `\n- and ${items.length - MAX_DIALOGS_LISTED} more (see coverage)` : "")
  let notes = ""
  if (gaps.length > 0) {
    notes += `\nNot in the cache, so not searched${view.source === "auto" ? " here (Telegram's search answered for these)" : ""}:\n` +
      listed(gaps, (c) => `- ${name(c)}: ${c.gaps.map((g) => `[${g.start_date}, ${g.end_date})`).join(", ")}`) +
      "\nensure: true fetches these first; source auto asks Telegram for them.\n"
  } else if (view.coverage.length > 0) {
    notes += `\nThe cache holds the whole range for the ${view.coverage.length} dialog(s) searched.\n`
  } else {
    notes += "\nNo dialog with a cache was searched: read a dialog's history first (read_history), or use source auto.\n"
  }
  if (building.length > 0) {
    notes += "The search index is still being built for (some cached messages may be missing):\n" +
      listed(building, (c) => `- ${name(c)}`) + "\n"
  }
  return head + (blocks.length === 0 ? "" : "\n" + blocks.join("\n")) + notes
}

/** The use case's request from the tool's arguments (already checked by the input schema). */
export const localRequestOf = (
  args: SearchMessagesArgs,
  source: LocalSource,
  shared: SharedSearchParams
): LocalSearchRequest => {
  const named = [...(args.dialog_id === undefined ? [] : [args.dialog_id]), ...(args.dialog_ids ?? [])].map(DialogId)
  const folder = args.folder === undefined ? "" : String(args.folder).trim()
  return localSearchRequest(shared, source, args, {
    dialogIds: named.length === 0 ? null : named,
    folder: folder === "" ? null : folder,
    senderId: args.sender_id ?? null
  })
}

/** Runs the cache search as the caller; our own storage failing is a defect ("Internal error"). */
export const searchCache = (session: SessionName, scope: AccessScope, request: LocalSearchRequest) =>
  Effect.gen(function*() {
    const cache = yield* CacheSearch
    const answer = yield* Effect.catchAll(cache.search(session, scope, request), (error) => {
      const failure = localSearchFailure(error, MCP_WAY_IN)
      return failure === null ? Effect.die(error) : Effect.fail(new ToolFailure(failure))
    })
    const view = localSearchView(request.query, request, answer)
    return { structured: view, text: renderLocalSearch(view) }
  })
