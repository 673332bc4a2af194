/**
 * Background sync jobs end to end (issue 17, item 4): POST /api/v3/sync/{dialog_id}
 * starts a fill of a range into the cache, GET /api/v3/sync/{job_id} follows
 * it, DELETE cancels it. The sample world with the 30k-message Firehose
 * channel, the server in process with an admin token and `--flood-threshold 2`
 * (a FLOOD_WAIT_1 is waited out, a FLOOD_WAIT_30 fails the job with 429);
 * Telegram calls counted by the emulator's /calls, faults from its /faults.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ALICE, BIG_CHANNEL, BOB, type McpWorld, startMcpWorld } from "../mcp/McpFixture.js"
import { parseSse } from "../support/Sse.js"
import { createToken } from "../support/TokenCli.js"

const ADMIN = "sync-jobs-admin-4417"
const CRYPTO = -1000000003001
const OLD_STUFF = -1000000003004
const GET_HISTORY = "messages.GetHistory"

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

let w: McpWorld

beforeAll(async () => {
  w = await startMcpWorld({ env: { TGSC_API_TOKEN: ADMIN }, args: ["--flood-threshold", "2"] })
  await w.login(ALICE, 1001)
  await w.login(BOB, 1002, "hunter2")
}, 60_000)

afterAll(async () => {
  await w?.stop()
})

const call = async (method: string, target: string, options: { session?: string; token?: string } = {}) => {
  const res = await fetch(w.url + target, {
    method,
    headers: { authorization: `Bearer ${options.token ?? ADMIN}`, "x-telegram-username": options.session ?? ALICE }
  })
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json }
}
const control = (target: string, init?: RequestInit) => fetch(w.emulator.control + target, init)
const calls = async (method: string): Promise<number> =>
  ((await (await control("/calls")).json()) as Record<string, number>)[method] ?? 0
const fault = async (spec: { method: string; error: string; times?: number; after?: number }) => {
  const res = await control("/faults", { method: "POST", body: JSON.stringify(spec) })
  expect(res.status).toBe(200)
}

/** Polls the job until it is no longer running. */
const settled = async (jobId: string, session = ALICE): Promise<Json> => {
  for (let i = 0; i < 1200; i++) {
    const res = await call("GET", `/api/v3/sync/${jobId}`, { session })
    expect(res.status).toBe(200)
    if (res.body.state !== "running") return res.body
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`job ${jobId} still running`)
}

describe("POST /api/v3/sync/{dialog_id}", () => {
  it("fills the range into the cache in the background: then a history request of it asks Telegram nothing", async () => {
    const range = "start_date=2020-01-01&end_date=2021-01-01"
    const started = await call("POST", `/api/v3/sync/${OLD_STUFF}?${range}`)
    expect(started.status).toBe(202)
    expect(started.body).toMatchObject({
      job_id: expect.any(String),
      dialog_id: OLD_STUFF,
      state: "running",
      start_date: "2020-01-01 00:00:00",
      end_date: "2021-01-01 00:00:00",
      force_refresh: false,
      error: null,
      finished_at: null
    })
    const done = await settled(started.body.job_id)
    expect(done).toMatchObject({ job_id: started.body.job_id, state: "done", error: null })
    expect(done.messages).toBeGreaterThan(100)
    expect(done.fetched).toBe(done.messages)
    expect(done.reached >= "2020-12-01" && done.reached < "2021-01-01").toBe(true)
    expect(done.finished_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)

    const before = await calls(GET_HISTORY)
    const res = await fetch(`${w.url}/api/v3/history/${OLD_STUFF}?${range}`, {
      headers: { authorization: `Bearer ${ADMIN}`, "x-telegram-username": ALICE }
    })
    expect(res.status).toBe(200)
    const events = parseSse(await res.text()).events
    const messages = events.filter((e) => e.event === "message").flatMap((e) => (e.data as Json).messages)
    expect(messages.length).toBe(done.messages)
    expect(await calls(GET_HISTORY)).toBe(before)
  })

  it("the same range while its job runs gives that job; DELETE cancels it", async () => {
    // Rate limits below the threshold, waited out: the job is surely still running when asked again.
    await fault({ method: GET_HISTORY, error: "FLOOD_WAIT_1", times: 3, after: 1 })
    const first = await call("POST", `/api/v3/sync/${BIG_CHANNEL}?end_date=2023-06-01`)
    expect(first.status).toBe(202)
    const again = await call("POST", `/api/v3/sync/${BIG_CHANNEL}?end_date=2023-06-01`)
    expect(again.status).toBe(202)
    expect(again.body.job_id).toBe(first.body.job_id)
    expect(again.body.state).toBe("running")
    // Another range is another job.
    const other = await call("POST", `/api/v3/sync/${BIG_CHANNEL}?end_date=2023-06-01&force_refresh=true`)
    expect(other.body.job_id).not.toBe(first.body.job_id)
    expect((await call("DELETE", `/api/v3/sync/${other.body.job_id}`)).body.state).toBe("cancelled")

    const cancelled = await call("DELETE", `/api/v3/sync/${first.body.job_id}`)
    expect(cancelled.status).toBe(200)
    expect(cancelled.body).toMatchObject({ job_id: first.body.job_id, state: "cancelled", error: null })
    expect(cancelled.body.messages).toBeLessThan(30_000)
    expect(cancelled.body.finished_at).not.toBeNull()
    const after = await call("GET", `/api/v3/sync/${first.body.job_id}`)
    expect(after.body).toEqual(cancelled.body)
    // Cancelled, it asks Telegram nothing more.
    const calm = await calls(GET_HISTORY)
    await new Promise((r) => setTimeout(r, 300))
    expect(await calls(GET_HISTORY)).toBe(calm)
    // A finished job is left as it is; a new POST starts a new job.
    expect((await call("DELETE", `/api/v3/sync/${first.body.job_id}`)).body).toEqual(cancelled.body)
    await control("/faults", { method: "DELETE" })
  })

  it("a rate limit below the flood threshold is waited out, shown meanwhile as rate_limit_wait", async () => {
    await fault({ method: GET_HISTORY, error: "FLOOD_WAIT_1", times: 2, after: 1 })
    const started = await call("POST", `/api/v3/sync/${OLD_STUFF}?start_date=2021-01-01&end_date=2022-01-01`)
    expect(started.status).toBe(202)
    expect(started.body.rate_limit_wait).toBe(0)
    let waits = 0
    let job: Json = started.body
    while (job.state === "running") {
      await new Promise((r) => setTimeout(r, 50))
      job = (await call("GET", `/api/v3/sync/${started.body.job_id}`)).body
      if (job.rate_limit_wait > 0) waits++
    }
    expect(waits).toBeGreaterThan(0)
    expect(job).toMatchObject({ state: "done", error: null, rate_limit_wait: 0 })
    expect(job.messages).toBeGreaterThan(100)
  })

  it("a rate limit beyond the flood threshold fails the job with 429 and retry_after", async () => {
    await fault({ method: GET_HISTORY, error: "FLOOD_WAIT_30", after: 1 })
    const started = await call("POST", `/api/v3/sync/${BIG_CHANNEL}?start_date=2022-01-01&end_date=2023-01-01`)
    expect(started.status).toBe(202)
    const failed = await settled(started.body.job_id)
    expect(failed.state).toBe("failed")
    expect(failed.error).toEqual({ detail: expect.stringMatching(/30/), status: 429, retry_after: 30 })
    expect(failed.finished_at).not.toBeNull()
    await control("/faults", { method: "DELETE" })
  })

  it("at most 8 jobs run at once per session: a ninth is a 429 with Retry-After", async () => {
    // Waited-out rate limits keep them running while they are counted.
    await fault({ method: GET_HISTORY, error: "FLOOD_WAIT_1", times: 40 })
    const ids: Array<string> = []
    try {
      // Eight days inside the channel's history, each needing Telegram.
      for (let month = 1; month <= 8; month++) {
        const res = await call("POST", `/api/v3/sync/${BIG_CHANNEL}?start_date=2021-0${month}-01&end_date=2021-0${month}-02`)
        expect(res.status).toBe(202)
        expect(res.body.state).toBe("running")
        ids.push(res.body.job_id)
      }
      const ninth = await call("POST", `/api/v3/sync/${CRYPTO}`)
      expect(ninth.status).toBe(429)
      expect(ninth.headers.get("retry-after")).not.toBeNull()
      // Another session's jobs are counted apart.
      const bobs = await call("POST", "/api/v3/sync/1001", { session: BOB })
      expect(bobs.status).toBe(202)
      ids.push(bobs.body.job_id)
    } finally {
      for (const [i, id] of ids.entries()) await call("DELETE", `/api/v3/sync/${id}`, { session: i === 8 ? BOB : ALICE })
      await control("/faults", { method: "DELETE" })
    }
  })

  it("400 for bad parameters, naming them", async () => {
    for (const [target, name] of [
      [`/api/v3/sync/${CRYPTO}?start_date=nope`, "start_date"],
      [`/api/v3/sync/${CRYPTO}?end_date=2020-13-01`, "end_date"],
      [`/api/v3/sync/${CRYPTO}?force_refresh=maybe`, "force_refresh"],
      [`/api/v3/sync/${CRYPTO}?start_date=2021-01-01&end_date=2020-01-01`, "start_date"],
      ["/api/v3/sync/abc", "dialog_id"],
      ["/api/v3/sync/0", "dialog_id"]
    ] as const) {
      const res = await call("POST", target)
      expect(res.status, target).toBe(400)
      expect(res.body.detail, target).toContain(name)
    }
  })

  it("a dialog the account does not list starts a job (as a history request would start), which fails with 404", async () => {
    const started = await call("POST", "/api/v3/sync/-1009999999999")
    expect(started.status).toBe(202)
    const failed = await settled(started.body.job_id)
    expect(failed).toMatchObject({ state: "failed", error: { status: 404, detail: expect.any(String) } })
  })
})

describe("jobs are per session and under the request's scope", () => {
  it("404 for an unknown job id and for another session's job", async () => {
    const unknown = await call("GET", "/api/v3/sync/00000000-0000-0000-0000-000000000000")
    expect(unknown.status).toBe(404)
    expect(unknown.body.detail).toContain("not found")
    expect((await call("DELETE", "/api/v3/sync/nope")).status).toBe(404)

    const mine = await call("POST", `/api/v3/sync/${CRYPTO}`)
    expect(mine.status).toBe(202)
    expect((await call("GET", `/api/v3/sync/${mine.body.job_id}`, { session: BOB })).status).toBe(404)
    expect((await call("DELETE", `/api/v3/sync/${mine.body.job_id}`, { session: BOB })).status).toBe(404)
    expect((await settled(mine.body.job_id)).state).toBe("done")
  })

  it("a scoped token may sync only the dialogs its scope admits, and sees only their jobs", async () => {
    const agent = await createToken(w.server.dataDir, "agent", ["--session", ALICE, "--scope", `dialog:${CRYPTO}`])
    const outside = await call("POST", `/api/v3/sync/${OLD_STUFF}`, { token: agent })
    expect(outside.status).toBe(404)
    const inside = await call("POST", `/api/v3/sync/${CRYPTO}?start_date=2024-01-01`, { token: agent })
    expect(inside.status).toBe(202)
    expect((await settled(inside.body.job_id)).state).toBe("done")
    // The admin's job for a dialog outside the scope is as unknown to the agent.
    const admins = await call("POST", `/api/v3/sync/${OLD_STUFF}?start_date=2019-01-01&end_date=2019-02-01`)
    expect((await call("GET", `/api/v3/sync/${admins.body.job_id}`, { token: agent })).status).toBe(404)
    expect((await call("GET", `/api/v3/sync/${inside.body.job_id}`, { token: agent })).status).toBe(200)
  })

  it("shows in /openapi.json", async () => {
    const spec = await call("GET", "/openapi.json")
    expect(Object.keys(spec.body.paths["/api/v3/sync/{dialog_id}"])).toContain("post")
    expect(Object.keys(spec.body.paths["/api/v3/sync/{job_id}"]).sort()).toEqual(["delete", "get"])
    expect(spec.body.paths["/api/v3/sync/{dialog_id}"].post.responses["202"]).toBeDefined()
  })
})
