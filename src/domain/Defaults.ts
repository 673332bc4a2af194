/**
 * Every default a user can change, in one table: the library's TgscConfig,
 * the command lines (their options and their --help text) and the adapters
 * all read them here.
 */
export const DEFAULTS = {
  /** Sessions, caches and settings live here (relative to the working directory). */
  dataDir: "./data",
  /** The server binds loopback unless told otherwise. */
  host: "127.0.0.1",
  port: 8000,
  logLevel: "info",
  logFormat: "text",
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
  telegramTimeoutSeconds: 60,
  /** History streams one session may have open at once; more are refused (429 over HTTP). */
  maxStreamsPerSession: 8,
  /** History streams open at once on the whole server. */
  maxStreams: 32,
  /** QR logins waiting for a scan or a password at once. */
  maxPendingLogins: 16
} as const
