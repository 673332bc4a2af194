/**
 * Takeout sessions (an extension of the contract): Telegram's data-export
 * sessions, with which a client fetches history under higher limits.
 *
 * - `account.initTakeoutSession` starts one. When the scenario's
 *   `options.takeout_delay_seconds` (or `POST /takeout {"delay_seconds": n}`)
 *   is above 0, Telegram first asks the user to confirm the export in another
 *   of their apps: the first call answers `420 TAKEOUT_INIT_DELAY_n` and so
 *   does every later one until the user confirms (`POST /takeout/confirm
 *   {"user_id"}`) or n seconds have passed since that first call.
 * - `invokeWithTakeout(takeout_id, query)` runs `query` within it
 *   (Dispatcher.ts counts both); an id that is unknown, finished or another
 *   account's answers `400 TAKEOUT_INVALID`.
 * - `account.finishTakeoutSession` (sent within the takeout, as Telegram
 *   wants) ends it; outside one it answers `400 TAKEOUT_REQUIRED`.
 *
 * `GET /takeout` lists the sessions with the flags each asked for.
 */
import bigInt from "big-integer"
import { Api } from "telegram"
import { RpcError } from "./RpcContext.js"

export interface TakeoutSession {
  readonly id: string
  readonly userId: number
  /** The message types and files asked for (initTakeoutSession's flags), e.g. `["message_channels", "files"]`. */
  readonly scope: ReadonlyArray<string>
  readonly fileMaxSize: number | null
  readonly startedAt: number
  finishedAt: number | null
  success: boolean | null
}

const FLAGS: ReadonlyArray<[keyof Api.account.InitTakeoutSession, string]> = [
  ["contacts", "contacts"],
  ["messageUsers", "message_users"],
  ["messageChats", "message_chats"],
  ["messageMegagroups", "message_megagroups"],
  ["messageChannels", "message_channels"],
  ["files", "files"]
]

export class Takeouts {
  /** Seconds the user has to confirm in another app before a first takeout starts; 0: no confirmation asked. */
  delaySeconds: number
  /** Per account: when it first asked (ms), while a confirmation is awaited. */
  private readonly asked = new Map<number, number>()
  private readonly confirmed = new Set<number>()
  private readonly sessions = new Map<string, TakeoutSession>()
  private nextId = 0x5a4e_0000_0001n

  constructor(private readonly now: () => number, delaySeconds: number) {
    this.delaySeconds = delaySeconds
  }

  init(userId: number, request: Api.account.InitTakeoutSession): Api.account.Takeout {
    if (this.delaySeconds > 0 && !this.confirmed.has(userId)) {
      const now = this.now()
      const askedAt = this.asked.get(userId) ?? now
      this.asked.set(userId, askedAt)
      const left = Math.ceil((askedAt + this.delaySeconds * 1000 - now) / 1000)
      if (left > 0) throw new RpcError(420, `TAKEOUT_INIT_DELAY_${left}`)
      this.confirmed.add(userId)
    }
    const id = (this.nextId++).toString()
    this.sessions.set(id, {
      id,
      userId,
      scope: FLAGS.filter(([field]) => request[field] === true).map(([, name]) => name),
      fileMaxSize: request.fileMaxSize == null ? null : Number(request.fileMaxSize.toString()),
      startedAt: this.now(),
      finishedAt: null,
      success: null
    })
    return new Api.account.Takeout({ id: bigInt(id) })
  }

  /** A new delay; every account has to confirm (or wait) again. */
  setDelay(seconds: number): void {
    this.delaySeconds = seconds
    this.asked.clear()
    this.confirmed.clear()
  }

  /** The user confirmed the export in another app: that account's takeouts start at once from now on. False for an account that never asked. */
  confirm(userId: number): boolean {
    if (!this.asked.has(userId) && !this.confirmed.has(userId)) return false
    this.confirmed.add(userId)
    return true
  }

  /** invokeWithTakeout's check; throws TAKEOUT_INVALID. */
  check(takeoutId: string, userId: number | undefined): void {
    const session = this.sessions.get(takeoutId)
    if (session === undefined || session.finishedAt !== null || session.userId !== userId) {
      throw new RpcError(400, "TAKEOUT_INVALID")
    }
  }

  finish(takeoutId: string | undefined, userId: number, success: boolean): true {
    if (takeoutId === undefined) throw new RpcError(400, "TAKEOUT_REQUIRED")
    this.check(takeoutId, userId)
    const session = this.sessions.get(takeoutId)!
    session.finishedAt = this.now()
    session.success = success
    return true
  }

  /** For `GET /takeout`. */
  view(): Record<string, unknown> {
    return {
      delay_seconds: this.delaySeconds,
      confirmed: [...this.confirmed].sort((a, b) => a - b),
      sessions: [...this.sessions.values()].map((s) => ({
        id: s.id,
        user_id: s.userId,
        scope: s.scope,
        file_max_size: s.fileMaxSize,
        active: s.finishedAt === null,
        success: s.success
      }))
    }
  }
}
