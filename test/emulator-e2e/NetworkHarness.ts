/**
 * End-to-end tests of the emulator's world over the network: an unmodified
 * GramJS client talking MTProto to `startEmulator` on loopback. Helpers to
 * start an emulator on a scenario (recording which DC answered each call),
 * to drive a QR login with raw calls and the control API's `POST /scan`
 * exactly as a phone approves it, and to turn entities into input peers.
 */
import * as fs from "node:fs"
import bigInt from "big-integer"
import { Api, type TelegramClient } from "telegram"
import { Raw } from "telegram/events/index.js"
import { computeCheck } from "telegram/Password.js"
import { type RunningEmulator, startEmulator } from "../emulator/Emulator.js"
import type { CallContext } from "../emulator/RpcContext.js"
import { destroyTestClient, makeTestClient, TEST_API_HASH, TEST_API_ID, type TestClientOptions } from "../emulator/TestClient.js"
import { World, type WorldOptions } from "../emulator/World.js"

export const fixtureJson = (name: string): unknown =>
  JSON.parse(fs.readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8"))

export interface WorldOnNetwork {
  readonly emulator: RunningEmulator
  readonly world: World
  /** Every call the world answered, in order: `${dcId} ${className}`. */
  readonly seen: Array<string>
  readonly stop: () => Promise<void>
}

/** The emulator serving `World.fromScenario(json)`, with each call's DC noted on the way to the world. */
export const startWorld = async (json: unknown, options: WorldOptions = {}): Promise<WorldOnNetwork> => {
  const world = World.fromScenario(json, options)
  const seen: Array<string> = []
  const emulator = await startEmulator({
    world: {
      dcIds: world.dcIds,
      scan: world.scan,
      appendMessages: world.appendMessages,
      mediaBytes: world.mediaBytes,
      accountOf: world.accountOf,
      checkTakeout: world.checkTakeout,
      traffic: world.traffic,
      takeouts: world.takeouts,
      handle: (request: { className: string }, ctx: CallContext) => {
        seen.push(`${ctx.dcId} ${request.className}`)
        return world.handle(request, ctx)
      }
    }
  })
  return { emulator, world, seen, stop: () => emulator.stop() }
}

/** A control API call; JSON in and out. */
export const control = async (
  emulator: RunningEmulator,
  method: string,
  path: string,
  body?: unknown
): Promise<{ readonly status: number; readonly body: unknown }> => {
  const response = await fetch(`${emulator.control}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
  })
  const type = response.headers.get("content-type") ?? ""
  return { status: response.status, body: type.includes("json") ? await response.json() : Buffer.from(await response.arrayBuffer()) }
}

export const qrUrlOf = (token: Uint8Array): string => `tg://login?token=${Buffer.from(token).toString("base64url")}`

export const exportLoginToken = () => new Api.auth.ExportLoginToken({ apiId: TEST_API_ID, apiHash: TEST_API_HASH, exceptIds: [] })

/** The RPC error a call fails with, as `${code} ${message}`, or "ok". */
export const outcome = async (call: Promise<unknown>): Promise<string> => {
  try {
    await call
    return "ok"
  } catch (error) {
    const e = error as { code?: number; errorMessage?: string }
    if (typeof e.code === "number" && typeof e.errorMessage === "string") return `${e.code} ${e.errorMessage}`
    throw error
  }
}

/** Resolves on the next UpdateLoginToken pushed to this client. */
export const nextLoginTokenUpdate = (client: TelegramClient): Promise<void> =>
  new Promise((resolve) => {
    const event = new Raw({ types: [Api.UpdateLoginToken] })
    const handler = () => {
      client.removeEventHandler(handler, event)
      resolve()
    }
    client.addEventHandler(handler, event)
  })

/**
 * A QR login as the server's adapter performs it, with raw calls: export a
 * token, the phone of `userId` scans it (`POST /scan`), wait for the pushed
 * UpdateLoginToken, export again; follow LoginTokenMigrateTo to the home DC
 * and import the token there; answer SESSION_PASSWORD_NEEDED with SRP.
 */
export const qrLogin = async (
  client: TelegramClient,
  emulator: RunningEmulator,
  userId: number,
  password?: string
): Promise<Api.User> => {
  const token = await client.invoke(exportLoginToken())
  if (!(token instanceof Api.auth.LoginToken)) throw new Error(`expected a login token, got ${token.className}`)
  const pushed = nextLoginTokenUpdate(client)
  const scan = await control(emulator, "POST", "/scan", { qr_url: qrUrlOf(token.token), user_id: userId })
  if (scan.status !== 200) throw new Error(`scan: ${scan.status} ${JSON.stringify(scan.body)}`)
  await pushed
  let result: Api.auth.TypeLoginToken | undefined
  try {
    result = await client.invoke(exportLoginToken())
    if (result instanceof Api.auth.LoginTokenMigrateTo) {
      await client._switchDC(result.dcId)
      result = await client.invoke(new Api.auth.ImportLoginToken({ token: result.token }))
    }
  } catch (error) {
    if ((error as { errorMessage?: string }).errorMessage !== "SESSION_PASSWORD_NEEDED" || password === undefined) throw error
    const srp = await client.invoke(new Api.account.GetPassword())
    const authorization = await client.invoke(new Api.auth.CheckPassword({ password: await computeCheck(srp, password) }))
    return (authorization as Api.auth.Authorization).user as Api.User
  }
  if (!(result instanceof Api.auth.LoginTokenSuccess)) throw new Error(`expected LoginTokenSuccess, got ${result.className}`)
  return (result.authorization as Api.auth.Authorization).user as Api.User
}

/** A connected client logged into `userId`; its session string lets later clients skip the login. */
export const loggedInClient = async (
  emulator: RunningEmulator,
  userId: number,
  options: TestClientOptions & { readonly password?: string } = {}
): Promise<{ readonly client: TelegramClient; readonly session: string }> => {
  const client = makeTestClient(emulator, options)
  try {
    await client.connect()
    await qrLogin(client, emulator, userId, options.password)
  } catch (error) {
    await destroyTestClient(client)
    throw error
  }
  return { client, session: client.session.save() as unknown as string }
}

/** A TL entity from a response as the input peer that names it (with this account's access hash). */
export const inputPeerOf = (entity: Api.TypeUser | Api.TypeChat): Api.TypeInputPeer => {
  switch (entity.className) {
    case "User":
      return entity.self ? new Api.InputPeerSelf() : new Api.InputPeerUser({ userId: entity.id, accessHash: entity.accessHash! })
    case "Chat":
      return new Api.InputPeerChat({ chatId: entity.id })
    case "Channel":
      return new Api.InputPeerChannel({ channelId: entity.id, accessHash: entity.accessHash! })
    default:
      throw new Error(`no input peer for ${entity.className}`)
  }
}

/** `user:1002`, `chat:2001` or `channel:3001`: the scenario's name of a peer. */
export const peerText = (p: Api.TypePeer): string =>
  p.className === "PeerUser" ? `user:${p.userId}` : p.className === "PeerChat" ? `chat:${p.chatId}` : `channel:${p.channelId}`

/** The scenario's name of an entity. */
export const entityText = (e: Api.TypeUser | Api.TypeChat): string =>
  `${e.className === "User" ? "user" : e.className === "Chat" || e.className === "ChatForbidden" ? "chat" : "channel"}:${e.id}`

/** Input peers (with this account's access hashes) of every dialog, learnt as a client learns them: from messages.getDialogs. */
export const dialogInputPeers = async (client: TelegramClient): Promise<Map<string, Api.TypeInputPeer>> => {
  const page = await client.invoke(new Api.messages.GetDialogs({ offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 100, hash: bigInt.zero }))
  if (page.className !== "messages.Dialogs") throw new Error(`expected every dialog in one page, got ${page.className}`)
  return new Map([...page.users, ...page.chats].map((e) => [entityText(e), inputPeerOf(e)]))
}
