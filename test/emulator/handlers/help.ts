/**
 * What GramJS asks on connect and about people: help.getConfig (every DC at
 * its virtual address, see EmulatorSwitch), help.getNearestDc,
 * users.getUsers / getFullUser and contacts.resolveUsername.
 */
import bigInt from "big-integer"
import { Api } from "telegram"
import { dcVirtualAddress } from "../../../src/adapters/telegram/EmulatorSwitch.js"
import { EntityRefs } from "../AccountView.js"
import { RpcError } from "../RpcContext.js"
import type { HandlerTable } from "./Handler.js"

const seconds = (ms: number) => Math.floor(ms / 1000)

export const helpHandlers: HandlerTable = {
  "help.GetConfig": (_req: Api.help.GetConfig, ctx, world) => {
    const now = seconds(world.now())
    const ids = ctx.dcs.length > 0 ? ctx.dcs.map((d) => d.id) : world.dcIds()
    return new Api.Config({
      date: now,
      expires: now + 3600,
      testMode: false,
      thisDc: ctx.dcId,
      dcOptions: [...new Set(ids)].sort((a, b) => a - b).map((id) =>
        new Api.DcOption({ id, ipAddress: dcVirtualAddress(id), port: 443 })
      ),
      dcTxtDomainName: "emulator.invalid",
      chatSizeMax: 200,
      megagroupSizeMax: 200000,
      forwardedCountMax: 100,
      onlineUpdatePeriodMs: 210000,
      offlineBlurTimeoutMs: 5000,
      offlineIdleTimeoutMs: 30000,
      onlineCloudTimeoutMs: 300000,
      notifyCloudDelayMs: 30000,
      notifyDefaultDelayMs: 1500,
      pushChatPeriodMs: 60000,
      pushChatLimit: 2,
      editTimeLimit: 172800,
      revokeTimeLimit: 2147483647,
      revokePmTimeLimit: 2147483647,
      ratingEDecay: 2419200,
      stickersRecentLimit: 200,
      channelsReadMediaPeriod: 604800,
      callReceiveTimeoutMs: 20000,
      callRingTimeoutMs: 90000,
      callConnectTimeoutMs: 30000,
      callPacketTimeoutMs: 10000,
      meUrlPrefix: "https://t.me/",
      captionLengthMax: 1024,
      messageLengthMax: 4096,
      webfileDcId: 1
    })
  },

  "help.GetNearestDc": (_req: Api.help.GetNearestDc, ctx) =>
    new Api.NearestDc({ country: "NL", thisDc: ctx.dcId, nearestDc: ctx.dcId }),

  "users.GetUsers": (req: Api.users.GetUsers, ctx, world) => {
    const view = world.viewOf(ctx)
    // Telegram leaves out users the caller cannot reach rather than failing the whole vector.
    const users: Array<Api.TypeUser> = []
    for (const input of req.id) {
      try {
        users.push(view.user(view.userOf(input)))
      } catch (e) {
        if (!(e instanceof RpcError)) throw e
      }
    }
    return users
  },

  "users.GetFullUser": (req: Api.users.GetFullUser, ctx, world) => {
    const view = world.viewOf(ctx)
    const id = view.userOf(req.id)
    const dialog = view.dialogOf({ kind: "user", id })
    const commonChats = [...world.chats.values()].filter((c) => c.members.includes(id) && c.members.includes(view.me))
    return new Api.users.UserFull({
      fullUser: new Api.UserFull({
        id: bigInt(id),
        settings: new Api.PeerSettings({}),
        notifySettings: new Api.PeerNotifySettings({
          showPreviews: true,
          silent: false,
          ...(dialog?.muted ? { muteUntil: 2147483647 } : {})
        }),
        commonChatsCount: id === view.me ? 0 : commonChats.length,
        ...(dialog?.archived ? { folderId: 1 } : {})
      }),
      chats: [],
      users: [view.user(id)]
    })
  },

  "contacts.ResolveUsername": (req: Api.contacts.ResolveUsername, ctx, world) => {
    const view = world.viewOf(ctx)
    const name = req.username.replace(/^@/, "").toLowerCase()
    const refs = new EntityRefs()
    const user = [...world.users.values()].find((u) => u.username?.toLowerCase() === name)
    if (user !== undefined) {
      refs.add({ kind: "user", id: user.id })
      return new Api.contacts.ResolvedPeer({ peer: view.peer({ kind: "user", id: user.id }), ...view.entities(refs) })
    }
    const channel = [...world.channels.values()].find((c) => c.username?.toLowerCase() === name)
    if (channel !== undefined) {
      refs.add({ kind: "channel", id: channel.id })
      return new Api.contacts.ResolvedPeer({ peer: view.peer({ kind: "channel", id: channel.id }), ...view.entities(refs) })
    }
    throw new RpcError(400, "USERNAME_NOT_OCCUPIED")
  }
}
