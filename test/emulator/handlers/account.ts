/**
 * account.* methods: the 2FA password parameters (also asked before login,
 * while a QR login waits for the password) and the presence ping.
 */
import type { Api } from "telegram"
import type { HandlerTable } from "./Handler.js"

export const accountHandlers: HandlerTable = {
  "account.GetPassword": (_req: Api.account.GetPassword, ctx, world) => world.logins.getPassword(ctx),
  "account.UpdateStatus": (_req: Api.account.UpdateStatus, ctx, world) => {
    world.viewOf(ctx)
    return true
  }
}
