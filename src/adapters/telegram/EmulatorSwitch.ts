/**
 * The switch that points GramJS at the Telegram emulator instead of Telegram
 * (emulator contract, "Running it"), from an EmulatorConfig (the server reads
 * it from its flags or the environment; a program embedding tgsc passes it in TgscConfig):
 *
 * - `publicKeyPath` (TGSC_TELEGRAM_PUBLIC_KEY): the emulator's RSA public key
 *   (PEM file), registered with GramJS so the auth-key handshake accepts it.
 * - `dc` (TGSC_TELEGRAM_DC): `host:port` for every DC, or `1=host:port,2=host:port`.
 *
 * GramJS dials DCs by the address in the session or in help.getConfig, always
 * on port 80/443. The emulator therefore advertises DC n at the virtual
 * address `dcVirtualAddress(n)`, and the socket below maps that address to
 * the emulator's real listener for DC n (through a SOCKS5 proxy when one is
 * set: GramJS's socket dials it). With an MTProxy, GramJS dials the proxy
 * itself, which then picks the DC: that one address is let through as is.
 */
import { createHash } from "node:crypto"
import bigInt from "big-integer"
import { PromisedNetSockets } from "telegram/extensions/index.js"
import type { StringSession } from "telegram/sessions/index.js"
import { _serverKeys } from "telegram/crypto/RSA.js"
import { readBigIntFromBuffer } from "telegram/Helpers.js"
import { serializeBytes } from "telegram/tl/index.js"
import { type DcEndpoint, type DcMap, type EmulatorConfig, parseDcMap, readRsaPublicKey } from "./TelegramAdapterConfig.js"

export { type DcEndpoint, type DcMap, parseDcMap } from "./TelegramAdapterConfig.js"

export const EMULATOR_PORT_IN_SESSION = 443

/** The address DC `dcId` is known by between the emulator and this switch. */
export const dcVirtualAddress = (dcId: number): string => `127.0.0.${dcId}`

const dcOfVirtualAddress = (ip: string): number | undefined => {
  const m = /^127\.0\.0\.(\d{1,3})$/.exec(ip)
  return m === null ? undefined : Number(m[1])
}

/** Telegram's RSA key fingerprint: the low 64 bits of sha1(n, e) as TL bytes, signed little-endian. */
const registerPublicKey = (path: string): void => {
  const { e, n } = readRsaPublicKey(path)
  const digest = createHash("sha1").update(Buffer.concat([serializeBytes(n), serializeBytes(e)])).digest()
  const fingerprint = readBigIntFromBuffer(digest.subarray(12, 20), true, true)
  _serverKeys.set(fingerprint.toString(), { n: bigInt(n.toString("hex"), 16), e: Number(bigInt(e.toString("hex"), 16)) })
}

export interface EmulatorSwitch {
  readonly dcs: DcMap
  /** A GramJS networkSocket class that dials the emulator's listeners. */
  readonly networkSocket: typeof PromisedNetSockets
  /** Points a brand-new session at the emulator's first DC. */
  readonly prepareSession: (session: StringSession) => void
}

const endpointFor = (dcs: DcMap, dcId: number): DcEndpoint | undefined => dcs.byDc.get(dcId) ?? dcs.fallback

const switches = new Map<string, EmulatorSwitch>()

/** The switch for this configuration, or undefined (no emulator) when it talks to the real Telegram. */
export const emulatorSwitchFor = (
  config: EmulatorConfig | undefined,
  mtproxy?: { readonly host: string; readonly port: number }
): EmulatorSwitch | undefined => {
  if (config === undefined) return undefined
  const dcText = config.dc.trim()
  const keyPath = config.publicKeyPath.trim()
  const cacheKey = `${dcText}\n${keyPath}\n${mtproxy === undefined ? "" : `${mtproxy.host}:${mtproxy.port}`}`
  const known = switches.get(cacheKey)
  if (known !== undefined) return known

  const dcs = parseDcMap(dcText)
  registerPublicKey(keyPath)
  const firstDc = dcs.byDc.size > 0 ? Math.min(...dcs.byDc.keys()) : 1

  class EmulatorSocket extends PromisedNetSockets {
    override connect(port: number, ip: string): Promise<unknown> {
      if (mtproxy !== undefined && ip === mtproxy.host && port === mtproxy.port) return super.connect(port, ip)
      const dcId = dcOfVirtualAddress(ip)
      const endpoint = dcId === undefined ? undefined : endpointFor(dcs, dcId)
      if (endpoint === undefined) {
        return Promise.reject(new Error(`the Telegram emulator has no DC at ${ip}:${port}`))
      }
      return super.connect(endpoint.port, endpoint.host)
    }
  }

  const created: EmulatorSwitch = {
    dcs,
    networkSocket: EmulatorSocket,
    prepareSession: (session) => session.setDC(firstDc, dcVirtualAddress(firstDc), EMULATOR_PORT_IN_SESSION)
  }
  switches.set(cacheKey, created)
  return created
}
