/**
 * The server side of MTProto's unencrypted auth-key handshake on one
 * connection: req_pq_multi (or req_pq) -> resPQ, req_DH_params (RSA_PAD) ->
 * server_DH_params_ok, set_client_DH_params -> dh_gen_ok. Byte orders of
 * nonces go through GramJS's own helpers so both sides agree on every hash.
 */
import { createHash, generatePrimeSync, randomBytes } from "node:crypto"
import type { BigInteger } from "big-integer"
import { Api } from "telegram"
import { IGE } from "telegram/crypto/IGE.js"
import { BinaryReader } from "telegram/extensions/index.js"
import { readBigIntFromBuffer, toSignedLittleBuffer } from "telegram/Helpers.js"
import type { ServerKey } from "./ServerKey.js"

/** The client broke the handshake: the connection must be closed. */
export class HandshakeError extends Error {}

/** Telegram's 2048-bit safe prime for DH (the one GramJS's Password.ts also insists on for SRP). */
export const DH_PRIME = Buffer.from(
  "c71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f48198a0aa7c14058229493d22530f4db" +
    "fa336f6e0ac925139543aed44cce7c3720fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f64" +
    "2477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4a4a695811051907e162753b56b0f6b41" +
    "0dba74d8a84b2a14b3144e0ef1284754fd17ed950d5965b4b9dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4" +
    "e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f0d8115f635b105ee2e4e15d04b2454bf" +
    "6f4fadf034b10403119cd8e3b92fcc5b",
  "hex"
)
const DH_G = 3
const DH_PRIME_VALUE = BigInt(`0x${DH_PRIME.toString("hex")}`)

/** The outcome of a completed handshake: the new key and its first server salt. */
export interface NewAuthKey {
  readonly authKey: Buffer
  readonly salt: bigint
}

interface Started {
  readonly step: "pq"
  readonly nonce: BigInteger
  readonly serverNonce: BigInteger
  readonly p: bigint
  readonly q: bigint
}

interface Exchanging {
  readonly step: "dh"
  readonly nonce: BigInteger
  readonly serverNonce: BigInteger
  readonly newNonce: Buffer
  /** The server's secret DH exponent a. */
  readonly a: bigint
  readonly tmpKey: Buffer
  readonly tmpIv: Buffer
}

const sha1 = (...parts: ReadonlyArray<Buffer>): Buffer => {
  const hash = createHash("sha1")
  for (const part of parts) hash.update(part)
  return hash.digest()
}

const sha256 = (...parts: ReadonlyArray<Buffer>): Buffer => {
  const hash = createHash("sha256")
  for (const part of parts) hash.update(part)
  return hash.digest()
}

const xor = (a: Buffer, b: Buffer): Buffer => {
  const out = Buffer.allocUnsafe(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!
  return out
}

/** Minimal big-endian bytes, as GramJS's getByteArray: the auth key g^ab must match the client's byte for byte. */
const bigEndian = (value: bigint): Buffer => {
  const hex = value.toString(16)
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, "hex")
}

/** base^exponent mod modulus. Node's DiffieHellman would do, but creating one spends ~300 ms checking the prime. */
const modPow = (base: bigint, exponent: bigint, modulus: bigint): bigint => {
  let result = 1n
  let b = base % modulus
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus
    b = (b * b) % modulus
  }
  return result
}

const unsigned = (bytes: Buffer): bigint => (bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString("hex")}`))

export class Handshake {
  private state: Started | Exchanging | undefined

  constructor(private readonly serverKey: ServerKey) {}

  /**
   * Answers one unencrypted request. `onKey` receives the new auth key when
   * the handshake completes (before dh_gen_ok is sent). Throws HandshakeError.
   */
  answer(request: unknown, onKey: (key: NewAuthKey) => void): Api.ResPQ | Api.ServerDHParamsOk | Api.DhGenOk {
    if (request instanceof Api.ReqPqMulti || request instanceof Api.ReqPq) return this.resPq(request.nonce)
    if (request instanceof Api.ReqDHParams) return this.dhParams(request)
    if (request instanceof Api.SetClientDHParams) return this.clientDhParams(request, onKey)
    const name = (request as { className?: string } | undefined)?.className ?? typeof request
    throw new HandshakeError(`unexpected unencrypted message ${name}`)
  }

  private resPq(nonce: BigInteger): Api.ResPQ {
    // Telegram sends pq = p * q for two 31-bit primes p < q; GramJS factorises it.
    const p = generatePrimeSync(31, { bigint: true })
    let q = generatePrimeSync(31, { bigint: true })
    while (q === p) q = generatePrimeSync(31, { bigint: true })
    const serverNonce = readBigIntFromBuffer(randomBytes(16), true, true)
    this.state = { step: "pq", nonce, serverNonce, p: p < q ? p : q, q: p < q ? q : p }
    return new Api.ResPQ({
      nonce,
      serverNonce,
      pq: bigEndian(p * q),
      serverPublicKeyFingerprints: [this.serverKey.fingerprint]
    })
  }

  private dhParams(request: Api.ReqDHParams): Api.ServerDHParamsOk {
    const state = this.state
    if (state?.step !== "pq") throw new HandshakeError("req_DH_params before req_pq")
    if (!request.nonce.eq(state.nonce) || !request.serverNonce.eq(state.serverNonce)) {
      throw new HandshakeError("req_DH_params with wrong nonces")
    }
    if (unsigned(request.p) !== state.p || unsigned(request.q) !== state.q) {
      throw new HandshakeError("req_DH_params with a wrong factorisation of pq")
    }
    if (!request.publicKeyFingerprint.eq(this.serverKey.fingerprint)) {
      throw new HandshakeError("req_DH_params for an unknown RSA key")
    }
    if (request.encryptedData.length !== 256) throw new HandshakeError("req_DH_params: encrypted_data is not 256 bytes")

    // RSA_PAD: temp_key_xor(32) + AES-IGE(temp_key, iv 0)(reverse(data_with_padding) + sha256(temp_key + data_with_padding)).
    const decrypted = this.serverKey.decryptRaw(request.encryptedData)
    const aesEncrypted = decrypted.subarray(32)
    const tempKey = xor(decrypted.subarray(0, 32), sha256(aesEncrypted))
    const dataWithHash = new IGE(tempKey, Buffer.alloc(32)).decryptIge(aesEncrypted)
    const dataWithPadding = Buffer.from(dataWithHash.subarray(0, 192)).reverse()
    if (!sha256(tempKey, dataWithPadding).equals(dataWithHash.subarray(192, 224))) {
      throw new HandshakeError("RSA_PAD hash mismatch")
    }
    const inner = new BinaryReader(dataWithPadding).tgReadObject()
    if (!(inner instanceof Api.PQInnerData || inner instanceof Api.PQInnerDataDc)) {
      throw new HandshakeError("req_DH_params without p_q_inner_data")
    }
    if (!inner.nonce.eq(state.nonce) || !inner.serverNonce.eq(state.serverNonce)) {
      throw new HandshakeError("p_q_inner_data with wrong nonces")
    }

    const newNonce = toSignedLittleBuffer(inner.newNonce, 32)
    const serverNonce = toSignedLittleBuffer(state.serverNonce, 16)
    const tmpKey = Buffer.concat([sha1(newNonce, serverNonce), sha1(serverNonce, newNonce).subarray(0, 12)])
    const tmpIv = Buffer.concat([sha1(serverNonce, newNonce).subarray(12, 20), sha1(newNonce, newNonce), newNonce.subarray(0, 4)])
    const a = unsigned(randomBytes(256))
    const gA = bigEndian(modPow(BigInt(DH_G), a, DH_PRIME_VALUE))
    const answer = new Api.ServerDHInnerData({
      nonce: state.nonce,
      serverNonce: state.serverNonce,
      g: DH_G,
      dhPrime: DH_PRIME,
      gA,
      serverTime: Math.floor(Date.now() / 1000)
    }).getBytes()
    this.state = { step: "dh", nonce: state.nonce, serverNonce: state.serverNonce, newNonce, a, tmpKey, tmpIv }
    return new Api.ServerDHParamsOk({
      nonce: state.nonce,
      serverNonce: state.serverNonce,
      encryptedAnswer: new IGE(tmpKey, tmpIv).encryptIge(Buffer.concat([sha1(answer), answer]))
    })
  }

  private clientDhParams(request: Api.SetClientDHParams, onKey: (key: NewAuthKey) => void): Api.DhGenOk {
    const state = this.state
    if (state?.step !== "dh") throw new HandshakeError("set_client_DH_params before req_DH_params")
    if (!request.nonce.eq(state.nonce) || !request.serverNonce.eq(state.serverNonce)) {
      throw new HandshakeError("set_client_DH_params with wrong nonces")
    }
    if (request.encryptedData.length === 0 || request.encryptedData.length % 16 !== 0) {
      throw new HandshakeError("set_client_DH_params: encrypted_data is not whole AES blocks")
    }
    const plain = new IGE(state.tmpKey, state.tmpIv).decryptIge(request.encryptedData)
    const reader = new BinaryReader(plain.subarray(20))
    const inner = reader.tgReadObject()
    if (!(inner instanceof Api.ClientDHInnerData)) throw new HandshakeError("set_client_DH_params without client_DH_inner_data")
    if (!sha1(plain.subarray(20, 20 + reader.tellPosition())).equals(plain.subarray(0, 20))) {
      throw new HandshakeError("client_DH_inner_data hash mismatch")
    }
    if (!inner.nonce.eq(state.nonce) || !inner.serverNonce.eq(state.serverNonce)) {
      throw new HandshakeError("client_DH_inner_data with wrong nonces")
    }
    const gB = unsigned(inner.gB)
    if (gB <= 1n || gB >= DH_PRIME_VALUE - 1n) throw new HandshakeError("g_b out of range")

    const authKey = bigEndian(modPow(gB, state.a, DH_PRIME_VALUE))
    const auxHash = sha1(authKey).subarray(0, 8)
    const serverNonce = toSignedLittleBuffer(state.serverNonce, 16)
    const salt = xor(state.newNonce.subarray(0, 8), serverNonce.subarray(0, 8)).readBigInt64LE(0)
    this.state = undefined
    onKey({ authKey, salt })
    return new Api.DhGenOk({
      nonce: state.nonce,
      serverNonce: state.serverNonce,
      newNonceHash1: readBigIntFromBuffer(sha1(state.newNonce, Buffer.from([1]), auxHash).subarray(4, 20), true, true)
    })
  }
}
