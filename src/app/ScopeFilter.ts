/**
 * An access scope (domain/AccessScope.ts) applied to the account as the
 * account cache holds it now: which dialog ids it admits. Folder membership
 * is read afresh on every call, so a chat added to a folder comes into a
 * scope naming the folder once the cache has seen it (dialogCacheTtlSeconds).
 */
import { Effect } from "effect"
import { type AccessScope, scopeAdmitsId, scopeNamesFolders } from "../domain/AccessScope.js"
import type { SessionName } from "../domain/SessionName.js"
import type { TelegramError } from "../ports/TelegramGateway.js"
import type { AccountCache } from "./AccountCache.js"
import type { DialogRecord } from "../domain/Dialog.js"
import type { DialogId } from "../domain/Ids.js"

/**
 * Which dialog ids `scope` admits for the session now. Everything admits
 * every id without asking anything; a limited scope reads the dialog list
 * (and the folders, when it names one) from the account cache.
 */
export const dialogAdmitter = (
  cache: AccountCache,
  session: SessionName,
  scope: AccessScope
): Effect.Effect<(dialogId: DialogId) => boolean, TelegramError> =>
  scope._tag === "Everything" ? Effect.succeed(() => true) : Effect.gen(function*() {
    const dialogs = yield* cache.dialogs(session)
    const folders = scopeNamesFolders(scope) ? yield* cache.folders(session) : []
    const byId = new Map<number, DialogRecord>(dialogs.map((d) => [d.id, d]))
    return (dialogId: DialogId) => scopeAdmitsId(scope, folders, dialogId, byId.get(dialogId))
  })

