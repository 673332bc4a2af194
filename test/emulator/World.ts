/**
 * The emulator's world model: the scenario's users, chats, channels and
 * accounts, every dialog's messages (per-account copies for private chats and
 * basic groups, shared ones for channels), login state per auth key, and the
 * RPC handlers that answer GramJS as Telegram would, and the update state
 * (Updates.ts) every change goes through. The MTProto machinery (Server.ts)
 * hands it decoded requests through the RpcContext seam; what the control
 * API changes besides messages is in WorldControl.ts.
 */
import * as fs from "node:fs"
import { AccountView } from "./AccountView.js"
import { accountHandlers } from "./handlers/account.js"
import { authHandlers, Logins } from "./handlers/auth.js"
import { channelHandlers } from "./handlers/channels.js"
import { dialogHandlers } from "./handlers/dialogs.js"
import type { HandlerTable } from "./handlers/Handler.js"
import { helpHandlers } from "./handlers/help.js"
import { messageHandlers } from "./handlers/messages.js"
import { phoneCodeHandlers, PhoneCodes, type SentCodeView } from "./handlers/phoneCodes.js"
import { updateHandlers } from "./handlers/updates.js"
import { uploadHandlers } from "./handlers/upload.js"
import { mediaBytesOf, mediaIdentity } from "./Media.js"
import type { CallContext, EmulatorWorld, ScanOutcome } from "./RpcContext.js"
import { RpcError, ScenarioError, subscribesToUpdates } from "./RpcContext.js"
import {
  directoryOf,
  type MediaSpec,
  type MessageSpec,
  parseAppendedMessages,
  parsePeer,
  parseScenario,
  type PeerRef,
  peerKey,
  type Scenario,
  type ScenarioAccount,
  type ScenarioChannel,
  type ScenarioChat,
  type ScenarioDirectory,
  type ScenarioMessage,
  type ScenarioUser
} from "./Scenario.js"
import { parseRealism, type Realism, TIMEOUT_EVERY, TIMEOUT_METHODS } from "./Realism.js"
import { Takeouts } from "./Takeouts.js"
import { editedMessage } from "./MessageEdit.js"
import { deleteMessages, includeInFolder, kick } from "./WorldControl.js"
import { Timeline } from "./Timeline.js"
import { type AccountUpdateState, WorldUpdates } from "./Updates.js"
import type { UpdateSettings } from "./UpdateSettings.js"

export interface WorldOptions {
  /** Milliseconds since the epoch; tests move it to expire login tokens without waiting. */
  readonly clock?: () => number
}

export interface DialogState {
  readonly peer: PeerRef
  readonly timeline: Timeline
  unreadCount: number
  readonly archived: boolean
  readonly pinned: boolean
  readonly muted: boolean
  /** Position in the scenario's list: the order of pinned dialogs. */
  readonly order: number
}

export interface AccountState {
  /** Replaced (not mutated) when a folder changes through the control API: handlers read it on every call. */
  spec: ScenarioAccount
  readonly userId: number
  readonly homeDc: number
  readonly dialogs: ReadonlyArray<DialogState>
  readonly dialogByKey: ReadonlyMap<string, DialogState>
  readonly contacts: ReadonlySet<number>
}

const HANDLERS: HandlerTable = {
  ...authHandlers,
  ...phoneCodeHandlers,
  ...accountHandlers,
  ...helpHandlers,
  ...messageHandlers,
  ...dialogHandlers,
  ...channelHandlers,
  ...uploadHandlers,
  ...updateHandlers
}

export class World implements EmulatorWorld {
  readonly users: ReadonlyMap<number, ScenarioUser>
  readonly chats: ReadonlyMap<number, ScenarioChat>
  readonly channels: ReadonlyMap<number, ScenarioChannel>
  readonly accounts: ReadonlyMap<number, AccountState>
  readonly timelines: Array<Timeline> = []
  readonly logins: Logins
  /** Takeout sessions (Takeouts.ts). */
  readonly takeouts: Takeouts
  readonly phoneCodes: PhoneCodes
  readonly directory: ScenarioDirectory
  private readonly byKey = new Map<string, Timeline>()
  private readonly ownerTimelines = new Map<number, Array<Timeline>>()
  private readonly mediaDcs = new Set<number>()
  private readonly clock: () => number
  /** File reference rotations forced through the control API. */
  private forcedRotations = 0
  /** Telegram's imperfections in force (Realism.ts): the scenario's, changed through the control API. */
  realism: Realism
  /** Calls counted towards the `timeouts` imperfection. */
  private timeoutCalls = 0
  /** Channels each account was removed from (control API `POST /kick`): calls on them answer CHANNEL_PRIVATE. */
  readonly kicked = new Map<number, Set<number>>()
  /** pts, qts, seq per account and pts per channel, the log of changes, pushes to connected sessions (Updates.ts). */
  readonly updates: WorldUpdates

  private constructor(readonly scenario: Scenario, options: WorldOptions) {
    this.clock = options.clock ?? Date.now
    this.realism = scenario.options.realism
    this.directory = directoryOf(scenario)
    this.users = this.directory.users
    this.chats = this.directory.chats
    this.channels = this.directory.channels
    for (const c of scenario.channels) this.addTimeline({ kind: "channel", id: c.id }, null)
    const accounts = new Map<number, AccountState>()
    for (const spec of scenario.accounts) {
      const dialogs = spec.dialogs.map((d, order): DialogState => ({
        peer: d.peer,
        timeline: d.peer.kind === "channel"
          ? this.byKey.get(peerKey(d.peer))!
          : this.addTimeline(d.peer, spec.user),
        unreadCount: d.unreadCount,
        archived: d.archived,
        pinned: d.pinned,
        muted: d.muted,
        order
      }))
      accounts.set(spec.user, {
        spec,
        userId: spec.user,
        homeDc: spec.dc,
        dialogs,
        dialogByKey: new Map(dialogs.map((d) => [peerKey(d.peer), d])),
        contacts: new Set(spec.contacts)
      })
    }
    this.accounts = accounts
    this.logins = new Logins(this, scenario.options.loginTokenTtlSeconds)
    this.takeouts = new Takeouts(() => this.now(), scenario.options.takeoutDelaySeconds)
    this.phoneCodes = new PhoneCodes(this, {
      codeTtlSeconds: scenario.options.phoneCodeTtlSeconds,
      codesPerHour: scenario.options.phoneCodesPerHour
    })
    this.addMessages(scenario.messages)
    for (const block of scenario.generate) {
      const timeline = this.timelineOf(block.peer, block.owner)!
      timeline.addGenerated(block, this.lastIdInScope(timeline) + 1)
    }
    this.updates = new WorldUpdates(this)
  }

  /** The emulator's clock (ms since the epoch): the machine's, or the test's, moved by `clock_offset_seconds`. */
  readonly now = (): number => this.clock() + this.realism.clock_offset_seconds * 1000

  /** Which file references are valid now: 0 for ever unless they expire (then one per time window or forced rotation). */
  fileReferenceGeneration(): number {
    const r = this.realism
    if (!r.expiring_file_references) return this.forcedRotations
    return Math.floor(this.now() / 1000 / r.file_reference_window_seconds) + this.forcedRotations
  }

  readonly rotateFileReferences = (): void => {
    this.forcedRotations++
  }


  /** Builds the world of a scenario (parsed JSON); throws ScenarioError naming the bad field. */
  static fromScenario(json: unknown, options: WorldOptions = {}): World {
    return new World(parseScenario(json), options)
  }

  private addTimeline(peer: PeerRef, owner: number | null): Timeline {
    const timeline = new Timeline(this.timelines.length, peer, owner)
    this.timelines.push(timeline)
    this.byKey.set(timeline.key, timeline)
    if (owner !== null) {
      const list = this.ownerTimelines.get(owner) ?? []
      list.push(timeline)
      this.ownerTimelines.set(owner, list)
    }
    return timeline
  }

  /** A dialog's messages: the shared channel timeline, or `owner`'s copy of a private chat or basic group. */
  timelineOf(peer: PeerRef, owner: number | null): Timeline | undefined {
    return this.byKey.get(owner === null || peer.kind === "channel" ? peerKey(peer) : `${peerKey(peer)}@${owner}`)
  }

  /** Private-chat and basic-group ids are one sequence per account, as in Telegram; channel ids per channel. */
  private scopeOf(timeline: Timeline): ReadonlyArray<Timeline> {
    return timeline.owner === null ? [timeline] : this.ownerTimelines.get(timeline.owner)!
  }

  private lastIdInScope(timeline: Timeline): number {
    return Math.max(0, ...this.scopeOf(timeline).map((t) => t.lastAssignedId))
  }

  /**
   * Assigns ids, checks them against each other and the world, then stores
   * them; all or nothing. With `edit`, a message whose id its own dialog
   * already holds replaces it (`edit` decides its final form); otherwise a
   * used id is an error.
   */
  private addMessages(
    messages: ReadonlyArray<ScenarioMessage>,
    edit?: (old: MessageSpec, replacement: MessageSpec, index: number) => MessageSpec
  ): Array<{ timeline: Timeline; message: MessageSpec; edited: boolean }> {
    // Ids taken earlier in this batch, per id scope (the first timeline of the scope stands for it).
    const pending = new Map<Timeline, Map<number, Timeline>>()
    const storedTop = new Map<Timeline, number>()
    const pendingTop = new Map<Timeline, number>()
    const placed = messages.map((m) => {
      const timeline = this.timelineOf(m.peer, m.owner)!
      const scope = this.scopeOf(timeline)
      const scopeKey = scope[0]!
      const taken = pending.get(scopeKey) ?? new Map<number, Timeline>()
      pending.set(scopeKey, taken)
      const stored = storedTop.get(scopeKey) ?? this.lastIdInScope(timeline)
      storedTop.set(scopeKey, stored)
      const top = pendingTop.get(scopeKey) ?? stored
      const id = m.id ?? top + 1
      if (id > 0x7fffffff) throw new ScenarioError(`${m.path}.id: message ids are 32-bit`)
      const clash = taken.get(id) ?? (id <= stored ? scope.find((t) => t.has(id)) : undefined)
      if (clash !== undefined && !(edit !== undefined && clash === timeline)) {
        throw new ScenarioError(
          `${m.path}.id: id ${id} is already used in ${clash.key}` +
            (timeline.owner === null ? "" : ` (an account's private and basic-group messages share one id sequence)`)
        )
      }
      taken.set(id, timeline)
      pendingTop.set(scopeKey, Math.max(top, id))
      const { path: _path, ...rest } = m
      return { timeline, message: { ...rest, id } }
    })
    return placed.map(({ timeline, message }, index) => {
      const old = edit === undefined ? undefined : timeline.message(message.id)
      const stored = old === undefined ? message : edit!(old, message, index)
      if (old === undefined) timeline.add(stored)
      else timeline.replace(stored)
      const dc = stored.media === null ? null : this.fileDc(timeline, stored.media)
      if (dc !== null) this.mediaDcs.add(dc)
      return { timeline, message: stored, edited: old !== undefined }
    })
  }

  /** The DC holding a photo or document: the scenario's `dc`, else the owner's home DC (private chats, basic groups) or DC 1. */
  mediaDc(timeline: Timeline, media: MediaSpec): number {
    return this.fileDc(timeline, media) ?? 1
  }

  private fileDc(timeline: Timeline, media: MediaSpec): number | null {
    if (media.type !== "photo" && media.type !== "document") return null
    if (media.dc !== null) return media.dc
    return timeline.owner === null ? 1 : this.accounts.get(timeline.owner)!.homeDc
  }

  /** The logged-in account of this call's auth key, or AUTH_KEY_UNREGISTERED. */
  viewOf(ctx: CallContext): AccountView {
    const userId = this.logins.accountOf(ctx.authKeyId)
    const account = userId === undefined ? undefined : this.accounts.get(userId)
    if (account === undefined) throw new RpcError(401, "AUTH_KEY_UNREGISTERED")
    return new AccountView(this, account)
  }

  /** The view of one account, for tests and tools that need its access hashes. */
  viewOfAccount(userId: number): AccountView {
    const account = this.accounts.get(userId)
    if (account === undefined) throw new Error(`no account ${userId} in the scenario`)
    return new AccountView(this, account)
  }

  // -------------------------------------------------------------------------
  // EmulatorWorld

  readonly handle = async (request: unknown, ctx: CallContext): Promise<unknown> => {
    const name = (request as { className?: string } | null)?.className ?? "?"
    const handler = HANDLERS[name]
    if (this.realism.timeouts && TIMEOUT_METHODS.has(name) && ++this.timeoutCalls % TIMEOUT_EVERY === 0) {
      throw new RpcError(-503, "Timeout")
    }
    if (handler === undefined) {
      throw new RpcError(400, `METHOD_NOT_EMULATED_${name.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}`)
    }
    // A session that makes calls receives its account's updates (Updates.ts), file queries aside.
    if (subscribesToUpdates(name, ctx.withoutUpdates)) this.updates.noteCall(ctx)
    return handler(request, ctx, this)
  }

  readonly accountOf = (ctx: CallContext): number | undefined => this.logins.accountOf(ctx.authKeyId)

  readonly checkTakeout = (takeoutId: string, ctx: CallContext): void => {
    this.viewOf(ctx)
    this.takeouts.check(takeoutId, this.accountOf(ctx))
  }

  /** The scenario's rate budgets and latency, which the dispatcher starts with. */
  readonly traffic = () => ({ rate: this.scenario.options.rate, latency: this.scenario.options.latency })

  readonly dcIds = (): ReadonlyArray<number> =>
    [...new Set([1, ...[...this.accounts.values()].map((a) => a.homeDc), ...this.mediaDcs])].sort((a, b) => a - b)

  readonly scan = (qrUrl: string, userId: number): ScanOutcome => this.logins.scan(qrUrl, userId)

  readonly codesFor = (phone: string): ReadonlyArray<SentCodeView> | undefined => this.phoneCodes.codesFor(phone)

  readonly appendMessages = (messages: ReadonlyArray<unknown>): Array<{ peer: string; owner: number | null; id: number; edited: boolean }> => {
    const now = Math.floor(this.now() / 1000)
    const parsed = parseAppendedMessages(this.directory, messages, now)
    // The listeners were opened for the scenario's DCs; a file elsewhere could never be fetched.
    const served = this.dcIds()
    for (const m of parsed) {
      const dc = m.media === null ? null : this.fileDc(this.timelineOf(m.peer, m.owner)!, m.media)
      if (dc !== null && !served.includes(dc)) {
        throw new ScenarioError(`${m.path}.media.dc: this emulator serves DCs ${served.join(", ")}, not ${dc}`)
      }
    }
    const edit = (old: MessageSpec, replacement: MessageSpec, i: number): MessageSpec =>
      editedMessage(old, replacement, messages[i] as Record<string, unknown>, now)
    const placed = this.addMessages(parsed, edit)
    for (const { edited, message, timeline } of placed) {
      if (edited) continue
      for (const account of this.accounts.values()) {
        const dialog = account.dialogByKey.get(peerKey(timeline.peer))
        const incoming = !(message.from.kind === "user" && message.from.id === account.userId)
        if (dialog !== undefined && dialog.timeline === timeline && incoming) dialog.unreadCount++
      }
    }
    // Pushed once the dialogs' unread counts include them.
    for (const { edited, message, timeline } of placed) {
      this.updates.record(edited ? "edit_message" : "new_message", timeline, [message.id])
    }
    return placed.map(({ edited, message, timeline }) => ({ peer: peerKey(timeline.peer), owner: timeline.owner, id: message.id, edited }))
  }

  readonly authorizations = () => this.logins.authorizations()

  readonly revokeAuthorizations = (userId: number): number | undefined =>
    this.accounts.has(userId) ? this.logins.revokeAccount(userId) : undefined

  /** Sets the imperfections in force from a realism value (Realism.ts: an object changes only what it names); a string is why it is invalid. */
  readonly setRealism = (value: unknown): Realism | string => {
    const realism = parseRealism(value, this.realism)
    if (typeof realism !== "string") this.realism = realism
    return realism
  }

  /** Whether account `userId` was removed from channel `channelId`. */
  isKicked(userId: number, channelId: number): boolean {
    return this.kicked.get(userId)?.has(channelId) ?? false
  }

  // What the control API changes in the world (WorldControl.ts).
  readonly kick = (body: unknown, join = false): void => kick(this, body, join)
  readonly includeInFolder = (body: unknown): void => includeInFolder(this, body)
  readonly deleteMessage = (ref: unknown): boolean => deleteMessages(this, ref) > 0
  readonly deleteMessages = (ref: unknown): number => deleteMessages(this, ref)

  // The control API's update calls (Updates.ts).
  readonly updateState = (userId: number): AccountUpdateState | undefined =>
    this.accounts.has(userId) ? this.updates.stateOf(userId) : undefined
  readonly updateSettings = (value?: unknown): UpdateSettings | string => this.updates.configure(value)
  readonly updateChanges = (box: { readonly userId?: number; readonly peer?: string }, since: number) =>
    this.updates.changesOf(box, since)
  readonly addUpdateFaults = (body: Record<string, unknown>): void => this.updates.addFaults(body)
  readonly clearUpdateFaults = (): void => this.updates.clearFaults()

  readonly mediaBytes = (peer: string, id: number, owner?: number): Buffer | undefined => {
    const ref = parsePeer(peer)
    if (ref === undefined) return undefined
    let timeline: Timeline | undefined
    if (ref.kind === "channel" || owner !== undefined) {
      timeline = this.timelineOf(ref, ref.kind === "channel" ? null : owner!)
    } else {
      const copies = this.timelines.filter((t) => t.owner !== null && peerKey(t.peer) === peer && t.has(id))
      timeline = copies.length === 1 ? copies[0] : undefined
    }
    const message = timeline?.message(id)
    const media = message?.media
    if (timeline === undefined || media === undefined || media === null) return undefined
    if (media.type !== "photo" && media.type !== "document") return undefined
    return mediaBytesOf(mediaIdentity(timeline.peer, timeline.owner, id), media.size)
  }
}

/** The CLI's loader: a scenario file to a world. */
export const loadWorldFromFile = (path: string): EmulatorWorld => {
  let json: unknown
  try {
    json = JSON.parse(fs.readFileSync(path, "utf8"))
  } catch (e) {
    throw new ScenarioError(`${path}: ${e instanceof Error ? e.message : String(e)}`)
  }
  try {
    return World.fromScenario(json)
  } catch (e) {
    if (e instanceof ScenarioError) throw new ScenarioError(`${path}: ${e.message}`)
    throw e
  }
}
