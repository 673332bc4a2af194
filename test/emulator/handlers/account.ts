/**
 * account.* methods: the 2FA password parameters (also asked before login,
 * while a QR login waits for the password), the presence ping, and
 * takeout sessions (Takeouts.ts).
 */
import type { Api } from "telegram"
import type { HandlerTable } from "./Handler.js"

export const accountHandlers: HandlerTable = {
  "account.GetPassword": (_req: Api.account.GetPassword, ctx, world) => world.logins.getPassword(ctx),
  "account.UpdateStatus": (_req: Api.account.UpdateStatus, ctx, world) => {
    world.viewOf(ctx)
    return true
  },
  "account.InitTakeoutSession": (req: Api.account.InitTakeoutSession, ctx, world) =>
    world.takeouts.init(world.viewOf(ctx).account.userId, req),
  "account.FinishTakeoutSession": (req: Api.account.FinishTakeoutSession, ctx, world) =>
    world.takeouts.finish(ctx.takeoutId, world.viewOf(ctx).account.userId, req.success === true)
}
