/**
 * QR login with the emulator's clock ten minutes off the server's (the
 * emulator's `clock_offset_seconds`): Telegram's token expiry is in
 * Telegram's time, so the server must read it against Telegram's clock
 * (help.getConfig's date), not its own. Ahead, a code compared with the
 * local clock would stay on screen long after it expired; behind, it would
 * be replaced in a tight loop. Login tokens live 10 s here, so a code is
 * replaced after about 5 s.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { loginState, mustStart, sampleScenario, scan, waitForLogin } from "../support/QrLoginSteps.js"
import { callCount, resetCalls, sleep } from "./HistoryExpect.js"

const TTL_SECONDS = 10
let e2e: E2e

beforeAll(async () => {
  e2e = await startE2e({ scenario: sampleScenario(TTL_SECONDS) })
})
afterAll(async () => {
  await e2e?.stop()
})

const setOffset = async (seconds: number) => {
  const res = await e2e.control("/realism", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ realism: { clock_offset_seconds: seconds } })
  })
  expect(res.status).toBe(200)
  expect(((await res.json()) as { clock_offset_seconds: number }).clock_offset_seconds).toBe(seconds)
}

const currentQr = async (token: string) => (await loginState(e2e, token)).body.qr_url

describe("QR login with the emulator's clock off by ten minutes", () => {
  it("ahead: a code is replaced before Telegram's expiry, and the new one logs in", async () => {
    await setOffset(600)
    const started = await mustStart(e2e, "ahead")
    // Compared with the local clock the code would look valid for ten minutes more; it is replaced in seconds.
    const replaced = await waitForLogin(e2e, started.token, (s) => s?.qr_url !== started.qr_url, 30_000)
    expect(replaced?.status).toBe("pending")
    expect(await scan(e2e, replaced!.qr_url!, 1001)).toBe(200)
    expect((await waitForLogin(e2e, started.token, (s) => s?.status !== "pending"))?.status).toBe("success")
  })

  it("behind: a code stays on screen until shortly before its expiry, and logs in", async () => {
    await setOffset(-600)
    await resetCalls(e2e)
    const started = await mustStart(e2e, "behind")
    // Compared with the local clock the code would look expired already and be replaced every moment.
    await sleep(1_500)
    expect(await currentQr(started.token)).toBe(started.qr_url)
    expect(await callCount(e2e, "auth.ExportLoginToken")).toBe(1)
    expect(await scan(e2e, started.qr_url, 1001)).toBe(200)
    expect((await waitForLogin(e2e, started.token, (s) => s?.status !== "pending"))?.status).toBe("success")
  })
})
