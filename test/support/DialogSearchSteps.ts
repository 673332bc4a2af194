/**
 * The dialog search's four steps (src/domain/DialogFilters.ts) run at once
 * on dialogs, folders and counts already at hand, as the use case runs them
 * around its requests for counts: the tests' and benchmarks' way to search
 * without Telegram.
 */
import { Either } from "effect"
import type { DialogRecord, FolderRule } from "../../src/domain/Dialog.js"
import {
  type DialogCounts,
  type DialogPage,
  type DialogSearchParams,
  pageOf,
  rankDialogs,
  selectCandidates
} from "../../src/domain/DialogFilters.js"
import type { FolderNotFound } from "../../src/domain/FolderMembership.js"

/** No message or participant count known. */
export const noCounts: DialogCounts = { messages: new Map(), participants: new Map() }

/** The whole search over dialogs, folders and counts already at hand. */
export const searchDialogs = (
  dialogs: ReadonlyArray<DialogRecord>,
  folders: ReadonlyArray<FolderRule>,
  counts: DialogCounts,
  p: DialogSearchParams
): Either.Either<DialogPage, FolderNotFound> =>
  Either.map(selectCandidates(dialogs, folders, p), (candidates) => pageOf(rankDialogs(candidates, counts, p), p))
