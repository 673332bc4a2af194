/**
 * Where an account's caches live under `{data_dir}/accounts`: one directory
 * per dialog (marked id, e.g. `-1001234567890`) holding `{dialog_id}.db` and
 * `media/`, and the account's `media-index.db` and `search.db`.
 */
import * as nodePath from "node:path"

export const accountDirectory = (accountsDir: string, accountId: number): string =>
  nodePath.join(accountsDir, String(accountId))

export const dialogDirectory = (accountsDir: string, accountId: number, dialogId: number): string =>
  nodePath.join(accountDirectory(accountsDir, accountId), "dialogs", String(dialogId))

export const dialogDatabasePath = (accountsDir: string, accountId: number, dialogId: number): string =>
  nodePath.join(dialogDirectory(accountsDir, accountId, dialogId), `${dialogId}.db`)

export const mediaDirectory = (accountsDir: string, accountId: number, dialogId: number): string =>
  nodePath.join(dialogDirectory(accountsDir, accountId, dialogId), "media")

export const mediaIndexPath = (accountsDir: string, accountId: number): string =>
  nodePath.join(accountDirectory(accountsDir, accountId), "media-index.db")

export const searchIndexPath = (accountsDir: string, accountId: number): string =>
  nodePath.join(accountDirectory(accountsDir, accountId), "search.db")

export const updatesPath = (accountsDir: string, accountId: number): string =>
  nodePath.join(accountDirectory(accountsDir, accountId), "updates.db")
