/** When the QR login shows a new code: always before Telegram's token expires. */
import { describe, expect, it } from "vitest"
import { serverClockOffsetMillis } from "../../../src/adapters/telegram/ClientConnect.js"
import { qrRefreshDelayMillis } from "../../../src/adapters/telegram/TelegramLoginLive.js"

const now = 1_700_000_000_000

describe("qrRefreshDelayMillis", () => {
  it("replaces Telegram's usual 30 s token after about 25 s", () => {
    expect(qrRefreshDelayMillis(now / 1000 + 30, now)).toBe(25_000)
  })

  it.each([1.5, 2, 3, 5, 10, 30, 60])("replaces a %s s token before it expires, whatever the rounding of `expires`", (ttl) => {
    // Telegram's `expires` is whole seconds, so it can be up to 1 s later than the real expiry.
    for (const offset of [0, 1, 500, 999]) {
      const at = now + offset
      const realExpiry = at + ttl * 1000
      const delay = qrRefreshDelayMillis(Math.ceil(realExpiry / 1000), at)
      expect(delay).toBeGreaterThan(0)
      expect(at + delay).toBeLessThan(realExpiry)
    }
  })

  it("never waits less than a moment, even for a token already expired", () => {
    expect(qrRefreshDelayMillis(now / 1000 - 10, now)).toBe(250)
  })
})

describe("serverClockOffsetMillis", () => {
  it("reads Telegram's clock from an answer's whole-second date, ahead or behind", () => {
    expect(serverClockOffsetMillis(now / 1000 + 600, now)).toBe(600_500)
    expect(serverClockOffsetMillis(now / 1000 - 600, now + 400)).toBe(-600_000 + 100)
  })

  it("with it, a 30 s token from a clock ten minutes off is still replaced after about 25 s", () => {
    for (const skew of [-600_000, 600_000]) {
      const serverNow = now + skew
      const offset = serverClockOffsetMillis(Math.floor(serverNow / 1000), now)
      const delay = qrRefreshDelayMillis(serverNow / 1000 + 30, now + offset)
      expect(delay).toBeGreaterThan(24_000)
      expect(delay).toBeLessThan(26_000)
    }
  })
})
