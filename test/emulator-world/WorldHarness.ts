/**
 * Calls the world's handlers the way the MTProto machinery does, without a
 * network: requests serialised and decoded as on the wire, a fake
 * CallContext per (auth key, DC), pushed updates collected, and every answer
 * put through GramJS's own TL serialiser and parser, so a result GramJS
 * could not read fails here.
 */
import * as fs from "node:fs"
import { Api } from "telegram"
import { BinaryReader } from "telegram/extensions/index.js"
import { encodeResult } from "../emulator/encodeResult.js"
import type { CallContext } from "../emulator/RpcContext.js"
import { RpcError } from "../emulator/RpcContext.js"
import { World, type WorldOptions } from "../emulator/World.js"

export const fixture = (name: string): unknown =>
  JSON.parse(fs.readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8"))

export const sampleWorld = (options: WorldOptions = {}) => World.fromScenario(fixture("sample.json"), options)

/** Re-reads a TL result the way GramJS reads an rpc_result body. */
const reparse = (request: { readResult?: (r: BinaryReader) => unknown }, value: unknown): unknown => {
  const bytes = encodeResult(value)
  if (typeof request.readResult === "function") return request.readResult(new BinaryReader(bytes))
  return new BinaryReader(bytes).tgReadObject()
}

export interface Caller {
  readonly ctx: CallContext
  readonly pushed: Array<Api.TypeUpdates>
  /** Answers the request as GramJS would receive it; RPC errors are thrown as RpcError. */
  readonly call: <R extends { __response: unknown }>(request: R) => Promise<R["__response"]>
}

let keyCounter = 0

/** A client connection: a fresh auth key (or the one given) talking to DC `dcId`. */
export const caller = (world: World, options: { readonly dcId?: number; readonly authKeyId?: string } = {}): Caller => {
  const pushed: Array<Api.TypeUpdates> = []
  const ctx: CallContext = {
    dcId: options.dcId ?? 1,
    authKeyId: options.authKeyId ?? (++keyCounter).toString(16).padStart(16, "0"),
    sessionId: String(keyCounter * 1000),
    dcs: world.dcIds().map((id) => ({ id, host: "127.0.0.1", port: 40000 + id })),
    push: (u) => pushed.push(u)
  }
  return {
    ctx,
    pushed,
    call: async (request) => {
      // The machinery hands the world requests decoded from the wire (absent flags become null): do the same.
      const decoded = new BinaryReader((request as unknown as { getBytes: () => Buffer }).getBytes()).tgReadObject()
      const result = await world.handle(decoded, ctx)
      return reparse(request as never, result) as never
    }
  }
}

/** The RPC error a call fails with ("400 PEER_ID_INVALID"), or "ok". */
export const outcome = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p
    return "ok"
  } catch (e) {
    if (e instanceof RpcError) return `${e.code} ${e.errorMessage}`
    throw e
  }
}

/** A caller whose key is already logged into `userId` (through a real QR login). */
export const loggedIn = async (world: World, userId: number, dcId?: number): Promise<Caller> => {
  const home = world.accounts.get(userId)!.homeDc
  const c = caller(world, { dcId: dcId ?? home })
  const first = await c.call(new Api.auth.ExportLoginToken({ apiId: 1, apiHash: "x", exceptIds: [] }))
  if (!(first instanceof Api.auth.LoginToken)) throw new Error("expected a login token")
  const outcomeOfScan = world.scan(`tg://login?token=${Buffer.from(first.token).toString("base64url")}`, userId)
  if (outcomeOfScan !== "approved") throw new Error(outcomeOfScan)
  const account = world.accounts.get(userId)!
  if (account.spec.password === null) {
    const done = await c.call(new Api.auth.ExportLoginToken({ apiId: 1, apiHash: "x", exceptIds: [] }))
    if (!(done instanceof Api.auth.LoginTokenSuccess)) throw new Error(`expected success, got ${done.className}`)
    return c
  }
  const { computeCheck } = await import("telegram/Password.js")
  await outcome(c.call(new Api.auth.ExportLoginToken({ apiId: 1, apiHash: "x", exceptIds: [] })))
  const info = await c.call(new Api.account.GetPassword())
  await c.call(new Api.auth.CheckPassword({ password: await computeCheck(info, account.spec.password) }))
  return c
}
