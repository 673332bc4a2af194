/**
 * GET/PATCH /api/v3/settings against the real server, persistence in
 * settings.yaml included. The server runs in this process, as tgsc-server
 * runs it from its command line (a fresh one for each test about start-up
 * or a changed state: starting takes milliseconds here); an invalid
 * settings file is tested on the tgsc-server process, whose exit code and
 * message are the point.
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import YAML from "yaml"
import { type InProcessServer, startInProcessServer } from "../support/InProcessServer.js"
import { makeTempDir, runServerCommand, seedSession } from "../support/ServerProcess.js"
import { json } from "../support/http.js"

const DEFAULTS = {
  download_media: true,
  max_media_size_mb: 20,
  telegram_batch_size: 100,
  repair_media: true,
  download_file_types: {
    photos: true,
    videos: false,
    voice_messages: true,
    video_messages: true,
    stickers: true,
    gifs: true,
    files: true
  },
  sync_concurrency: 8,
  use_takeout: false,
  follow_updates: false
}

const headers = { "X-Telegram-Username": "alice", "content-type": "application/json" }

describe("settings", () => {
  /** Data directories and seed files of this describe, removed after it. */
  let dirs: string
  beforeAll(async () => {
    dirs = await makeTempDir("tgsc-settings-")
  })
  afterAll(async () => {
    await fs.rm(dirs, { recursive: true, force: true })
  })
  const servers: Array<InProcessServer> = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()))
  })
  const start = async (dataDir?: string, args: Array<string> = []) => {
    const s = await startInProcessServer({ dataDir: dataDir ?? (await fs.mkdtemp(path.join(dirs, "data-"))), args })
    await seedSession(s.dataDir, "alice")
    servers.push(s)
    return s
  }
  const patch = (s: InProcessServer, body: string) =>
    fetch(s.url + "/api/v3/settings", { method: "PATCH", headers, body })
  const read = async (s: InProcessServer) => json(await fetch(s.url + "/api/v3/settings", { headers }))

  it("starts with the defaults and writes them to settings.yaml", async () => {
    const s = await start()
    expect(await read(s)).toEqual(DEFAULTS)
    const file = YAML.parse(await fs.readFile(path.join(s.dataDir, "settings.yaml"), "utf8"))
    expect(file).toEqual(DEFAULTS)
  })

  it("a partial update changes only the given fields, merges download_file_types, and survives a restart", async () => {
    const s = await start()
    const res = await patch(
      s,
      JSON.stringify({ download_media: false, max_media_size_mb: 50, download_file_types: { videos: true }, use_takeout: true })
    )
    expect(res.status).toBe(200)
    const expected = {
      ...DEFAULTS,
      download_media: false,
      max_media_size_mb: 50,
      download_file_types: { ...DEFAULTS.download_file_types, videos: true },
      use_takeout: true
    }
    expect(await json(res)).toEqual(expected)
    expect(await read(s)).toEqual(expected)
    await s.stop()
    servers.length = 0
    const again = await start(s.dataDir)
    expect(await read(again)).toEqual(expected)
  })

  it("a JSON body sent without Content-Type: application/json (curl -d, or none) is a 415 and changes nothing", async () => {
    const s = await start()
    for (const contentType of ["application/x-www-form-urlencoded", null]) {
      // A Blob without a type sends no Content-Type.
      const body = contentType === null ? new Blob([JSON.stringify({ download_media: false })]) : JSON.stringify({ repair_media: false })
      const res = await fetch(s.url + "/api/v3/settings", {
        method: "PATCH",
        headers: { "X-Telegram-Username": "alice", ...(contentType === null ? {} : { "content-type": contentType }) },
        body
      })
      expect(res.status, String(contentType)).toBe(415)
      expect((await json(res)).detail).toMatch(/Content-Type: application\/json/)
    }
    expect(await read(s)).toEqual(DEFAULTS)
  })

  it("0 and null both mean no size limit; batch sizes above Telegram's 100 are capped", async () => {
    const s = await start()
    expect((await json(await patch(s, JSON.stringify({ max_media_size_mb: null })))).max_media_size_mb).toBeNull()
    expect((await json(await patch(s, JSON.stringify({ max_media_size_mb: 0 })))).max_media_size_mb).toBe(0)
    expect((await json(await patch(s, JSON.stringify({ telegram_batch_size: 500 })))).telegram_batch_size).toBe(100)
    expect((await json(await patch(s, JSON.stringify({ telegram_batch_size: 50 })))).telegram_batch_size).toBe(50)
  })

  it("sync_concurrency is patched alone, kept in settings.yaml, and read back at the next start", async () => {
    const s = await start()
    expect(await json(await patch(s, JSON.stringify({ sync_concurrency: 3 })))).toEqual({ ...DEFAULTS, sync_concurrency: 3 })
    expect(YAML.parse(await fs.readFile(path.join(s.dataDir, "settings.yaml"), "utf8")).sync_concurrency).toBe(3)
    await s.stop()
    const again = await start(s.dataDir)
    expect((await read(again)).sync_concurrency).toBe(3)
  })

  it("reads a hand-edited settings.yaml at start (max_media_size_mb: 0 means no limit, missing fields default)", async () => {
    const dir = await fs.mkdtemp(path.join(dirs, "data-"))
    await fs.writeFile(path.join(dir, "settings.yaml"), "max_media_size_mb: 0\ndownload_file_types:\n  videos: true\n")
    const s = await start(dir)
    expect(await read(s)).toEqual({
      ...DEFAULTS,
      max_media_size_mb: 0,
      download_file_types: { ...DEFAULTS.download_file_types, videos: true }
    })
  })

  it("--settings copies a file over {data_dir}/settings.yaml at start", async () => {
    const dir = await fs.mkdtemp(path.join(dirs, "seed-"))
    const seed = path.join(dir, "my-settings.yaml")
    await fs.writeFile(seed, "download_media: false\n")
    const s = await start(undefined, ["--settings", seed])
    expect((await read(s)).download_media).toBe(false)
    expect(YAML.parse(await fs.readFile(path.join(s.dataDir, "settings.yaml"), "utf8")).download_media).toBe(false)
  })

  it.each([
    ["telegram_batch_size: -5\n", /telegram_batch_size/],
    ["sync_concurrency: 0\n", /sync_concurrency: must be an integer from 1 to 32/],
    ["download_media: perhaps\n", /download_media/],
    ["max_media_size_mb: [\n", /not valid YAML/],
    ["colour: blue\n", /colour/]
  ])("an invalid settings file stops start-up naming the file and field: %j", async (content, field) => {
    // The tgsc-server process: its exit code and what it prints are the point.
    const dir = await fs.mkdtemp(path.join(dirs, "invalid-"))
    const file = path.join(dir, "settings.yaml")
    await fs.writeFile(file, content)
    const { code, stderr } = await runServerCommand(["--data-dir", dir, "--port", "0"])
    expect(code).toBe(1)
    expect(stderr).toContain(file)
    expect(stderr).toMatch(field)
    expect(await fs.readFile(file, "utf8")).toBe(content) // never silently overwritten
  })
})

describe("rejected settings updates (one server: none of them may change anything)", () => {
  let shared: InProcessServer
  beforeAll(async () => {
    shared = await startInProcessServer()
    await seedSession(shared.dataDir, "alice")
  })
  afterAll(async () => {
    await shared?.stop()
  })
  const patch = (s: InProcessServer, body: string) =>
    fetch(s.url + "/api/v3/settings", { method: "PATCH", headers, body })
  const read = async (s: InProcessServer) => json(await fetch(s.url + "/api/v3/settings", { headers }))

  it("422 on an empty update", async () => {
    const s = shared
    for (const body of ["{}", JSON.stringify({ download_file_types: {} })]) {
      const res = await patch(s, body)
      expect(res.status).toBe(422)
      expect(await json(res)).toEqual({ detail: "No fields provided for settings update" })
    }
  })

  it.each([
    [{ telegram_batch_size: 0 }, /telegram_batch_size/],
    [{ telegram_batch_size: 2.5 }, /telegram_batch_size/],
    [{ sync_concurrency: 0 }, /sync_concurrency'?: must be an integer from 1 to 32/],
    [{ sync_concurrency: 33 }, /sync_concurrency/],
    [{ sync_concurrency: 1.5 }, /sync_concurrency/],
    [{ sync_concurrency: "4" }, /sync_concurrency/],
    [{ max_media_size_mb: -1 }, /max_media_size_mb/],
    [{ download_media: "yes" }, /download_media/],
    [{ use_takeout: "yes" }, /use_takeout/],
    [{ use_takeout: null }, /use_takeout/],
    [{ download_file_types: { videos: 1 } }, /download_file_types\.videos|videos/],
    [{ download_file_types: { movies: true } }, /movies/],
    [{ unknown_setting: true }, /unknown_setting/]
  ])("400 for %j", async (body, detail) => {
    const s = shared
    const res = await patch(s, JSON.stringify(body))
    expect(res.status).toBe(400)
    const body400 = await json(res)
    expect(Object.keys(body400)).toEqual(["detail"])
    expect(body400.detail).toMatch(detail)
    expect(await read(s)).toEqual(DEFAULTS)
  })

  it("400 for a body that is not JSON or not an object", async () => {
    const s = shared
    for (const body of ["{not json", "[1,2]", "42"]) {
      const res = await patch(s, body)
      expect(res.status, body).toBe(400)
      expect(await json(res)).toEqual({ detail: expect.any(String) })
    }
  })

  it("an empty body is an empty update: 422 like {}", async () => {
    const res = await fetch(shared.url + "/api/v3/settings", { method: "PATCH", headers })
    expect(res.status).toBe(422)
    expect(await json(res)).toEqual({ detail: "No fields provided for settings update" })
  })

  it("deeply nested JSON is a 400 naming the body, never a 500", async () => {
    // 32,000 deep is just under the 64 KB body limit; deeper is a 413 before any parsing.
    for (const depth of [40, 2000, 3000, 32_000]) {
      const res = await patch(shared, "[".repeat(depth) + "]".repeat(depth))
      expect(res.status, String(depth)).toBe(400)
      expect(await json(res)).toEqual({ detail: expect.stringMatching(/^Invalid request body: .*nested/) })
    }
    const deeper = await patch(shared, "[".repeat(100_000) + "]".repeat(100_000))
    expect(deeper.status).toBe(413)
    expect(await json(deeper)).toEqual({ detail: expect.stringMatching(/^Request body too large: /) })
    expect(shared.output()).not.toMatch(/RangeError|Maximum call stack/)
  })

  it("one sentence per field for a union field (a number or null)", async () => {
    for (const value of [-1, "x", true]) {
      const res = await patch(shared, JSON.stringify({ max_media_size_mb: value }))
      expect(res.status).toBe(400)
      const { detail } = await json(res)
      expect(detail).toBe(
        `Invalid parameter 'max_media_size_mb': must be a number >= 0, or null (0 or null means no limit), got ${JSON.stringify(value)}`
      )
    }
  })

  it("a body that is not JSON, or not sent as JSON, says to send JSON", async () => {
    const form = await fetch(shared.url + "/api/v3/settings", {
      method: "PATCH",
      headers: { "X-Telegram-Username": "alice", "content-type": "application/x-www-form-urlencoded" },
      body: "download_media=false"
    })
    expect(form.status).toBe(415)
    expect((await json(form)).detail).toMatch(/Content-Type: application\/json/)
    const text = await fetch(shared.url + "/api/v3/settings", {
      method: "PATCH",
      headers: { "X-Telegram-Username": "alice", "content-type": "text/plain" },
      body: JSON.stringify({ download_media: false })
    })
    expect(text.status).toBe(415)
    expect(await json(text)).toEqual({ detail: expect.stringMatching(/text\/plain.*Content-Type: application\/json/) })
  })

  it("after all of them the settings and settings.yaml are still the defaults", async () => {
    expect(await read(shared)).toEqual(DEFAULTS)
    expect(YAML.parse(await fs.readFile(path.join(shared.dataDir, "settings.yaml"), "utf8"))).toEqual(DEFAULTS)
  })
})
