/**
 * A live update's change to a dialog's open database (MessageStore.applyLive),
 * synchronous: nothing else in the process runs between its reads and its
 * commit. A new message goes in with what the follow rule
 * (domain/LiveUpdates.ts followStep) lets the cache record as complete, and
 * the cache's follow mark is kept; an edit only rewrites a message the
 * cache holds; a deletion removes what it holds, and remembers it removed
 * them: applied again (the events of a change are committed to the update
 * log after its cache writes, so a crash in between replays it), it still
 * answers those ids; so it does for ids a history page found gone before
 * the deletion arrived (PageWrite.ts remembers those). The page commit
 * itself is the store's (the search index follows it).
 */
import { followStep, type FollowMark } from "../../domain/LiveUpdates.js"
import type { CommitResult, LiveWrite, LiveWriteResult, PageCommit } from "../../ports/MessageStore.js"
import { MessageId } from "../../domain/Ids.js"
import { readByIdsSql, type JoinedRow, storedOfRow } from "./MessageRows.js"
import { readCovered } from "./PageWrite.js"
import type { RawDatabase } from "./SqliteDatabase.js"

const readMark = (d: RawDatabase): FollowMark | null =>
  (d.statement("SELECT since, chain FROM follow WHERE id = 1").get() as FollowMark | undefined) ?? null

const storedById = (d: RawDatabase, id: number) => {
  const row = d.rows(readByIdsSql(1)).get(id) as JoinedRow | undefined
  return row === undefined ? null : storedOfRow(row)
}

export const applyLiveWrite = (
  d: RawDatabase,
  write: LiveWrite,
  commit: (page: PageCommit) => CommitResult
): LiveWriteResult => {
  switch (write._tag) {
    case "New": {
      const mark = readMark(d)
      const step = followStep(readCovered(d), mark, write.chain, write.message.date)
      const result = commit({ messages: [write.message], covers: step.covers, replace: null })
      // After the message: a crash in between leaves no mark, and the next message starts one (never a claim too wide).
      if (mark === null || mark.since !== step.mark.since || mark.chain !== step.mark.chain) {
        d.statement("INSERT INTO follow (id, since, chain) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET since = excluded.since, chain = excluded.chain")
          .run(step.mark.since, step.mark.chain)
      }
      return { stored: storedById(d, write.message.id), deleted: [], droppedMedia: result.droppedMedia }
    }
    case "Edit": {
      if (storedById(d, write.message.id) === null) return { stored: null, deleted: [], droppedMedia: [] }
      const result = commit({ messages: [write.message], covers: null, replace: null })
      return { stored: storedById(d, write.message.id), deleted: [], droppedMedia: result.droppedMedia }
    }
    case "Delete": {
      const held = new Set(write.ids.filter((id) => storedById(d, id) !== null))
      // Remembered before they go, so that the same deletion applied again finds them (a crash in between too).
      const remember = d.statement("INSERT OR IGNORE INTO live_deleted (id) VALUES (?)")
      for (const id of held) remember.run(id)
      const known = d.statement("SELECT 1 FROM live_deleted WHERE id = ?")
      const deleted = write.ids.filter((id) => held.has(id) || known.get(id) !== undefined).map(MessageId)
      if (held.size === 0) return { stored: null, deleted, droppedMedia: [] }
      const result = commit({ messages: [], covers: null, replace: null, delete: [...held] })
      return { stored: null, deleted, droppedMedia: result.droppedMedia }
    }
  }
}
