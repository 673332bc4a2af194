/**
 * Node gives header values as latin1: each byte one character, so the UTF-8
 * bytes of `démo` arrive as `dÃ©mo`. For showing a value back to the client
 * (in an error's detail), read those bytes as UTF-8 when they are valid UTF-8.
 */
const utf8 = new TextDecoder("utf-8", { fatal: true })

export const headerText = (value: string): string => {
  // Pure ASCII needs nothing; a character above 0xFF means it was decoded already.
  if (!/[\u0080-\uffff]/.test(value) || /[\u0100-\uffff]/.test(value)) return value
  try {
    return utf8.decode(Buffer.from(value, "latin1"))
  } catch {
    return value
  }
}
