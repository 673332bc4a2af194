import { describe, expect, it } from "vitest"
import { hostNameOf, normalizeHostName } from "../../src/config/HostNames.js"
import { isHostAllowed } from "../../src/http/AllowedHosts.js"

const loopbackBound = { host: "127.0.0.1" }

describe("hostNameOf", () => {
  it.each([
    ["localhost", "localhost"],
    ["localhost:8000", "localhost"],
    ["LocalHost.:8000", "localhost"],
    ["127.0.0.1:65535", "127.0.0.1"],
    ["[::1]", "::1"],
    ["[::1]:8000", "::1"],
    ["[0:0:0:0:0:0:0:1]:8000", "::1"],
    ["[FE80::A]:80", "fe80::a"],
    ["::1", "::1"],
    [" evil.example ", "evil.example"]
  ])("%j names %j", (header, name) => {
    expect(hostNameOf(header)).toBe(name)
  })
  it.each(["", ":8000", "localhost:", "localhost:80x", "localhost:123456", "[::1", "[::1]8000", "[evil]:80",
    "user@localhost", "localhost/x", "local host", "*.example", "ex*ample", "évil.example"])("%j is malformed", (header) => {
    expect(hostNameOf(header)).toBeUndefined()
  })
})

describe("normalizeHostName", () => {
  it("lowercases, drops a trailing dot, canonicalizes IPv6 without brackets", () => {
    expect(normalizeHostName("NAS.Lan.")).toBe("nas.lan")
    expect(normalizeHostName("[2001:DB8:0:0::1]")).toBe("2001:db8::1")
    expect(normalizeHostName("2001:db8::1")).toBe("2001:db8::1")
    expect(normalizeHostName("192.168.1.20")).toBe("192.168.1.20")
  })
  it.each(["", "*", "nas.lan:8000", "http://nas.lan", "nas.lan/", "*.lan", "fe80::1%eth0", "a..b"])("refuses %j", (name) => {
    expect(normalizeHostName(name)).toBeUndefined()
  })
})

describe("isHostAllowed", () => {
  it.each([
    "localhost", "localhost:8000", "LOCALHOST:1", "localhost.", "app.localhost:8000", "a.b.localhost",
    "127.0.0.1", "127.0.0.1:8000", "127.1.2.3:9", "[::1]:8000", "[::1]", "[0::1]"
  ])("always allows %j", (header) => {
    expect(isHostAllowed(header, loopbackBound)).toBe(true)
    expect(isHostAllowed(header, { host: "0.0.0.0", allowedHosts: ["nas.lan"] })).toBe(true)
  })
  it.each([
    "evil.example", "evil.example:8000", "localhost.evil.example", "evillocalhost", "127.0.0.1.evil.example",
    "evil.example", "localhost.evil.example", "", "localhost:abc", "[::1]x"
  ])("refuses %j by default", (header) => {
    expect(isHostAllowed(header, loopbackBound)).toBe(false)
  })
  it.each(["128.0.0.1", "0.0.0.0:8000", "[::]:8000", "[::2]", "192.168.1.20", "[2001:db8::1]:8000"])(
    "allows the IP address %j (a rebinding page's Host is always its domain name)",
    (header) => {
      expect(isHostAllowed(header, loopbackBound)).toBe(true)
    }
  )
  it("allows a request without a Host header (HTTP/1.0: no browser sends one)", () => {
    expect(isHostAllowed(undefined, loopbackBound)).toBe(true)
  })
  it("allows the exact --host address or name, but not 0.0.0.0 or ::", () => {
    expect(isHostAllowed("192.168.1.20:8000", { host: "192.168.1.20" })).toBe(true)
    expect(isHostAllowed("nas2.lan", { host: "nas.lan" })).toBe(false)
    expect(isHostAllowed("NAS.lan.", { host: "nas.lan" })).toBe(true)
    expect(isHostAllowed("[2001:db8::1]:8000", { host: "[2001:DB8::0:1]" })).toBe(true)
    expect(isHostAllowed("[2001:db8::1]", { host: "2001:db8::1" })).toBe(true)
    expect(isHostAllowed("evil.example", { host: "0.0.0.0" })).toBe(false)
    expect(isHostAllowed("evil.example", { host: "::" })).toBe(false)
  })
  it("allows the names listed, case and port aside, and nothing else", () => {
    const policy = { host: "0.0.0.0", allowedHosts: ["nas.lan", "192.168.1.20", "2001:db8::1"] }
    for (const header of ["nas.lan", "NAS.LAN:8000", "nas.lan.", "192.168.1.20:8000", "[2001:db8::1]:80"]) {
      expect(isHostAllowed(header, policy), header).toBe(true)
    }
    for (const header of ["sub.nas.lan", "nas.lan.evil.example", "evil.example"]) {
      expect(isHostAllowed(header, policy), header).toBe(false)
    }
  })
  it("* allows any host, malformed ones too", () => {
    for (const header of ["evil.example", "", "x:y:z", "[nope"]) {
      expect(isHostAllowed(header, { host: "127.0.0.1", allowedHosts: "*" })).toBe(true)
    }
  })
})
