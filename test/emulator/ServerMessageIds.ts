/**
 * Server message ids: unix time in the high 32 bits like Telegram's,
 * strictly increasing across the whole emulator, and 1 mod 4 for responses,
 * 3 mod 4 for everything else (MTProto's rule for server messages).
 */
export class ServerMessageIds {
  private last = 0n

  next(isResponse: boolean): bigint {
    let id = ((BigInt(Date.now()) << 32n) / 1000n) & ~3n
    if (id <= this.last) id = (this.last & ~3n) + 4n
    id |= isResponse ? 1n : 3n
    this.last = id
    return id
  }
}
