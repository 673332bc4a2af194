/**
 * The emulator's own RSA key for the auth-key handshake, generated per
 * emulator. Its public half is written as PEM (SPKI) to a temporary file: the
 * path goes into TGSC_TELEGRAM_PUBLIC_KEY so clients accept this "Telegram".
 */
import { constants, createHash, generateKeyPair, type KeyObject, privateDecrypt } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { promisify } from "node:util"
import type { BigInteger } from "big-integer"
import { readBigIntFromBuffer } from "telegram/Helpers.js"
import { serializeBytes } from "telegram/tl/index.js"

const generateRsa = promisify(generateKeyPair)

export class ServerKey {
  private removed = false

  private constructor(
    private readonly privateKey: KeyObject,
    /** Telegram's fingerprint of the key: low 64 bits of sha1(n, e) as TL bytes, signed little-endian. */
    readonly fingerprint: BigInteger,
    /** Absolute path of the PEM file holding the public key. */
    readonly publicKeyPath: string
  ) {}

  static async generate(): Promise<ServerKey> {
    const { privateKey, publicKey } = await generateRsa("rsa", { modulusLength: 2048, publicExponent: 65537 })
    const jwk = publicKey.export({ format: "jwk" })
    const n = Buffer.from(jwk.n!, "base64url")
    const e = Buffer.from(jwk.e!, "base64url")
    const digest = createHash("sha1").update(Buffer.concat([serializeBytes(n), serializeBytes(e)])).digest()
    const fingerprint = readBigIntFromBuffer(digest.subarray(12, 20), true, true)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tgsc-emulator-"))
    const publicKeyPath = path.join(dir, "public-key.pem")
    fs.writeFileSync(publicKeyPath, publicKey.export({ type: "spki", format: "pem" }))
    return new ServerKey(privateKey, fingerprint, publicKeyPath)
  }

  /** Textbook RSA decryption, as RSA_PAD needs (the padding is MTProto's own). */
  decryptRaw(data: Buffer): Buffer {
    return privateDecrypt({ key: this.privateKey, padding: constants.RSA_NO_PADDING }, data)
  }

  /** Deletes the PEM file and its directory; idempotent. */
  remove(): void {
    if (this.removed) return
    this.removed = true
    fs.rmSync(path.dirname(this.publicKeyPath), { recursive: true, force: true })
  }
}
