/**
 * The world's update state, as Telegram keeps it (core.telegram.org/api/updates):
 * per account a common message box (private chats and basic groups: pts),
 * qts (secret chats, bots: never moves here), seq (ordered non-pts updates:
 * moves when the account joins or leaves a channel) and date; per channel a
 * message box shared by its members. Every new message, edit and deletion
 * is recorded in its box (UpdateLog.ts) and pushed at once to every
 * connected, logged-in session of every account that sees the dialog: the
 * owner of a private chat or basic-group copy, the members of a channel
 * (never an account removed from it). Sessions register by calling the
 * world on their account's home DC, as Telegram delivers updates to the
 * connection a client makes its calls on.
 *
 * Faults for tests (control API `POST /faults/updates`): drop the next pushes
 * (all accounts or one), withhold the next pushes of a channel (a pts hole its
 * members see on the push after), push `updatesTooLong`, make the next
 * getDifference or getChannelDifference answer too long.
 */
import bigInt from "big-integer"
import { Api } from "telegram"
import { accessHash, type AccountView } from "./AccountView.js"
import type { CallContext } from "./RpcContext.js"
import { ScenarioError } from "./RpcContext.js"
import { parsePeer, peerKey } from "./Scenario.js"
import type { Timeline } from "./Timeline.js"
import { type Change, type ChangeKind, MessageBox } from "./UpdateLog.js"
import { pushOf } from "./UpdateRender.js"
import { DEFAULT_UPDATE_SETTINGS, parseUpdateSettings, type UpdateSettings } from "./UpdateSettings.js"
import type { AccountState, World } from "./World.js"

export interface AccountUpdateState {
  readonly pts: number
  readonly qts: number
  readonly seq: number
  readonly date: number
  readonly unreadCount: number
  /** Channel id to pts, for every channel the account is in. */
  readonly channels: ReadonlyMap<number, number>
}

/** A membership change (kick, join) the account learns of as updateChannel. */
interface ChannelHint {
  readonly channelId: number
  readonly date: number
}

interface Sink {
  readonly authKeyId: string
  readonly dcId: number
  readonly push: CallContext["push"]
}

export class WorldUpdates {
  settings: UpdateSettings = DEFAULT_UPDATE_SETTINGS
  private readonly accountBoxes = new Map<number, MessageBox>()
  private readonly channelBoxes = new Map<number, MessageBox>()
  private readonly seqs = new Map<number, number>()
  private readonly hints = new Map<number, Array<ChannelHint>>()
  private readonly sinks = new Map<string, Sink>()
  // Faults.
  private dropAll = 0
  private readonly dropFor = new Map<number, number>()
  private readonly held = new Map<number, number>()
  private readonly differenceTooLong = new Map<number, number>()
  private readonly channelDifferenceTooLong = new Map<number, number>()

  constructor(private readonly world: World) {
    // A box starts past the messages it already holds: history that no difference will ever carry.
    for (const account of world.accounts.values()) {
      const own = world.timelines.filter((t) => t.owner === account.userId)
      this.accountBoxes.set(account.userId, new MessageBox(1 + own.reduce((n, t) => n + t.count, 0)))
      this.seqs.set(account.userId, 1)
    }
    for (const id of world.channels.keys()) {
      this.channelBoxes.set(id, new MessageBox(1 + world.timelineOf({ kind: "channel", id }, null)!.count))
    }
  }

  private now(): number {
    return Math.floor(this.world.now() / 1000)
  }

  /** The message box a dialog's changes go to: its channel's, or its owner's common box. */
  boxOf(timeline: Timeline): MessageBox {
    return timeline.owner === null ? this.channelBox(timeline.peer.id) : this.accountBox(timeline.owner)
  }

  accountBox(userId: number): MessageBox {
    return this.accountBoxes.get(userId)!
  }

  channelBox(channelId: number): MessageBox {
    return this.channelBoxes.get(channelId)!
  }

  channelPts(channelId: number): number {
    return this.channelBox(channelId).pts
  }

  seqOf(userId: number): number {
    return this.seqs.get(userId)!
  }

  /** Channels the account is in: in its dialogs and not removed. */
  memberChannels(account: AccountState): Array<number> {
    return account.dialogs.flatMap((d) => d.peer.kind === "channel" && this.isMember(account, d.peer.id) ? [d.peer.id] : [])
  }

  isMember(account: AccountState, channelId: number): boolean {
    return account.dialogByKey.has(`channel:${channelId}`) && !this.world.isKicked(account.userId, channelId)
  }

  stateOf(userId: number): AccountUpdateState {
    const account = this.world.accounts.get(userId)!
    return {
      pts: this.accountBox(userId).pts,
      qts: 0,
      seq: this.seqOf(userId),
      date: this.now(),
      unreadCount: account.dialogs.reduce((sum, d) => sum + d.unreadCount, 0),
      channels: new Map(this.memberChannels(account).map((id) => [id, this.channelPts(id)]))
    }
  }

  /** The kicks and joins of channels the account learnt of at `date` or later. */
  hintsSince(userId: number, date: number): ReadonlyArray<ChannelHint> {
    return (this.hints.get(userId) ?? []).filter((h) => h.date >= date)
  }

  // ---------------------------------------------------------------------------
  // Sessions that receive pushes

  /** Notes a call: its session receives the pushes of the account logged in on its key, if this is its home DC. */
  noteCall(ctx: CallContext): void {
    const key = `${ctx.authKeyId}@${ctx.dcId}`
    if (this.sinks.get(key)?.push !== ctx.push) this.sinks.set(key, { authKeyId: ctx.authKeyId, dcId: ctx.dcId, push: ctx.push })
  }

  /**
   * Pushes to every session of the account (logged in now, on its home DC).
   * A drop fault swallows the push instead, counted only when there was a
   * session to push to.
   */
  private pushTo(userId: number, make: () => Api.TypeUpdates | undefined): void {
    const home = this.world.accounts.get(userId)!.homeDc
    const sinks = [...this.sinks.values()].filter((s) => s.dcId === home && this.world.logins.accountOf(s.authKeyId) === userId)
    if (sinks.length === 0) return
    const mine = this.dropFor.get(userId) ?? 0
    if (mine > 0) {
      this.dropFor.set(userId, mine - 1)
      return
    }
    if (this.dropAll > 0) {
      this.dropAll--
      return
    }
    const updates = make()
    if (updates === undefined) return
    for (const sink of sinks) sink.push(updates)
  }

  // ---------------------------------------------------------------------------
  // Changes

  /** Records a change of a dialog in its box and pushes it to whoever sees that dialog. */
  record(kind: ChangeKind, timeline: Timeline, ids: ReadonlyArray<number>): Change | undefined {
    if (ids.length === 0) return undefined
    const date = this.now()
    const change = this.boxOf(timeline).record(kind, timeline, ids, date, this.settings.retention)
    if (timeline.owner !== null) {
      const owner = timeline.owner
      this.pushTo(owner, () => pushOf(this.world.viewOfAccount(owner), change, date))
      return change
    }
    const channelId = timeline.peer.id
    const held = this.held.get(channelId) ?? 0
    if (held > 0) {
      this.held.set(channelId, held - 1)
      return change
    }
    for (const account of this.world.accounts.values()) {
      if (!this.isMember(account, channelId)) continue
      this.pushTo(account.userId, () => pushOf(this.world.viewOfAccount(account.userId), change, date))
    }
    return change
  }

  /** The account joined or left a channel: updateChannel now (seq-ordered) and in later differences. */
  membershipChanged(userId: number, channelId: number): void {
    const date = this.now()
    const list = this.hints.get(userId) ?? []
    list.push({ channelId, date })
    this.hints.set(userId, list)
    const seq = this.seqOf(userId) + 1
    this.seqs.set(userId, seq)
    this.pushTo(userId, () => {
      const view = this.world.viewOfAccount(userId)
      return new Api.Updates({
        updates: [new Api.UpdateChannel({ channelId: bigInt(channelId) })],
        users: [],
        chats: [channelAsUpdated(view, channelId)],
        date,
        seq
      })
    })
  }

  /** The settings; with a value, changes the ones it names (a smaller retention trims every box at once), or says why it cannot. */
  configure(value?: unknown): UpdateSettings | string {
    if (value === undefined) return this.settings
    const settings = parseUpdateSettings(value, this.settings)
    if (typeof settings === "string") return settings
    this.settings = settings
    for (const box of [...this.accountBoxes.values(), ...this.channelBoxes.values()]) box.trim(settings.retention)
    return settings
  }

  /**
   * The changes of account `userId`'s common box, or of channel `peer`'s,
   * after pts `since`, oldest first, or "too_old". Throws ScenarioError on a
   * bad box.
   */
  changesOf(box: { readonly userId?: number; readonly peer?: string }, since: number) {
    if ((box.userId === undefined) === (box.peer === undefined)) throw new ScenarioError("give user_id (an account's common box) or peer (a channel)")
    if (box.userId !== undefined && !this.accountBoxes.has(box.userId)) throw new ScenarioError(`user_id: no account ${box.userId}`)
    const ref = box.peer === undefined ? undefined : parsePeer(box.peer)
    if (box.peer !== undefined && (ref?.kind !== "channel" || !this.channelBoxes.has(ref.id))) {
      throw new ScenarioError(`peer: expected a channel of the scenario such as channel:3001, got ${JSON.stringify(box.peer)}`)
    }
    const missed = (box.userId !== undefined ? this.accountBox(box.userId) : this.channelBox(ref!.id)).since(since)
    if (missed.kind === "too_old") return "too_old" as const
    return missed.changes.map((c) => ({ pts: c.pts, ptsCount: c.ptsCount, kind: c.kind, peer: peerKey(c.timeline.peer), ids: c.ids, date: c.date }))
  }

  // ---------------------------------------------------------------------------
  // Faults

  /** Whether the account's next getDifference must answer differenceTooLong (and counts it off). */
  takeDifferenceTooLong(userId: number): boolean {
    return take(this.differenceTooLong, userId)
  }

  takeChannelDifferenceTooLong(channelId: number): boolean {
    return take(this.channelDifferenceTooLong, channelId)
  }

  /**
   * `{"drop_pushes": n, "user_id"?: id}`, `{"channel_hole": "channel:3001", "count"?: n}`,
   * `{"updates_too_long": true, "user_id": id}`, `{"difference_too_long": n, "user_id": id}`,
   * `{"channel_difference_too_long": "channel:3001", "count"?: n}`; several at once are fine.
   * Throws ScenarioError naming the bad field.
   */
  addFaults(body: Record<string, unknown>): void {
    const known = ["drop_pushes", "user_id", "channel_hole", "count", "updates_too_long", "difference_too_long", "channel_difference_too_long"]
    const unknown = Object.keys(body).filter((k) => !known.includes(k))
    if (unknown.length > 0) throw new ScenarioError(`unknown field ${JSON.stringify(unknown[0])} (known: ${known.join(", ")})`)
    const count = (field: string, value: unknown): number => {
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
        throw new ScenarioError(`${field}: expected an integer >= 1, got ${JSON.stringify(value)}`)
      }
      return value
    }
    const user = (): number | undefined => {
      if (body.user_id === undefined) return undefined
      if (typeof body.user_id !== "number" || !this.world.accounts.has(body.user_id)) {
        throw new ScenarioError(`user_id: no account ${JSON.stringify(body.user_id)}`)
      }
      return body.user_id
    }
    const channel = (field: string): number => {
      const value = body[field]
      const ref = typeof value === "string" ? parsePeer(value) : undefined
      if (ref === undefined || ref.kind !== "channel" || !this.channelBoxes.has(ref.id)) {
        throw new ScenarioError(`${field}: expected a channel of the scenario such as channel:3001, got ${JSON.stringify(value)}`)
      }
      return ref.id
    }
    const userId = user()
    const times = body.count === undefined ? 1 : count("count", body.count)
    const needsUser = (field: string): number => {
      if (userId === undefined) throw new ScenarioError(`${field}: needs user_id, the account it applies to`)
      return userId
    }
    // Check everything before changing anything.
    const actions: Array<() => void> = []
    if (body.drop_pushes !== undefined) {
      const n = count("drop_pushes", body.drop_pushes)
      actions.push(() => {
        if (userId === undefined) this.dropAll += n
        else this.dropFor.set(userId, (this.dropFor.get(userId) ?? 0) + n)
      })
    }
    if (body.channel_hole !== undefined) {
      const id = channel("channel_hole")
      actions.push(() => this.held.set(id, (this.held.get(id) ?? 0) + times))
    }
    if (body.channel_difference_too_long !== undefined) {
      const id = channel("channel_difference_too_long")
      actions.push(() => this.channelDifferenceTooLong.set(id, (this.channelDifferenceTooLong.get(id) ?? 0) + times))
    }
    if (body.difference_too_long !== undefined) {
      const n = count("difference_too_long", body.difference_too_long)
      const id = needsUser("difference_too_long")
      actions.push(() => this.differenceTooLong.set(id, (this.differenceTooLong.get(id) ?? 0) + n))
    }
    if (body.updates_too_long !== undefined) {
      if (body.updates_too_long !== true) throw new ScenarioError("updates_too_long: expected true")
      const id = needsUser("updates_too_long")
      actions.push(() => this.pushTo(id, () => new Api.UpdatesTooLong()))
    }
    if (actions.length === 0) {
      throw new ScenarioError("expected one of drop_pushes, channel_hole, updates_too_long, difference_too_long, channel_difference_too_long")
    }
    for (const act of actions) act()
  }

  clearFaults(): void {
    this.dropAll = 0
    this.dropFor.clear()
    this.held.clear()
    this.differenceTooLong.clear()
    this.channelDifferenceTooLong.clear()
  }
}

/** A channel in an updateChannel: channelForbidden once the account was removed from it, as Telegram tells it. */
export const channelAsUpdated = (view: AccountView, channelId: number): Api.TypeChat => {
  if (!view.world.isKicked(view.me, channelId)) return view.channel(channelId)
  const c = view.world.channels.get(channelId)!
  return new Api.ChannelForbidden({
    id: bigInt(channelId),
    accessHash: accessHash(view.me, "channel", channelId),
    title: c.title,
    broadcast: !c.megagroup,
    megagroup: c.megagroup
  })
}

const take = (counters: Map<number, number>, key: number): boolean => {
  const n = counters.get(key) ?? 0
  if (n <= 0) return false
  counters.set(key, n - 1)
  return true
}

