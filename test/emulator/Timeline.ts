/**
 * The messages of one dialog as one sorted index: ids and dates in typed
 * arrays (ascending id), scenario messages in a map, generated ones as
 * contiguous id ranges computed on demand. Paging is a binary search plus
 * the page, even for a million messages. Messages can be replaced (edits)
 * and removed (deletions); a removed id is never handed out again.
 */
import { generatedDate, generatedMessage } from "./Generate.js"
import type { GenerateSpec, MessageSpec, PeerRef } from "./Scenario.js"
import { peerKey } from "./Scenario.js"

interface Segment {
  readonly firstId: number
  readonly block: GenerateSpec
}

/** First index in `a[0, n)` whose value is >= x. */
const lowerBound = (a: ArrayLike<number>, n: number, x: number): number => {
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (a[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

export class Timeline {
  private ids = new Int32Array(16)
  private dates = new Uint32Array(16)
  private size = 0
  private readonly explicit = new Map<number, MessageSpec>()
  private readonly segments: Array<Segment> = []
  /** Whether dates never decrease with id (then date offsets are a binary search too). */
  private monotonic = true
  /** Ids removed since they were added (generated ones would otherwise still be computed). */
  private readonly removed = new Set<number>()
  /** The highest id this dialog ever held, removed or not: new ids come after it, as in Telegram. */
  private highestId = 0
  /** Bumped on every change: caches derived from the messages (Threads.ts) compare it. */
  version = 0
  /** Users and channels that messages here mention (senders, forward sources, bots, mentions, service messages). */
  readonly referencedUsers = new Set<number>()
  readonly referencedChannels = new Set<number>()

  constructor(
    /** Position in the world's list; part of file ids. */
    readonly index: number,
    readonly peer: PeerRef,
    /** The account whose copy this is; null for channels. */
    readonly owner: number | null
  ) {}

  get key(): string {
    return this.owner === null ? peerKey(this.peer) : `${peerKey(this.peer)}@${this.owner}`
  }

  get count(): number {
    return this.size
  }

  get topId(): number {
    return this.size === 0 ? 0 : this.ids[this.size - 1]!
  }

  /** The highest id ever used here, even if that message was removed since. */
  get lastAssignedId(): number {
    return Math.max(this.highestId, this.topId)
  }

  get topDate(): number {
    return this.size === 0 ? 0 : this.dates[this.size - 1]!
  }

  has(id: number): boolean {
    const i = lowerBound(this.ids, this.size, id)
    return i < this.size && this.ids[i] === id
  }

  private reserve(extra: number): void {
    const needed = this.size + extra
    if (needed <= this.ids.length) return
    let capacity = this.ids.length
    while (capacity < needed) capacity *= 2
    const ids = new Int32Array(capacity)
    ids.set(this.ids.subarray(0, this.size))
    const dates = new Uint32Array(capacity)
    dates.set(this.dates.subarray(0, this.size))
    this.ids = ids
    this.dates = dates
  }

  private recheckMonotonic(from: number, to: number): void {
    for (let i = Math.max(1, from); i < Math.min(this.size, to + 1); i++) {
      if (this.dates[i]! < this.dates[i - 1]!) {
        this.monotonic = false
        return
      }
    }
  }

  /** Adds one message; its id must be new in this dialog. */
  add(message: MessageSpec): void {
    this.version++
    const at = lowerBound(this.ids, this.size, message.id)
    if (at < this.size && this.ids[at] === message.id) throw new Error(`duplicate message id ${message.id} in ${this.key}`)
    this.reserve(1)
    this.ids.copyWithin(at + 1, at, this.size)
    this.dates.copyWithin(at + 1, at, this.size)
    this.ids[at] = message.id
    this.dates[at] = message.date
    this.size++
    this.explicit.set(message.id, message)
    this.removed.delete(message.id)
    this.highestId = Math.max(this.highestId, message.id)
    if (this.monotonic) this.recheckMonotonic(at, at + 1)
    this.reference(message)
  }

  /** Replaces the message with the same id (an edit); it must exist. */
  replace(message: MessageSpec): void {
    this.version++
    const at = lowerBound(this.ids, this.size, message.id)
    if (at >= this.size || this.ids[at] !== message.id) throw new Error(`no message ${message.id} in ${this.key} to replace`)
    this.dates[at] = message.date
    this.explicit.set(message.id, message)
    if (this.monotonic) this.recheckMonotonic(at, at + 1)
    this.reference(message)
  }

  /** Removes a message (a deletion); false when there is none with that id. */
  remove(id: number): boolean {
    this.version++
    const at = lowerBound(this.ids, this.size, id)
    if (at >= this.size || this.ids[at] !== id) return false
    this.highestId = Math.max(this.highestId, this.topId)
    this.ids.copyWithin(at, at + 1, this.size)
    this.dates.copyWithin(at, at + 1, this.size)
    this.size--
    this.explicit.delete(id)
    this.removed.add(id)
    return true
  }

  /** Adds a generate block as ids firstId, firstId+1, ...; they must all come after the current top. */
  addGenerated(block: GenerateSpec, firstId: number): void {
    this.version++
    if (block.count === 0) return
    if (firstId <= this.topId) throw new Error(`generated ids must follow the top message of ${this.key}`)
    this.reserve(block.count)
    for (let i = 0; i < block.count; i++) {
      this.ids[this.size + i] = firstId + i
      this.dates[this.size + i] = generatedDate(block, i)
    }
    const before = this.size
    this.size += block.count
    if (this.monotonic) this.recheckMonotonic(before, before + 1)
    this.segments.push({ firstId, block })
    for (const s of block.senders) {
      if (s.kind === "user") this.referencedUsers.add(s.id)
      else if (s.kind === "channel" && (s.id !== this.peer.id || this.peer.kind !== "channel")) this.referencedChannels.add(s.id)
    }
  }

  private reference(message: MessageSpec): void {
    if (message.from.kind === "user") this.referencedUsers.add(message.from.id)
    const fwd = message.fwdFrom?.from
    if (fwd?.kind === "user") this.referencedUsers.add(fwd.id)
    if (fwd?.kind === "channel") this.referencedChannels.add(fwd.id)
    if (message.viaBot !== null) this.referencedUsers.add(message.viaBot)
    for (const e of message.entities) if (e.userId !== null) this.referencedUsers.add(e.userId)
    const a = message.action
    if (a !== null) {
      if ("users" in a) a.users.forEach((u) => this.referencedUsers.add(u))
      if (a.type === "chat_delete_user") this.referencedUsers.add(a.user_id)
      if (a.type === "chat_joined_by_link") this.referencedUsers.add(a.inviter_id)
    }
  }

  /** The scenario's and appended messages (not generated ones), in no particular order. */
  explicitMessages(): IterableIterator<MessageSpec> {
    return this.explicit.values()
  }

  /** The message with this id, or undefined. */
  message(id: number): MessageSpec | undefined {
    const own = this.explicit.get(id)
    if (own !== undefined) return own
    if (this.removed.size > 0 && this.removed.has(id)) return undefined
    let lo = 0
    let hi = this.segments.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.segments[mid]!.firstId <= id) lo = mid + 1
      else hi = mid
    }
    const segment = this.segments[lo - 1]
    if (segment === undefined) return undefined
    const i = id - segment.firstId
    return i < segment.block.count ? generatedMessage(segment.block, i, segment.firstId) : undefined
  }

  /** Id of the k-th message counting from the newest (k = 0). */
  idAtDesc(k: number): number {
    return this.ids[this.size - 1 - k]!
  }

  dateAtDesc(k: number): number {
    return this.dates[this.size - 1 - k]!
  }

  /** How many messages have an id >= `id`: the newest-first position just past them. */
  countFromId(id: number): number {
    return this.size - lowerBound(this.ids, this.size, id)
  }

  /** The newest-first position of the first message dated before `date`. */
  positionBeforeDate(date: number): number {
    if (this.monotonic) return this.size - lowerBound(this.dates, this.size, date)
    for (let k = 0; k < this.size; k++) if (this.dateAtDesc(k) < date) return k
    return this.size
  }

  /** Ids newest first. */
  *idsNewestFirst(): IterableIterator<number> {
    for (let k = 0; k < this.size; k++) yield this.idAtDesc(k)
  }
}
