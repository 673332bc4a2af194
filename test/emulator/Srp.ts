/**
 * The server side of Telegram's SRP 2FA check (the inverse of GramJS's
 * Password.computeCheck): the verifier v = g^x mod p is derived once per
 * account from its password; each account.getPassword hands out a fresh
 * B = k*v + g^b and srp_id, and auth.checkPassword recomputes M1 from the
 * client's A. The password itself is never compared.
 */
import { randomBytes } from "node:crypto"
import bigInt from "big-integer"
import { Api } from "telegram"
import { bufferXor, modExp, readBigIntFromBuffer, readBufferFromBigInt, sha256 } from "telegram/Helpers.js"
import { computeDigest } from "telegram/Password.js"

/** Telegram's 2048-bit safe prime; GramJS accepts no other without expensive checks. */
const PRIME = Buffer.from(
  "c71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f48198a0aa7c14058229493d22530f4db" +
    "fa336f6e0ac925139543aed44cce7c3720fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f64" +
    "2477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4a4a695811051907e162753b56b0f6b41" +
    "0dba74d8a84b2a14b3144e0ef1284754fd17ed950d5965b4b9dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4" +
    "e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f0d8115f635b105ee2e4e15d04b2454bf" +
    "6f4fadf034b10403119cd8e3b92fcc5b",
  "hex"
)
const P = readBigIntFromBuffer(PRIME, false, false)
const G = 3

const pad = (x: bigInt.BigInteger): Buffer => readBufferFromBigInt(x, 256, false)

/** One outstanding challenge: what account.getPassword sent, kept to check the answer. */
export interface SrpChallenge {
  readonly srpId: bigInt.BigInteger
  readonly b: bigInt.BigInteger
  readonly B: bigInt.BigInteger
}

export class SrpVerifier {
  private constructor(
    readonly algo: Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow,
    private readonly v: bigInt.BigInteger,
    private readonly k: bigInt.BigInteger,
    readonly hint: string | null
  ) {}

  /** Derives the verifier (PBKDF2 with 100000 rounds: run once per account). */
  static async create(password: string, hint: string | null): Promise<SrpVerifier> {
    const algo = new Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow({
      salt1: randomBytes(40),
      salt2: randomBytes(16),
      g: G,
      p: PRIME
    })
    const v = readBigIntFromBuffer(await computeDigest(algo, password), false, false)
    const k = readBigIntFromBuffer(await sha256(Buffer.concat([PRIME, pad(bigInt(G))])), false, false)
    return new SrpVerifier(algo, v, k, hint)
  }

  /** A fresh challenge and the account.Password that carries it. */
  challenge(): { readonly challenge: SrpChallenge; readonly password: Api.account.Password } {
    const b = readBigIntFromBuffer(randomBytes(256), false, false)
    const B = this.k.multiply(this.v).add(modExp(bigInt(G), b, P)).mod(P)
    const srpId = readBigIntFromBuffer(randomBytes(8), true, true)
    const password = new Api.account.Password({
      hasPassword: true,
      currentAlgo: this.algo,
      srp_B: pad(B),
      srpId,
      ...(this.hint === null ? {} : { hint: this.hint }),
      newAlgo: this.algo,
      newSecureAlgo: new Api.SecurePasswordKdfAlgoUnknown(),
      secureRandom: randomBytes(32)
    })
    return { challenge: { srpId, b, B }, password }
  }

  /** Whether the client's answer proves it knows the password. */
  async check(challenge: SrpChallenge, input: Api.TypeInputCheckPasswordSRP): Promise<boolean> {
    if (input.className !== "InputCheckPasswordSRP" || !input.srpId.equals(challenge.srpId)) return false
    const A = readBigIntFromBuffer(input.A, false, false)
    if (A.leq(1) || A.geq(P.minus(1))) return false
    const B = challenge.B
    const u = readBigIntFromBuffer(await sha256(Buffer.concat([pad(A), pad(B)])), false, false)
    const S = modExp(A.multiply(modExp(this.v, u, P)).mod(P), challenge.b, P)
    const K = await sha256(pad(S))
    const [hp, hg, s1, s2] = await Promise.all([
      sha256(PRIME),
      sha256(pad(bigInt(G))),
      sha256(this.algo.salt1),
      sha256(this.algo.salt2)
    ])
    const M1 = await sha256(Buffer.concat([bufferXor(hp, hg), s1, s2, pad(A), pad(B), K]))
    return M1.equals(input.M1)
  }
}

/** account.Password for an account without 2FA. */
export const noPassword = (): Api.account.Password =>
  new Api.account.Password({
    hasPassword: false,
    newAlgo: new Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow({
      salt1: randomBytes(40),
      salt2: randomBytes(16),
      g: G,
      p: PRIME
    }),
    newSecureAlgo: new Api.SecurePasswordKdfAlgoUnknown(),
    secureRandom: randomBytes(32)
  })
