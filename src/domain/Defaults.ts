/**
 * The defaults of every tunable duration, in one table: the library's
 * TgscConfig, the server's and tgsc-auth's command lines (and their --help
 * text) and the adapters all read them here.
 */
export const DEFAULTS = {
  /** Telegram rate limits up to this are waited out in place; longer ones fail (429 over HTTP). */
  floodThresholdSeconds: 120,
  /** An account's dialog list, folders and counts are reused this long. */
  dialogCacheTtlSeconds: 60,
  /** The longest silence on a history stream before a keep-alive comment. */
  sseKeepAliveSeconds: 15,
  /** A QR login not completed by then expires. */
  loginTimeoutSeconds: 300,
  /** A finished QR login stays readable this long. */
  loginKeepSeconds: 120,
  /** A session's Telegram connection unused this long is closed. */
  clientIdleSeconds: 300,
  /** A Telegram request unanswered this long fails (and its connection is reopened). */
  telegramTimeoutSeconds: 60
} as const
