/**
 * Small worlds for testing the emulator's machinery without the scenario
 * world: a table of handlers by TL name, plus the help.getConfig and getMe
 * answers every GramJS client needs.
 */
import bigInt from "big-integer"
import { Api } from "telegram"
import type { CallContext, EmulatorWorld, ScanOutcome } from "../emulator/RpcContext.js"

export type StubHandler = (request: any, ctx: CallContext) => unknown

export const ME = new Api.User({
  id: bigInt(1001),
  accessHash: bigInt(555),
  firstName: "Alice",
  self: true,
  phone: "15550001001"
})

export const configFor = (ctx: CallContext): Api.Config => {
  const now = Math.floor(Date.now() / 1000)
  return new Api.Config({
    date: now,
    expires: now + 3600,
    testMode: false,
    thisDc: ctx.dcId,
    dcOptions: ctx.dcs.map((dc) => new Api.DcOption({ id: dc.id, ipAddress: dc.host, port: dc.port })),
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
    webfileDcId: 4
  })
}

export interface StubWorldOptions {
  readonly dcIds?: ReadonlyArray<number>
  readonly scan?: (qrUrl: string, userId: number) => ScanOutcome
  readonly appendMessages?: (messages: ReadonlyArray<unknown>) => void
  readonly mediaBytes?: (peer: string, id: number, owner?: number) => Buffer | undefined
}

export interface StubWorld extends EmulatorWorld {
  /** Every call the world answered, in order: `${dcId} ${className}`. */
  readonly seen: Array<string>
}

export const stubWorld = (handlers: Record<string, StubHandler>, options: StubWorldOptions = {}): StubWorld => {
  const table: Record<string, StubHandler> = {
    "help.GetConfig": (_request, ctx) => configFor(ctx),
    "users.GetUsers": () => [ME],
    ...handlers
  }
  const seen: Array<string> = []
  return {
    seen,
    dcIds: () => options.dcIds ?? [1],
    handle: async (request: { className: string }, ctx) => {
      seen.push(`${ctx.dcId} ${request.className}`)
      const handler = table[request.className]
      return handler === undefined ? undefined : handler(request, ctx)
    },
    scan: options.scan ?? (() => "unknown_token"),
    appendMessages: options.appendMessages ?? (() => undefined),
    mediaBytes: options.mediaBytes ?? (() => undefined)
  }
}
