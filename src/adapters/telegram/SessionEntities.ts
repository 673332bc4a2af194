/**
 * GramJS 2.26.22's in-memory session (StringSession's base) records the
 * users and chats of every answer (`processEntities`, called by each
 * `invoke`) as rows in a Set of arrays, `_entities`: a new array each time,
 * so the same peer is added again with every answer that names it. A sync
 * adds the channel once per page, 10,000 rows over a million messages, and
 * the rows stay for as long as the client does. GramJS's lookups over them
 * (getInputEntity, used by none of the adapter's calls: see PeerCache.ts)
 * return the first row of an id, so a later row of the same id is never
 * what an id finds; only a lookup by username, phone or name could find a
 * later row (a peer that changed its username), and the adapter makes none.
 *
 * `keepFirstEntityRows` makes the session keep the first row of each id and
 * drop the rest: one row per peer seen.
 */
import type { StringSession } from "telegram/sessions/index.js"

type Row = ReadonlyArray<unknown>

interface SessionRows {
  readonly _entities: Set<Row>
  _entitiesToRows(tlo: unknown): ReadonlyArray<Row>
  processEntities(tlo: unknown): void
}

export const keepFirstEntityRows = (session: StringSession): void => {
  const internals = session as unknown as SessionRows
  const ids = new Set<string>()
  for (const row of internals._entities) ids.add(String(row[0]))
  internals.processEntities = (tlo) => {
    for (const row of internals._entitiesToRows(tlo)) {
      const id = String(row[0])
      if (ids.has(id)) continue
      ids.add(id)
      internals._entities.add(row)
    }
  }
}
