/**
 * Logins, per auth key: QR login tokens (exported, approved by the phone
 * through `scan`, announced to the exporting session by a pushed
 * UpdateLoginToken, then turned into a login), the home-DC migration of a
 * token, SESSION_PASSWORD_NEEDED and the SRP 2FA check, and the
 * export/import of an authorization to another DC for downloads.
 *
 * An authorization, as in Telegram's Settings > Devices, is one login: the
 * auth key that logged in plus the keys it lent the login to on other DCs
 * (auth.exportAuthorization/importAuthorization). Ending it (auth.logOut on
 * any of its keys, or `revokeAccount`, the phone terminating sessions) makes
 * every one of those keys unauthorised: later calls answer 401
 * AUTH_KEY_UNREGISTERED, as Telegram does; the keys may log in again.
 */
import { randomBytes } from "node:crypto"
import bigInt from "big-integer"
import { Api } from "telegram"
import type { CallContext, ScanOutcome } from "../RpcContext.js"
import { RpcError } from "../RpcContext.js"
import { noPassword, type SrpChallenge, SrpVerifier } from "../Srp.js"
import type { World } from "../World.js"
import type { HandlerTable } from "./Handler.js"
import { toNumber } from "./Handler.js"

interface KeyState {
  /** The account this key is logged into. */
  userId?: number
  /** The authorization (login) the key belongs to, when logged in. */
  authorization?: number
  /** The account whose 2FA password this key must still prove. */
  passwordFor?: number
  challenge?: SrpChallenge
}

interface QrToken {
  readonly authKeyId: string
  readonly push: CallContext["push"]
  readonly expiresAt: number
  approvedBy?: number
  consumed: boolean
}

interface MigrationToken {
  readonly userId: number
  readonly dcId: number
  readonly expiresAt: number
}

const tokenText = (token: Uint8Array): string => Buffer.from(token).toString("base64url")

export class Logins {
  private readonly keys = new Map<string, KeyState>()
  private readonly tokens = new Map<string, QrToken>()
  private readonly migrations = new Map<string, MigrationToken>()
  private readonly exported = new Map<string, { readonly userId: number; readonly dcId: number; readonly authorization: number }>()
  private nextAuthorization = 1
  private readonly verifiers = new Map<number, Promise<SrpVerifier>>()

  constructor(private readonly world: World, private readonly ttlSeconds: number) {}

  private key(authKeyId: string): KeyState {
    let state = this.keys.get(authKeyId)
    if (state === undefined) {
      state = {}
      this.keys.set(authKeyId, state)
    }
    return state
  }

  /** The account a key is logged into. */
  accountOf(authKeyId: string): number | undefined {
    return this.keys.get(authKeyId)?.userId
  }

  /** Logs the key in: into `authorization` (a key lent an existing login), or as a new one. */
  authorize(authKeyId: string, userId: number, authorization?: number): Api.auth.Authorization {
    const state = this.key(authKeyId)
    state.userId = userId
    state.authorization = authorization ?? this.nextAuthorization++
    delete state.passwordFor
    delete state.challenge
    return new Api.auth.Authorization({ user: this.world.viewOfAccount(userId).user(userId) })
  }

  private newToken(ctx: CallContext): Api.auth.LoginToken {
    const token = randomBytes(32)
    const expiresAt = this.world.now() + this.ttlSeconds * 1000
    this.tokens.set(tokenText(token), { authKeyId: ctx.authKeyId, push: ctx.push, expiresAt, consumed: false })
    return new Api.auth.LoginToken({ expires: Math.ceil(expiresAt / 1000), token })
  }

  /** What an approved token turns into on this key: a login, a password prompt, or a move to the home DC. */
  private complete(ctx: CallContext, userId: number): Api.auth.TypeLoginToken {
    const account = this.world.accounts.get(userId)!
    if (account.homeDc !== ctx.dcId) {
      const token = randomBytes(32)
      this.migrations.set(tokenText(token), {
        userId,
        dcId: account.homeDc,
        expiresAt: this.world.now() + this.ttlSeconds * 1000
      })
      return new Api.auth.LoginTokenMigrateTo({ dcId: account.homeDc, token })
    }
    if (account.spec.password !== null) {
      this.awaitPassword(ctx.authKeyId, userId)
      throw new RpcError(401, "SESSION_PASSWORD_NEEDED")
    }
    return new Api.auth.LoginTokenSuccess({ authorization: this.authorize(ctx.authKeyId, userId) })
  }

  /** The key proved it is `userId`'s (a QR scan, a phone code): now it must prove the 2FA password. */
  awaitPassword(authKeyId: string, userId: number): void {
    const state = this.key(authKeyId)
    state.passwordFor = userId
    delete state.challenge
  }

  exportLoginToken(ctx: CallContext): Api.auth.TypeLoginToken {
    const loggedIn = this.accountOf(ctx.authKeyId)
    if (loggedIn !== undefined) {
      return new Api.auth.LoginTokenSuccess({
        authorization: this.authorize(ctx.authKeyId, loggedIn, this.keys.get(ctx.authKeyId)?.authorization)
      })
    }
    if (this.keys.get(ctx.authKeyId)?.passwordFor !== undefined) throw new RpcError(401, "SESSION_PASSWORD_NEEDED")
    for (const token of this.tokens.values()) {
      if (token.authKeyId === ctx.authKeyId && token.approvedBy !== undefined && !token.consumed) {
        token.consumed = true
        return this.complete(ctx, token.approvedBy)
      }
    }
    return this.newToken(ctx)
  }

  importLoginToken(ctx: CallContext, raw: Uint8Array): Api.auth.TypeLoginToken {
    const text = tokenText(raw)
    const migration = this.migrations.get(text)
    if (migration !== undefined) {
      if (migration.expiresAt <= this.world.now()) throw new RpcError(400, "AUTH_TOKEN_EXPIRED")
      if (migration.dcId !== ctx.dcId) return new Api.auth.LoginTokenMigrateTo({ dcId: migration.dcId, token: Buffer.from(raw) })
      this.migrations.delete(text)
      return this.complete(ctx, migration.userId)
    }
    const token = this.tokens.get(text)
    if (token === undefined || token.consumed) throw new RpcError(400, "AUTH_TOKEN_INVALID")
    if (token.approvedBy === undefined) {
      if (token.expiresAt <= this.world.now()) throw new RpcError(400, "AUTH_TOKEN_EXPIRED")
      return new Api.auth.LoginToken({ expires: Math.ceil(token.expiresAt / 1000), token: Buffer.from(raw) })
    }
    token.consumed = true
    return this.complete(ctx, token.approvedBy)
  }

  /** The phone of `userId` approves the token in `qrUrl` and the exporting session hears of it. */
  scan(qrUrl: string, userId: number): ScanOutcome {
    if (!this.world.accounts.has(userId)) return "unknown_user"
    let text: string | null = null
    try {
      text = new URL(qrUrl).searchParams.get("token")
    } catch {
      return "unknown_token"
    }
    const token = text === null ? undefined : this.tokens.get(text)
    if (token === undefined || token.consumed) return "unknown_token"
    if (token.approvedBy !== undefined) return token.approvedBy === userId ? "approved" : "unknown_token"
    if (token.expiresAt <= this.world.now()) return "expired_token"
    token.approvedBy = userId
    token.push(new Api.UpdateShort({ update: new Api.UpdateLoginToken(), date: Math.floor(this.world.now() / 1000) }))
    return "approved"
  }

  private verifier(userId: number): Promise<SrpVerifier> {
    let verifier = this.verifiers.get(userId)
    if (verifier === undefined) {
      const spec = this.world.accounts.get(userId)!.spec
      verifier = SrpVerifier.create(spec.password!, spec.passwordHint)
      this.verifiers.set(userId, verifier)
    }
    return verifier
  }

  /** account.getPassword: the account is the one logged in, or the one whose password the login waits for. */
  async getPassword(ctx: CallContext): Promise<Api.account.Password> {
    const state = this.keys.get(ctx.authKeyId)
    const userId = state?.userId ?? state?.passwordFor
    if (state === undefined || userId === undefined) throw new RpcError(401, "AUTH_KEY_UNREGISTERED")
    const spec = this.world.accounts.get(userId)!.spec
    if (spec.password === null) return noPassword()
    const { challenge, password } = (await this.verifier(userId)).challenge()
    state.challenge = challenge
    return password
  }

  async checkPassword(ctx: CallContext, input: Api.TypeInputCheckPasswordSRP): Promise<Api.auth.Authorization> {
    const state = this.keys.get(ctx.authKeyId)
    const userId = state?.passwordFor ?? state?.userId
    if (state === undefined || userId === undefined) throw new RpcError(401, "AUTH_KEY_UNREGISTERED")
    if (this.world.accounts.get(userId)!.spec.password === null) throw new RpcError(400, "PASSWORD_HASH_INVALID")
    const challenge = state.challenge
    // Each challenge answers once; a retry starts with a new account.getPassword, as in Telegram.
    delete state.challenge
    if (challenge === undefined || input.className !== "InputCheckPasswordSRP" || !input.srpId.equals(challenge.srpId)) {
      throw new RpcError(400, "SRP_ID_INVALID")
    }
    if (!(await (await this.verifier(userId)).check(challenge, input))) throw new RpcError(400, "PASSWORD_HASH_INVALID")
    return this.authorize(ctx.authKeyId, userId)
  }

  exportAuthorization(ctx: CallContext, dcId: number): Api.auth.ExportedAuthorization {
    const userId = this.world.viewOf(ctx).me
    if (dcId === ctx.dcId || !this.world.dcIds().includes(dcId)) throw new RpcError(400, "DC_ID_INVALID")
    const bytes = randomBytes(128)
    this.exported.set(bytes.toString("hex"), { userId, dcId, authorization: this.keys.get(ctx.authKeyId)!.authorization! })
    return new Api.auth.ExportedAuthorization({ id: bigInt(userId), bytes })
  }

  importAuthorization(ctx: CallContext, id: number, bytes: Uint8Array): Api.auth.Authorization {
    const key = Buffer.from(bytes).toString("hex")
    const grant = this.exported.get(key)
    if (grant === undefined || grant.userId !== id || grant.dcId !== ctx.dcId) throw new RpcError(400, "AUTH_BYTES_INVALID")
    this.exported.delete(key)
    // A login that ended meanwhile cannot be lent.
    if (![...this.keys.values()].some((k) => k.authorization === grant.authorization)) {
      throw new RpcError(401, "AUTH_KEY_UNREGISTERED")
    }
    return this.authorize(ctx.authKeyId, grant.userId, grant.authorization)
  }

  /** auth.logOut: ends the login of the calling key, on every DC. */
  logOut(ctx: CallContext): Api.auth.LoggedOut {
    this.world.viewOf(ctx)
    this.revoke(this.keys.get(ctx.authKeyId)!.authorization!)
    return new Api.auth.LoggedOut({})
  }

  /** Ends one authorization: each of its keys is unauthorised from now on. */
  private revoke(authorization: number): void {
    for (const [keyId, state] of this.keys) if (state.authorization === authorization) this.keys.delete(keyId)
    for (const [bytes, grant] of this.exported) if (grant.authorization === authorization) this.exported.delete(bytes)
  }

  /** The logins in force: each with its account and how many auth keys (DCs) it is on. */
  authorizations(): Array<{ readonly id: number; readonly userId: number; readonly keys: number }> {
    const byId = new Map<number, { id: number; userId: number; keys: number }>()
    for (const state of this.keys.values()) {
      if (state.authorization === undefined || state.userId === undefined) continue
      const entry = byId.get(state.authorization) ?? { id: state.authorization, userId: state.userId, keys: 0 }
      entry.keys++
      byId.set(state.authorization, entry)
    }
    return [...byId.values()].sort((a, b) => a.id - b.id)
  }

  /** The phone of `userId` terminates the account's other sessions: every authorization of it ends; how many did. */
  revokeAccount(userId: number): number {
    const ended = new Set(this.authorizations().filter((a) => a.userId === userId).map((a) => a.id))
    for (const id of ended) this.revoke(id)
    return ended.size
  }
}

export const authHandlers: HandlerTable = {
  "auth.ExportLoginToken": (_req: Api.auth.ExportLoginToken, ctx, world) => world.logins.exportLoginToken(ctx),
  "auth.ImportLoginToken": (req: Api.auth.ImportLoginToken, ctx, world) => world.logins.importLoginToken(ctx, req.token),
  "auth.CheckPassword": (req: Api.auth.CheckPassword, ctx, world) => world.logins.checkPassword(ctx, req.password),
  "auth.ExportAuthorization": (req: Api.auth.ExportAuthorization, ctx, world) =>
    world.logins.exportAuthorization(ctx, req.dcId),
  "auth.ImportAuthorization": (req: Api.auth.ImportAuthorization, ctx, world) =>
    world.logins.importAuthorization(ctx, toNumber(req.id), req.bytes),
  "auth.LogOut": (_req: Api.auth.LogOut, ctx, world) => world.logins.logOut(ctx)
}
