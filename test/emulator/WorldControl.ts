/**
 * What the control API changes in the world besides adding messages
 * (World.appendMessages): removing an account from a channel and letting it
 * back in, moving a chat into a folder, deleting messages. Each throws
 * ScenarioError naming the bad field of its JSON body.
 */
import { ScenarioError } from "./RpcContext.js"
import { parseMessageRef, parsePeer, type PeerRef, peerKey } from "./Scenario.js"
import type { World } from "./World.js"

/**
 * Removes account `user_id` from the channel `peer` names (`{"user_id": 1001,
 * "peer": "channel:3001"}`), or with `join` lets it back in; the account
 * learns of it as updateChannel (Updates.ts).
 */
export const kick = (world: World, body: unknown, join: boolean): void => {
  const { peer, user_id: userId } = (body ?? {}) as { peer?: unknown; user_id?: unknown }
  if (typeof userId !== "number" || !world.accounts.has(userId)) throw new ScenarioError(`user_id: no account ${String(userId)}`)
  const ref = typeof peer === "string" ? parsePeer(peer) : undefined
  if (ref === undefined || ref.kind !== "channel" || !world.channels.has(ref.id)) {
    throw new ScenarioError(`peer: expected a channel of the scenario such as channel:3001, got ${JSON.stringify(peer)}`)
  }
  const set = world.kicked.get(userId) ?? new Set<number>()
  const changed = join ? set.delete(ref.id) : !set.has(ref.id)
  if (!join) set.add(ref.id)
  world.kicked.set(userId, set)
  if (changed) world.updates.membershipChanged(userId, ref.id)
}

/**
 * Puts the chat `peer` into folder `folder_id` of account `user_id`
 * (`{"user_id": 1001, "folder_id": 2, "peer": "channel:3001"}`): it joins
 * the folder's included peers and leaves its excluded ones, as moving a
 * chat into a folder in Telegram does; an unknown account or folder is an
 * error too.
 */
export const includeInFolder = (world: World, body: unknown): void => {
  const { folder_id: folderId, peer, user_id: userId } = (body ?? {}) as { folder_id?: unknown; peer?: unknown; user_id?: unknown }
  const account = typeof userId === "number" ? world.accounts.get(userId) : undefined
  if (account === undefined) throw new ScenarioError(`user_id: no account ${String(userId)}`)
  const folder = account.spec.folders.find((f) => f.id === folderId)
  if (folder === undefined) throw new ScenarioError(`folder_id: account ${userId} has no folder ${String(folderId)}`)
  const ref = typeof peer === "string" ? parsePeer(peer) : undefined
  if (ref === undefined || account.dialogByKey.get(peerKey(ref)) === undefined) {
    throw new ScenarioError(`peer: expected one of the account's dialogs such as channel:3001, got ${JSON.stringify(peer)}`)
  }
  const others = (peers: ReadonlyArray<PeerRef>) => peers.filter((p) => peerKey(p) !== peerKey(ref))
  const moved = { ...folder, includePeers: [...others(folder.includePeers), ref], excludePeers: others(folder.excludePeers) }
  account.spec = { ...account.spec, folders: account.spec.folders.map((f) => (f === folder ? moved : f)) }
}

/**
 * Deletes the message `{"peer", "id", "owner"?}` names, or those of
 * `{"peer", "ids": [...], "owner"?}`, as one deletion (one pts move of the
 * number deleted, pushed: Updates.ts); how many existed.
 */
export const deleteMessages = (world: World, ref: unknown): number => {
  const body = (ref ?? {}) as Record<string, unknown>
  let ids: Array<unknown> = [body.id]
  if (Object.hasOwn(body, "ids")) {
    if (Object.hasOwn(body, "id")) throw new ScenarioError("give id or ids, not both")
    if (!Array.isArray(body.ids) || body.ids.length === 0) throw new ScenarioError("ids: expected a non-empty array of message ids")
    ids = body.ids
  }
  const { ids: _ids, ...rest } = body
  const refs = ids.map((id) => parseMessageRef(world.directory, { ...rest, id }))
  const timeline = world.timelineOf(refs[0]!.peer, refs[0]!.owner)!
  const deleted = [...new Set(refs.map((r) => r.id))].filter((id) => timeline.remove(id))
  world.updates.record("delete_messages", timeline, deleted)
  return deleted.length
}
