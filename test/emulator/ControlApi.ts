/**
 * The emulator's control API (emulator contract, "Control API"): HTTP + JSON
 * on loopback, for tests and demos to approve QR logins, read call counts,
 * inject faults, add messages, end logins, read the login codes sent to a
 * phone and fetch media bytes. Errors answer
 * `{"detail": ...}` with a 4xx status.
 *
 * Extensions beyond the contract's table, in its style:
 * | call | effect |
 * |---|---|
 * | `POST /messages` `{"messages":[...]}` | also answers where each message went: `{"status":"ok","added":1,"messages":[{"peer":"channel:3001","owner":null,"id":45,"edited":false}]}` (`owner`: the account whose copy of a private chat or basic group it is) |
 * | `POST /messages` `{"messages":[{"peer":"channel:3001","id":4,"text":"fixed"}]}` | a message whose `peer` and `id` (and `owner`, for private chats and basic groups) name one that exists edits it: the fields given replace the old ones (`null` clears one), the others stay, and `edit_date` is now unless given |
 * | `DELETE /messages` `{"peer":"channel:3001","id":4}` (`"owner"` as for messages) | deletes that message, as if its sender deleted it for everyone: 200 `{"status":"ok","deleted":1}`, 404 when there is no such message, 400 for an invalid body |
 * | `DELETE /messages` `{"peer":"channel:3001","ids":[4,5]}` | deletes those of the messages that exist, as one deletion (one updateDeleteMessages / updateDeleteChannelMessages, pts moves by their number): `{"status":"ok","deleted":2}`, 404 when none exists |
 * | `GET /updates/state?user_id=1001` | the account's update state (Updates.ts) as updates.getState gives it, and the pts of every channel it is in: `{"user_id":1001,"pts":61,"qts":0,"seq":1,"date":1717243200,"unread_count":3,"channels":{"3001":41}}`; 404 for an unknown account |
 * | `GET /updates/changes?user_id=1001&since=60` (or `peer=channel:3001`) | the changes of the account's common box (private chats, basic groups) or of the channel after pts `since`, oldest first, as getDifference / getChannelDifference would give them: `{"changes":[{"pts":61,"pts_count":1,"kind":"new_message","peer":"user:1002","ids":[45],"date":1717243200}]}` (`kind`: `new_message`, `edit_message`, `delete_messages`); 410 when `since` is older than the kept log |
 * | `GET /updates/settings` | `{"difference_limit":1000,"retention":100000,"channel_timeout":30}`: most changes per getDifference before differenceSlice, changes kept per message box (older pts: differenceTooLong / channelDifferenceTooLong), channelDifference `timeout` |
 * | `POST /updates/settings` `{"difference_limit":2}` | changes the settings it names, answers all of them; 400 for an unknown one or a bad value; a smaller retention drops older changes at once |
 * | `POST /faults/updates` `{"drop_pushes":2}` (`"user_id":1001` for one account) | the next 2 pushes (to that account) are not sent; the changes stay in the log for getDifference |
 * | `POST /faults/updates` `{"channel_hole":"channel:3001","count":1}` | the channel's next `count` changes are pushed to nobody: its members see a pts hole on the push after and must call getChannelDifference |
 * | `POST /faults/updates` `{"updates_too_long":true,"user_id":1001}` | pushes `updatesTooLong` to the account's sessions now |
 * | `POST /faults/updates` `{"difference_too_long":1,"user_id":1001}` | the account's next getDifference answers differenceTooLong with the current pts |
 * | `POST /faults/updates` `{"channel_difference_too_long":"channel:3001","count":1}` | the channel's next getChannelDifference (any account) answers channelDifferenceTooLong |
 * | `DELETE /faults/updates` | clears the update faults (`DELETE /faults` clears them too) |
 * | `GET /authorizations` | the logins in force, as Telegram's Settings > Devices lists them: `{"authorizations":[{"id":1,"user_id":1001,"keys":2}]}` (`keys`: the auth keys, one per DC, the login is on); `auth.logOut` on any of its keys ends one |
 * | `POST /authorizations/revoke` `{"user_id":1001}` | the account's phone terminates its sessions ("from another device"): every login of that account ends, and its auth keys answer 401 `AUTH_KEY_UNREGISTERED` to every later call until they log in again: 200 `{"status":"ok","revoked":n}`, 404 for an unknown account |
 * | `POST /faults` `{"method":"messages.GetHistory","error":"Timeout","code":-503}` | with an explicit `code`, the error goes out with that code and any message text (see Faults.ts) |
 * | `GET /realism` | Telegram's imperfections in force (Realism.ts), e.g. `{"short_pages":true,"short_search":false,"timeouts":false,"pinned_across_folders":false,"min_peers":false,"expiring_file_references":false,"file_reference_window_seconds":3600,"clock_offset_seconds":0}` |
 * | `POST /realism` `{"realism":"all"}` (or `"none"`, or `{"min_peers":true,"clock_offset_seconds":-600}`) | `"all"` and `"none"` switch every imperfection on or off; an object changes the ones it names and keeps the others; answers all of them; 400 for an unknown flag or a bad value |
 * | `POST /kick` `{"user_id":1001,"peer":"channel:3001"}` | removes the account from the channel: from then on every call naming it answers 400 CHANNEL_PRIVATE |
 * | `POST /join` (same body) | lets it back in, with the access hash it had |
 * | `POST /folders/include` `{"user_id":1001,"folder_id":2,"peer":"channel:3001"}` | puts the chat into the account's folder (its included peers; out of its excluded ones), as moving a chat into a folder in Telegram does: 200 `{"status":"ok"}`, 400 for an unknown account, folder or peer |
 * | `GET /codes?phone=+15550001001` | the login codes Telegram sent that number (auth.sendCode, auth.resendCode), oldest first, as its owner reads them in the Telegram app or an SMS: `{"phone":"15550001001","codes":[{"code":"40213","type":"app","status":"active","sent_at":"2024-06-01T12:00:00.000Z","expires_at":"...","wrong_attempts":0}]}`; `type` is `app`, `sms` or `call`, `status` `active`, `used`, `expired`, `cancelled` (auth.cancelCode) or `replaced` (a resend); any spelling of the number (`+`, spaces, dashes; `+` as `%2B` in a query); 400 for no phone number, an empty list for a number never sent one |
 * | `POST /file-references/rotate` | every file reference handed out so far goes stale now: upload.getFile with one answers FILE_REFERENCE_EXPIRED, messages fetched again carry new ones |
 * | `GET /rate` | the rate budgets in force (RateLimits.ts) and what each account spent of each since they were set: `{"limits":["messages.GetHistory=30/s,burst=60"],"usage":[{"account":"1001","method":"messages.GetHistory","allowed":412,"flood_waits":3,"longest_flood_wait":1,"window_seconds":12.1,"budget":423,"used":0.974}]}` (`budget`: burst + rate x the time from the account's first call to its last; `used`: allowed / budget) |
 * | `POST /rate` `{"limits":["messages.GetHistory=30/s,burst=60"]}` (or `{"method","per_second","burst"}` objects; `[]` for none; `takeout:<method>` for that method within a takeout) | replaces the budgets: each account's bucket per method holds `burst` calls and refills at the rate; a call finding it empty answers 420 `FLOOD_WAIT_n` (n: seconds until a token, rounded up); buckets start full and the usage afresh; answers as `GET /rate`; 400 for an invalid limit |
 * | `GET /latency` | the delay on every RPC answer (Latency.ts): `{"ms":150,"jitter_ms":20}` |
 * | `POST /latency` `{"latency":"150ms±20ms"}` (or `{"ms":150,"jitter_ms":20}`, `0` for none) | sets it; each answer leaves that long after its request came, without holding up any other call; 400 for a bad value |
 * | `GET /takeout` | takeout sessions (Takeouts.ts): `{"delay_seconds":0,"confirmed":[1001],"sessions":[{"id":"…","user_id":1001,"scope":["message_channels"],"file_max_size":null,"active":false,"success":true}]}` |
 * | `POST /takeout` `{"delay_seconds":86400}` | from now on a first account.initTakeoutSession of an account answers 420 `TAKEOUT_INIT_DELAY_n` until the user confirms or the delay has passed since that first call; every account has to confirm again |
 * | `POST /takeout/confirm` `{"user_id":1001}` | the user confirms the data export in another app: that account's next initTakeoutSession succeeds; 404 for an account that never asked |
 *
 * Every message posted, edited or deleted here moves the pts of its message
 * box and is pushed at once to the connected sessions of the accounts that
 * see its dialog (Updates.ts).
 *
 * An edit that gives other media keeps the file's id (file ids derive from
 * the message), so edits model changed text and fields, not replaced files.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import type { Dispatcher } from "./Dispatcher.js"
import { parseFault } from "./Faults.js"
import { parseLatency } from "./Latency.js"
import { formatRateLimit, parseRateLimits } from "./RateLimits.js"
import { type EmulatorWorld, ScenarioError } from "./RpcContext.js"

export interface ControlApi {
  readonly url: string
  readonly close: () => Promise<void>
}

const MAX_BODY = 256 * 1024 * 1024

class HttpProblem extends Error {
  constructor(readonly status: number, detail: string) {
    super(detail)
  }
}

const sendJson = (res: http.ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body)
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
  res.end(text)
}

const readJson = (req: http.IncomingMessage): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY) {
        reject(new HttpProblem(413, "request body too large"))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on("error", reject)
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8")
      try {
        resolve(JSON.parse(text))
      } catch {
        reject(new HttpProblem(400, "the request body is not valid JSON"))
      }
    })
  })

const objectBody = async (req: http.IncomingMessage): Promise<Record<string, unknown>> => {
  const body = await readJson(req)
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpProblem(400, "the request body must be a JSON object")
  }
  return body as Record<string, unknown>
}

const integerParam = (url: URL, name: string, required: boolean): number | undefined => {
  const text = url.searchParams.get(name)
  if (text === null || text === "") {
    if (required) throw new HttpProblem(400, `query parameter ${name} is required`)
    return undefined
  }
  if (!/^-?\d+$/.test(text)) throw new HttpProblem(400, `query parameter ${name} must be an integer, got ${JSON.stringify(text)}`)
  return Number(text)
}

/** Runs a world call, turning its ScenarioError (invalid input) into a 400. */
const scenarioCall = <A>(call: () => A): A => {
  try {
    return call()
  } catch (error) {
    if (error instanceof ScenarioError) throw new HttpProblem(400, error.message)
    throw error
  }
}

export const startControlApi = async (
  world: EmulatorWorld,
  dispatcher: Dispatcher,
  options: { readonly host: string; readonly port: number; readonly log: (message: string) => void }
): Promise<ControlApi> => {
  const membership = async (req: http.IncomingMessage, res: http.ServerResponse, join: boolean) => {
    const body = await objectBody(req)
    if (world.kick === undefined) throw new HttpProblem(501, "this world cannot remove an account from a channel")
    try {
      world.kick(body, join)
    } catch (error) {
      if (error instanceof ScenarioError) throw new HttpProblem(400, error.message)
      throw error
    }
    sendJson(res, 200, { status: "ok" })
  }

  const rateView = () => ({
    limits: dispatcher.rateLimits().map(formatRateLimit),
    usage: dispatcher.rateUsage().map((u) => ({
      account: u.account,
      method: u.method,
      allowed: u.allowed,
      flood_waits: u.floodWaits,
      longest_flood_wait: u.longestFloodWait,
      window_seconds: Number(u.windowSeconds.toFixed(3)),
      budget: Number(u.budget.toFixed(3)),
      used: Number(u.used.toFixed(4))
    }))
  })
  const latencyView = () => ({ ms: dispatcher.latency.ms, jitter_ms: dispatcher.latency.jitterMs })
  const takeouts = () => {
    if (world.takeouts === undefined) throw new HttpProblem(501, "this world has no takeout sessions")
    return world.takeouts
  }

  const routes: Record<string, (req: http.IncomingMessage, url: URL, res: http.ServerResponse) => Promise<void> | void> = {
    "GET /health": (_req, _url, res) => sendJson(res, 200, { status: "ok" }),
    "POST /scan": async (req, _url, res) => {
      const body = await objectBody(req)
      const qrUrl = body.qr_url
      const userId = body.user_id
      if (typeof qrUrl !== "string" || qrUrl === "") throw new HttpProblem(400, "qr_url: expected a tg://login?token=... URL")
      if (typeof userId !== "number" || !Number.isSafeInteger(userId)) throw new HttpProblem(400, "user_id: expected an integer")
      const outcome = world.scan(qrUrl, userId)
      switch (outcome) {
        case "approved":
          return sendJson(res, 200, { status: "ok" })
        case "unknown_token":
          throw new HttpProblem(404, "unknown QR login token")
        case "expired_token":
          throw new HttpProblem(410, "the QR login token has expired")
        case "unknown_user":
          throw new HttpProblem(404, `no account for user ${userId}`)
      }
    },
    "GET /codes": (_req, url, res) => {
      if (world.codesFor === undefined) throw new HttpProblem(501, "this world sends no login codes")
      // A literal `+` in a query string reads as a space: every spelling is the same number.
      const phone = url.searchParams.get("phone") ?? ""
      const codes = world.codesFor(phone)
      if (codes === undefined) throw new HttpProblem(400, `query parameter phone must be a phone number, got ${JSON.stringify(phone)}`)
      sendJson(res, 200, {
        phone: phone.replace(/\D/g, ""),
        codes: codes.map((c) => ({
          code: c.code,
          type: c.type,
          status: c.status,
          sent_at: new Date(c.sentAt).toISOString(),
          expires_at: new Date(c.expiresAt).toISOString(),
          wrong_attempts: c.wrongAttempts
        }))
      })
    },
    "GET /calls": (_req, _url, res) => sendJson(res, 200, dispatcher.calls()),
    "POST /calls/reset": (_req, _url, res) => {
      dispatcher.resetCalls()
      sendJson(res, 200, { status: "ok" })
    },
    "POST /faults": async (req, _url, res) => {
      const fault = parseFault(await readJson(req))
      if (typeof fault === "string") throw new HttpProblem(400, fault)
      dispatcher.addFault(fault)
      sendJson(res, 200, { status: "ok", fault })
    },
    "DELETE /faults": (_req, _url, res) => {
      dispatcher.clearFaults()
      world.clearUpdateFaults?.()
      sendJson(res, 200, { status: "ok" })
    },
    "GET /rate": (_req, _url, res) => sendJson(res, 200, rateView()),
    "POST /rate": async (req, _url, res) => {
      const body = await objectBody(req)
      const limits = parseRateLimits(body.limits)
      if (!Array.isArray(body.limits) || typeof limits === "string") {
        throw new HttpProblem(400, `limits: ${typeof limits === "string" ? limits : "expected an array such as [\"messages.GetHistory=30/s,burst=60\"]"}`)
      }
      dispatcher.setRateLimits(limits)
      sendJson(res, 200, rateView())
    },
    "GET /latency": (_req, _url, res) => sendJson(res, 200, latencyView()),
    "POST /latency": async (req, _url, res) => {
      const body = await objectBody(req)
      if (!Object.hasOwn(body, "latency")) throw new HttpProblem(400, "latency: expected a latency such as \"150ms±20ms\"")
      const latency = parseLatency(body.latency)
      if (typeof latency === "string") throw new HttpProblem(400, `latency: ${latency}`)
      dispatcher.setLatency(latency)
      sendJson(res, 200, latencyView())
    },
    "GET /takeout": (_req, _url, res) => sendJson(res, 200, takeouts().view()),
    "POST /takeout": async (req, _url, res) => {
      const body = await objectBody(req)
      const delay = body.delay_seconds
      if (typeof delay !== "number" || !Number.isInteger(delay) || delay < 0 || delay > 31_536_000) {
        throw new HttpProblem(400, "delay_seconds: expected an integer 0-31536000")
      }
      takeouts().setDelay(delay)
      sendJson(res, 200, takeouts().view())
    },
    "POST /takeout/confirm": async (req, _url, res) => {
      const body = await objectBody(req)
      const userId = body.user_id
      if (typeof userId !== "number" || !Number.isSafeInteger(userId)) throw new HttpProblem(400, "user_id: expected an integer")
      if (!takeouts().confirm(userId)) throw new HttpProblem(404, `account ${userId} has not asked for a takeout session`)
      sendJson(res, 200, { status: "ok" })
    },
    "POST /messages": async (req, _url, res) => {
      const body = await objectBody(req)
      if (!Array.isArray(body.messages)) throw new HttpProblem(400, "messages: expected an array of scenario messages")
      const placed = scenarioCall(() => world.appendMessages(body.messages as Array<unknown>))
      sendJson(res, 200, { status: "ok", added: body.messages.length, ...(placed === undefined ? {} : { messages: placed }) })
    },
    "DELETE /messages": async (req, _url, res) => {
      const body = await objectBody(req)
      const remove = world.deleteMessages ?? (world.deleteMessage === undefined ? undefined : (b: unknown) => (world.deleteMessage!(b) ? 1 : 0))
      if (remove === undefined) throw new HttpProblem(501, "this world cannot delete messages")
      const deleted = scenarioCall(() => remove(body))
      if (deleted === 0) throw new HttpProblem(404, `no message ${String(body.id ?? body.ids)} in ${String(body.peer)}`)
      sendJson(res, 200, { status: "ok", deleted })
    },
    "GET /updates/state": (_req, url, res) => {
      const userId = integerParam(url, "user_id", true)!
      if (world.updateState === undefined) throw new HttpProblem(501, "this world keeps no update state")
      const state = world.updateState(userId)
      if (state === undefined) throw new HttpProblem(404, `no account for user ${userId}`)
      sendJson(res, 200, {
        user_id: userId,
        pts: state.pts,
        qts: state.qts,
        seq: state.seq,
        date: state.date,
        unread_count: state.unreadCount,
        channels: Object.fromEntries([...state.channels].map(([id, pts]) => [String(id), pts]))
      })
    },
    "GET /updates/changes": (_req, url, res) => {
      const userId = integerParam(url, "user_id", false)
      const peer = url.searchParams.get("peer") ?? undefined
      const since = integerParam(url, "since", true)!
      if (world.updateChanges === undefined) throw new HttpProblem(501, "this world keeps no update log")
      const changes = scenarioCall(() =>
        world.updateChanges!({ ...(userId === undefined ? {} : { userId }), ...(peer === undefined ? {} : { peer }) }, since)
      )
      if (changes === "too_old") throw new HttpProblem(410, `pts ${since} is older than the kept log (or newer than the box's)`)
      sendJson(res, 200, {
        changes: changes.map((c) => ({ pts: c.pts, pts_count: c.ptsCount, kind: c.kind, peer: c.peer, ids: c.ids, date: c.date }))
      })
    },
    "GET /updates/settings": (_req, _url, res) => {
      if (world.updateSettings === undefined) throw new HttpProblem(501, "this world keeps no update state")
      sendJson(res, 200, world.updateSettings())
    },
    "POST /updates/settings": async (req, _url, res) => {
      const body = await objectBody(req)
      if (world.updateSettings === undefined) throw new HttpProblem(501, "this world keeps no update state")
      const settings = world.updateSettings(body)
      if (typeof settings === "string") throw new HttpProblem(400, settings)
      sendJson(res, 200, settings)
    },
    "POST /faults/updates": async (req, _url, res) => {
      const body = await objectBody(req)
      if (world.addUpdateFaults === undefined) throw new HttpProblem(501, "this world has no update faults")
      scenarioCall(() => world.addUpdateFaults!(body))
      sendJson(res, 200, { status: "ok" })
    },
    "DELETE /faults/updates": (_req, _url, res) => {
      world.clearUpdateFaults?.()
      sendJson(res, 200, { status: "ok" })
    },
    "GET /authorizations": (_req, _url, res) => {
      if (world.authorizations === undefined) throw new HttpProblem(501, "this world has no authorizations to list")
      sendJson(res, 200, { authorizations: world.authorizations().map((a) => ({ id: a.id, user_id: a.userId, keys: a.keys })) })
    },
    "POST /authorizations/revoke": async (req, _url, res) => {
      const body = await objectBody(req)
      if (world.revokeAuthorizations === undefined) throw new HttpProblem(501, "this world cannot revoke authorizations")
      const userId = body.user_id
      if (typeof userId !== "number" || !Number.isSafeInteger(userId)) throw new HttpProblem(400, "user_id: expected an integer")
      const revoked = world.revokeAuthorizations(userId)
      if (revoked === undefined) throw new HttpProblem(404, `no account for user ${userId}`)
      sendJson(res, 200, { status: "ok", revoked })
    },
    "GET /realism": (_req, _url, res) => {
      if (world.realism === undefined) throw new HttpProblem(501, "this world has no realistic mode")
      sendJson(res, 200, world.realism)
    },
    "POST /realism": async (req, _url, res) => {
      const body = await objectBody(req)
      if (world.setRealism === undefined) throw new HttpProblem(501, "this world has no realistic mode")
      if (!Object.hasOwn(body, "realism")) throw new HttpProblem(400, "realism: expected \"all\", \"none\" or an object of flags")
      const realism = world.setRealism(body.realism)
      if (typeof realism === "string") throw new HttpProblem(400, `realism: ${realism}`)
      sendJson(res, 200, realism)
    },
    "POST /kick": (req, _url, res) => membership(req, res, false),
    "POST /join": (req, _url, res) => membership(req, res, true),
    "POST /folders/include": async (req, _url, res) => {
      const body = await objectBody(req)
      if (world.includeInFolder === undefined) throw new HttpProblem(501, "this world cannot change folders")
      try {
        world.includeInFolder(body)
      } catch (error) {
        if (error instanceof ScenarioError) throw new HttpProblem(400, error.message)
        throw error
      }
      sendJson(res, 200, { status: "ok" })
    },
    "POST /file-references/rotate": (_req, _url, res) => {
      if (world.rotateFileReferences === undefined) throw new HttpProblem(501, "this world cannot rotate file references")
      world.rotateFileReferences()
      sendJson(res, 200, { status: "ok" })
    },
    "GET /media": (_req, url, res) => {
      const peer = url.searchParams.get("peer")
      if (peer === null || !/^(user|chat|channel):\d+$/.test(peer)) {
        throw new HttpProblem(400, "query parameter peer must look like user:<id>, chat:<id> or channel:<id>")
      }
      const id = integerParam(url, "id", true)!
      const owner = integerParam(url, "owner", false)
      const bytes = world.mediaBytes(peer, id, owner)
      if (bytes === undefined) throw new HttpProblem(404, `no media for message ${id} in ${peer}`)
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.length })
      res.end(bytes)
    }
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost")
    const route = routes[`${req.method} ${url.pathname}`]
    const fail = (error: unknown) => {
      if (res.headersSent) {
        res.destroy()
        return
      }
      if (error instanceof HttpProblem) return sendJson(res, error.status, { detail: error.message })
      options.log(`control API ${req.method} ${url.pathname} failed: ${error instanceof Error ? error.stack : String(error)}`)
      sendJson(res, 500, { detail: `the emulator failed: ${error instanceof Error ? error.message : String(error)}` })
    }
    if (route === undefined) return fail(new HttpProblem(404, `no route ${req.method} ${url.pathname}`))
    try {
      Promise.resolve(route(req, url, res)).catch(fail)
    } catch (error) {
      fail(error)
    }
  })

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port, options.host, () => {
      server.off("error", reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  let closing: Promise<void> | undefined
  return {
    url: `http://${options.host}:${port}`,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closing
    }
  }
}
