/**
 * Every parameter of `GET /api/v3/search/dialogs` over in-memory dialogs,
 * in four steps so Telegram is asked for counts only when they matter:
 * `selectCandidates` applies everything that needs no count, `countsNeeded`
 * names the survivors whose counts a filter or the sort needs, `rankDialogs`
 * applies the count filters and sorts once those counts are known, and
 * `pageOf` pages. The use case (src/app/DialogSearch.ts) runs them around
 * its requests for counts.
 *
 * Decisions: date bounds are half-open like history ranges (`..._after` is
 * inclusive, `..._before` exclusive); a dialog whose date or count is unknown
 * never satisfies a bound on it; `created_*` only ever match groups,
 * supergroups and channels; sorting puts unknown values last in both orders
 * and breaks ties by id, ascending; with a query, results are ordered by
 * score first. `min_score` applies to fuzzy matching only; exact matches are
 * still scored (always 0.8 or more) so they can be ranked.
 */
import { Either } from "effect"
import type { DialogKind, DialogRecord, FolderRule } from "./Dialog.js"
import { type FolderNotFound, resolveFolder, selectionContains } from "./FolderMembership.js"
import { foldedTitle, foldedTitleMatcher, type FoldedText, titleContains, titleScorer } from "./FuzzyScore.js"
import { foldForSearch } from "./TextFold.js"
import type { DialogId } from "./Ids.js"

/** Telegram's service chat (login codes): never listed. */
export const SERVICE_CHAT_ID = 777000

/** A dialog kind, `me` (Saved Messages, as `saved`), or `forum` (a supergroup with forum topics). */
export type DialogTypeFilter = DialogKind | "me" | "forum"
export type DialogSort = "last_message" | "messages" | "title" | "participants" | "unread"
export type SortOrder = "asc" | "desc"

export interface DialogSearchParams {
  /** The title query (`q` or `query`); null lists every dialog. */
  readonly query: string | null
  readonly match: "fuzzy" | "exact"
  readonly minScore: number
  /** Empty means every type; `me` is `saved`. */
  readonly types: ReadonlyArray<DialogTypeFilter>
  /** A folder id or title, as given. */
  readonly folder: string | null
  readonly isArchived: boolean | null
  readonly minMessages: number | null
  readonly maxMessages: number | null
  readonly minParticipants: number | null
  readonly maxParticipants: number | null
  /** Epoch seconds. */
  readonly lastMessageAfter: number | null
  readonly lastMessageBefore: number | null
  readonly createdAfter: number | null
  readonly createdBefore: number | null
  readonly isCreator: boolean | null
  readonly hasUsername: boolean | null
  readonly isVerified: boolean | null
  readonly sort: DialogSort
  readonly order: SortOrder
  readonly limit: number
  readonly offset: number
}

export const defaultDialogSearchParams: DialogSearchParams = {
  query: null,
  match: "fuzzy",
  minScore: 0.8,
  types: [],
  folder: null,
  isArchived: null,
  minMessages: null,
  maxMessages: null,
  minParticipants: null,
  maxParticipants: null,
  lastMessageAfter: null,
  lastMessageBefore: null,
  createdAfter: null,
  createdBefore: null,
  isCreator: null,
  hasUsername: null,
  isVerified: null,
  sort: "last_message",
  order: "desc",
  limit: 50,
  offset: 0
}

/** A dialog that passed every filter needing no count; `score` is set when there is a query. */
export interface DialogCandidate {
  readonly dialog: DialogRecord
  readonly score: number | null
}

/** Counts learnt from Telegram, by dialog id; null when Telegram would not say. */
export interface DialogCounts {
  readonly messages: ReadonlyMap<number, number | null>
  /** Full-chat participant counts, for dialogs whose entity omitted them. */
  readonly participants: ReadonlyMap<number, number | null>
}

export interface RankedDialog extends DialogCandidate {
  readonly messageCount: number | null
  readonly participantsCount: number | null
}

export interface DialogPage {
  /** Matches before paging. */
  readonly total: number
  readonly offset: number
  readonly limit: number
  readonly results: ReadonlyArray<RankedDialog>
}

const HAS_CREATION_DATE: ReadonlySet<DialogKind> = new Set(["group", "supergroup", "channel"])

const within = (value: number | null, low: number | null, high: number | null, highExclusive: boolean): boolean => {
  if (low === null && high === null) return true
  if (value === null) return false
  if (low !== null && value < low) return false
  if (high !== null && (highExclusive ? value >= high : value > high)) return false
  return true
}

/** Whether a dialog is of one of the types asked for (none asked: any); `forum` admits forum supergroups. */
const typeFilterOf = (types: ReadonlyArray<DialogTypeFilter>): ((d: DialogRecord) => boolean) | null => {
  if (types.length === 0) return null
  const kinds = new Set<DialogKind | "forum">(types.map((t) => (t === "me" ? "saved" : t)))
  return (d) => kinds.has(d.kind) || (d.isForum && kinds.has("forum"))
}

const passesStaticFilters = (p: DialogSearchParams, ofType: ((d: DialogRecord) => boolean) | null) => (d: DialogRecord) =>
  d.id !== SERVICE_CHAT_ID &&
  (ofType === null || ofType(d)) &&
  (p.isArchived === null || d.isArchived === p.isArchived) &&
  (p.isCreator === null || d.isCreator === p.isCreator) &&
  (p.isVerified === null || d.isVerified === p.isVerified) &&
  (p.hasUsername === null || (d.username !== null && d.username !== "") === p.hasUsername) &&
  within(d.lastMessageDate, p.lastMessageAfter, p.lastMessageBefore, true) &&
  ((p.createdAfter === null && p.createdBefore === null) ||
    (HAS_CREATION_DATE.has(d.kind) && within(d.createdDate, p.createdAfter, p.createdBefore, true)))

/**
 * The folded titles of a dialog list, in its order: a search scores every
 * title, and the same list (the account cache's) is searched again and again.
 */
const foldedTitlesByList = new WeakMap<ReadonlyArray<DialogRecord>, ReadonlyArray<FoldedText>>()
const foldedTitlesOf = (dialogs: ReadonlyArray<DialogRecord>): ReadonlyArray<FoldedText> => {
  let titles = foldedTitlesByList.get(dialogs)
  if (titles === undefined) foldedTitlesByList.set(dialogs, titles = dialogs.map((d) => foldedTitle(d.title)))
  return titles
}

/** A blank query is no query. */
const hasQuery = (p: DialogSearchParams): p is DialogSearchParams & { readonly query: string } =>
  p.query !== null && p.query.trim() !== ""

/**
 * The query as given and, when it has surrounding spaces, trimmed: a title
 * scores the better of the two. The formula on the query as given is a floor
 * (behaviour notes), and a stray space should not cost a match.
 */
const queryForms = (query: string): ReadonlyArray<string> => {
  const trimmed = query.trim()
  return trimmed === query ? [query] : [query, trimmed]
}

const bestOf = <A>(fns: ReadonlyArray<(a: A) => number | null>) => (a: A): number | null => {
  let best: number | null = null
  for (const f of fns) {
    const s = f(a)
    if (s !== null && (best === null || s > best)) best = s
  }
  return best
}

/** Step 1: every filter that needs no count from Telegram (the folder, when named, needs `folders`). */
export const selectCandidates = (
  dialogs: ReadonlyArray<DialogRecord>,
  folders: ReadonlyArray<FolderRule>,
  p: DialogSearchParams,
  /** The caller's scope (domain/AccessScope.ts): what it does not admit is not there. */
  admits: (d: DialogRecord) => boolean = () => true
): Either.Either<ReadonlyArray<DialogCandidate>, FolderNotFound> => {
  const selection = p.folder === null ? null : resolveFolder(p.folder, folders)
  if (selection !== null && Either.isLeft(selection)) return Either.left(selection.left)
  const inFolder = selection === null ? () => true : (d: DialogRecord) => selectionContains(selection.right, d)
  const passes = passesStaticFilters(p, typeFilterOf(p.types))
  const survives = (d: DialogRecord) => passes(d) && inFolder(d) && admits(d)
  if (!hasQuery(p)) return Either.right(dialogs.filter(survives).map((dialog) => ({ dialog, score: null })))
  const candidates: Array<DialogCandidate> = []
  const forms = queryForms(p.query)
  if (p.match === "exact") {
    // The trimmed query is in every title the query as given is in.
    const contains = titleContains(p.query.trim())
    const score = bestOf(forms.map(titleScorer))
    for (const dialog of dialogs) {
      if (survives(dialog) && contains(dialog.title)) candidates.push({ dialog, score: score(dialog.title)! })
    }
  } else {
    const match = bestOf(forms.map((q) => foldedTitleMatcher(q, p.minScore)))
    const titles = foldedTitlesOf(dialogs)
    for (let i = 0; i < dialogs.length; i++) {
      const dialog = dialogs[i]!
      if (!survives(dialog)) continue
      const s = match(titles[i]!)
      if (s !== null && s >= p.minScore) candidates.push({ dialog, score: s })
    }
  }
  return Either.right(candidates)
}

const needsMessageCounts = (p: DialogSearchParams) =>
  p.minMessages !== null || p.maxMessages !== null || p.sort === "messages"

const needsParticipantCounts = (p: DialogSearchParams) =>
  p.minParticipants !== null || p.maxParticipants !== null || p.sort === "participants"

/** Only groups and channels have participants; users and bots never get a full-chat lookup. */
const mayHaveParticipants = (d: DialogRecord) => HAS_CREATION_DATE.has(d.kind)

/** Step 2: which candidates need a message count, and which a full-chat participant count. */
export const countsNeeded = (
  candidates: ReadonlyArray<DialogCandidate>,
  p: DialogSearchParams
): { readonly messages: ReadonlyArray<DialogId>; readonly participants: ReadonlyArray<DialogId> } => ({
  messages: needsMessageCounts(p) ? candidates.map((c) => c.dialog.id) : [],
  participants: needsParticipantCounts(p)
    ? candidates.filter((c) => c.dialog.participantsCount === null && mayHaveParticipants(c.dialog)).map((c) => c.dialog.id)
    : []
})

type SortKey = number | string | null

const sortKeyOf = (sort: DialogSort, r: RankedDialog, foldedTitle: (d: DialogRecord) => string): SortKey => {
  switch (sort) {
    case "last_message":
      return r.dialog.lastMessageDate
    case "messages":
      return r.messageCount
    case "title":
      return foldedTitle(r.dialog)
    case "participants":
      return r.participantsCount
    case "unread":
      return r.dialog.unreadCount
  }
}

const compareKeys = (a: SortKey, b: SortKey, order: SortOrder): number => {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  const ascending = a < b ? -1 : a > b ? 1 : 0
  return order === "asc" ? ascending : -ascending
}

/** Step 3: count filters with the counts learnt, then the order of the results. */
export const rankDialogs = (
  candidates: ReadonlyArray<DialogCandidate>,
  counts: DialogCounts,
  p: DialogSearchParams
): ReadonlyArray<RankedDialog> => {
  const ranked = candidates
    .map((c): RankedDialog => ({
      ...c,
      messageCount: counts.messages.get(c.dialog.id) ?? null,
      participantsCount: c.dialog.participantsCount ?? counts.participants.get(c.dialog.id) ?? null
    }))
    .filter((r) =>
      within(r.messageCount, p.minMessages, p.maxMessages, false) &&
      within(r.participantsCount, p.minParticipants, p.maxParticipants, false)
    )
  const titles = new Map<number, string>()
  const foldedTitle = (d: DialogRecord) => {
    let t = titles.get(d.id)
    if (t === undefined) titles.set(d.id, t = foldForSearch(d.title))
    return t
  }
  const keys = new Map(ranked.map((r) => [r, sortKeyOf(p.sort, r, foldedTitle)] as const))
  return ranked.sort((a, b) =>
    (a.score !== null && b.score !== null ? b.score - a.score : 0) ||
    compareKeys(keys.get(a)!, keys.get(b)!, p.order) ||
    (p.sort === "title" ? compareKeys(a.dialog.title, b.dialog.title, p.order) : 0) ||
    a.dialog.id - b.dialog.id
  )
}

/** Step 4: the requested page; `total` counts every match. */
export const pageOf = (ranked: ReadonlyArray<RankedDialog>, p: DialogSearchParams): DialogPage => ({
  total: ranked.length,
  offset: p.offset,
  limit: p.limit,
  results: ranked.slice(p.offset, p.offset + p.limit)
})
