import { describe, expect, it } from "vitest"
import {
  folderNotFoundDetail,
  HTTP_WAY_IN,
  MCP_WAY_IN,
  mediaNotAvailableDetail,
  revokedDetail,
  telegramFailure
} from "../../src/contract/FailureDetails.js"
import { FolderNotFound } from "../../src/domain/FolderMembership.js"
import { DialogId } from "../../src/domain/Ids.js"
import { PeerNotFound, SessionRevoked, TakeoutDelayed, TelegramUnavailable, UserNotFound } from "../../src/ports/TelegramGateway.js"

const revoked = new SessionRevoked({ session: "alice", reason: "AUTH_KEY_UNREGISTERED" })
const skipped = { _tag: "MediaNotDownloaded", uuid: "u-1", status: "skipped", reason: "video over the size limit", path: null } as const
const HTTP_PATH = /\b(GET|POST|PATCH|DELETE) \/api\//

describe("failure details, per transport", () => {
  it("HTTP names the routes, as the API always answered", () => {
    expect(revokedDetail(revoked, HTTP_WAY_IN)).toBe(
      "Session 'alice' is no longer authorised by Telegram (AUTH_KEY_UNREGISTERED): log in again with " +
        "POST /api/v3/auth/qr {\"username\": \"alice\", \"force\": true}"
    )
    expect(folderNotFoundDetail(new FolderNotFound({ folder: "Nope" }), HTTP_WAY_IN)).toBe(
      "Folder 'Nope' not found: give a folder id or title from GET /api/v3/folders (0 is All Chats)"
    )
    expect(mediaNotAvailableDetail(skipped, HTTP_WAY_IN)).toBe(
      "Media u-1 was not downloaded: skipped by settings (video over the size limit). " +
        "Allow it with PATCH /api/v3/settings, then request the dialog's history again (repair_media fetches it)"
    )
    expect(telegramFailure(revoked, HTTP_WAY_IN)).toEqual({ kind: "Unauthorized", detail: revokedDetail(revoked, HTTP_WAY_IN) })
  })

  it("MCP names tools and the person running the server, never an HTTP route", () => {
    const revokedText = telegramFailure(revoked, MCP_WAY_IN).detail
    expect(revokedText).toBe(
      "Session 'alice' is no longer authorised by Telegram (AUTH_KEY_UNREGISTERED): the account's owner must log in again " +
        "(tgsc-auth alice --force, or the server's login page)"
    )
    const folder = folderNotFoundDetail(new FolderNotFound({ folder: "Nope" }), MCP_WAY_IN)
    expect(folder).toBe("Folder 'Nope' not found: give a folder id or title from the list_folders tool (0 is All Chats)")
    const media = mediaNotAvailableDetail(skipped, MCP_WAY_IN)
    for (const text of [revokedText, folder, media]) expect(text).not.toMatch(HTTP_PATH)
    expect(media).not.toMatch(/repair_media/)
  })

  it("the errors' own messages are the shared wording", () => {
    expect(telegramFailure(new PeerNotFound({ dialogId: DialogId(-5) }), MCP_WAY_IN).detail).toBe("Dialog -5 not found: this account cannot see it")
    expect(telegramFailure(new UserNotFound({ userId: 7 }), HTTP_WAY_IN).detail).toBe(
      "Invalid parameter 'from_user': user 7 is not known to this account (not in its dialogs, nor among this chat's members or recent senders)"
    )
    expect(telegramFailure(new TelegramUnavailable({ reason: "timeout" }), HTTP_WAY_IN).detail).toBe("Telegram could not be reached: timeout")
  })

  it("a delayed takeout: a rate limit with the wait, saying what the owner can do, each transport its own way out", () => {
    const delayed = new TakeoutDelayed({ seconds: 86_400 })
    const http = telegramFailure(delayed, HTTP_WAY_IN)
    expect(http).toEqual({
      kind: "RateLimited",
      retryAfter: 86_400,
      detail: "Telegram has asked the account's owner to confirm the data export that use_takeout starts: confirm it in " +
        "another Telegram app logged into this account (Telegram sends the request there as a message from Telegram), " +
        "then retry; or wait 86400 seconds, after which Telegram allows it by itself; or turn use_takeout off with " +
        "PATCH /api/v3/settings {\"use_takeout\": false} to sync without it."
    })
    const mcp = telegramFailure(delayed, MCP_WAY_IN)
    expect(mcp.detail).not.toMatch(HTTP_PATH)
    expect(mcp.detail).toMatch(/or the person running the server can turn use_takeout off to sync without it\.$/)
  })
})
