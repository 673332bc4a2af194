/**
 * tgsc as a library (`import { ... } from "tgsc"`): the ports, the use cases
 * and ready layers, so an Effect program reads an account's Telegram history
 * without going through HTTP. The HTTP server (src/compose/Server.ts) is built
 * from these exports alone.
 *
 * Start with `TgscLive(config)`: every port and use case in one layer. Swap
 * any adapter with `TgscLive(config, { messageStore: MyStoreLive })`, or
 * compose the pieces yourself from `tgscAdapters(config)` and
 * `TgscUseCasesLive(config)`. Every use case acts for a session (a name you
 * logged in with: `tgsc-auth <name>`, the server's login page, QrLogins or PhoneLogins)
 * and fails with typed errors: FloodWait, SessionRevoked, PeerNotFound,
 * TelegramUnavailable, TelegramRpcError, ...
 *
 * Nothing here loads GramJS: it is imported on the first Telegram call. The
 * public types never mention GramJS or SQLite driver types
 * (test/library/public-types.test.ts).
 */

// ---------------------------------------------------------------------------
// Configuration and ready layers

export {
  dataLayout,
  DEFAULT_FLOOD_THRESHOLD_SECONDS,
  type TelegramConfig,
  type TgscAdapterOverrides,
  type TgscAdapters,
  tgscAdapters,
  type TgscConfig,
  type TgscFollow,
  TgscLive,
  type TgscOverrideErrors,
  type TgscPorts,
  type TgscServices,
  type TgscStartError,
  type TgscTokens,
  type TgscUseCases,
  TgscUseCasesLive
} from "./TgscLive.js"

// ---------------------------------------------------------------------------
// Adapter layers, one per port, for composing by hand or replacing one

/** Saved logins as `{dir}/{name}.session` files (mode 0600, written atomically). */
export { SessionFilesLive } from "./adapters/fs/SessionFiles.js"
/** Runtime settings in a YAML file, read at start, written atomically on update. */
export { SettingsFileInvalid, SettingsFileLive, type SettingsFileOptions } from "./adapters/fs/SettingsFile.js"
/** Named API tokens in a YAML file (hashes only, mode 0600), read again whenever it changes. */
export { makeTokensFile, TOKENS_FILE, TokensFileLive } from "./adapters/fs/TokensFile.js"
/** Downloaded media under `{accountsDir}/{account}/dialogs/{dialog}/media/`. */
export { MediaFilesLive, type MediaFilesOptions } from "./adapters/fs/MediaFilesLive.js"
/** The per-account, per-dialog SQLite message caches. */
export { MessageStoreLive, type MessageStoreOptions } from "./adapters/sqlite/MessageStoreLive.js"
/** The per-account SQLite index of media uuids. */
export { MediaIndexLive, type MediaIndexOptions } from "./adapters/sqlite/MediaIndexLive.js"
/** The GramJS adapter, loaded on first use; configured by TelegramAdapterConfig. */
export { TelegramGatewayOnFirstUse, TelegramLoginOnFirstUse } from "./adapters/telegram/TelegramOnFirstUse.js"
export {
  type EmulatorConfig,
  emulatorFromEnv,
  TelegramAdapterConfig,
  type TelegramAdapterConfigShape,
  type TelegramCredentials
} from "./adapters/telegram/TelegramAdapterConfig.js"
/** A SOCKS5 proxy or an MTProxy for every Telegram connection (TgscConfig.telegram.proxy). */
export { describeTelegramProxy, parseTelegramProxy, type TelegramProxy } from "./adapters/telegram/TelegramProxy.js"
/** One process per data directory (TgscLive takes it unless told not to). */
export { DataDirLocked, DataDirUnusable, LOCK_FILE, lockDataDir } from "./adapters/fs/DataDirLock.js"

// ---------------------------------------------------------------------------
// Ports: what the use cases need, as Context tags, with the errors they raise

export {
  type AccountInfo,
  FloodWait,
  FloodWaitListener,
  type FoundMessage,
  type GlobalSearchCursor,
  type GlobalSearchPage,
  type GlobalSearchRequest,
  type HistoryPageRequest,
  type MessagePage,
  PeerNotFound,
  type SearchRequest,
  SessionRevoked,
  TakeoutDelayed,
  type TakeoutScope,
  type TelegramError,
  TelegramGateway,
  type TelegramGatewayService,
  TelegramRpcError,
  TelegramUnavailable,
  UserNotFound
} from "./ports/TelegramGateway.js"
export {
  type CodeAnswer,
  type CodeDelivery,
  type CodeRetry,
  type LoginSuccess,
  type PhoneLoginCallbacks,
  type QrLoginCallbacks,
  type SentCode,
  TelegramLogin,
  type TelegramLoginService
} from "./ports/TelegramLogin.js"
export { SessionStore, SessionStoreFailed, type SessionStoreService } from "./ports/SessionStore.js"
export { SettingsPersistFailed, SettingsStore, type SettingsStoreService } from "./ports/SettingsStore.js"
export { TokensFileInvalid, TokenStore, TokenStoreFailed, type TokenStoreService } from "./ports/TokenStore.js"
export {
  type CacheSummary,
  type CommitResult,
  type DialogKey,
  type IdsAround,
  type MediaStatus,
  type MediaUpdate,
  type MessageCursor,
  MessageStore,
  MessageStoreError,
  type MessageStoreService,
  type PageCommit,
  type ReadRequest,
  type StoredMedia,
  type StoredMessage
} from "./ports/MessageStore.js"
export { MediaIndex, type MediaIndexEntry, MediaIndexError, type MediaIndexService } from "./ports/MediaIndex.js"
export {
  type DialogIndexState,
  type IndexAnswer,
  type IndexHit,
  type IndexQuery,
  SearchIndex,
  SearchIndexError,
  type SearchIndexService
} from "./ports/SearchIndex.js"
export {
  type ByteRange,
  MediaFileError,
  type MediaFileRef,
  MediaFiles,
  type MediaFilesService,
  type NewMediaFile
} from "./ports/MediaFiles.js"

// ---------------------------------------------------------------------------
// Use cases

/** Dialog search (fuzzy titles, filters, counts) and the folder list. */
export { DialogSearch, DialogSearchLive } from "./app/DialogSearch.js"
export { type DialogSearchView, type DialogView, type FolderView } from "./contract/Dialogs.js"
/** Message search on Telegram's index: one dialog, or all of them. */
export {
  MessageSearch,
  MessageSearchLive,
  type MessageSearchQuery
} from "./app/MessageSearch.js"
/** A forum's topics, and the parts of a dialog a history can be scoped to (HistoryRequest.scope). */
export { ForumTopics } from "./app/ForumTopics.js"
export { type TopicView } from "./contract/Topics.js"
export { type ForumTopic, type HistoryScope, type ListedTopic } from "./domain/Thread.js"
/** Message search over the local cache (and Telegram for its gaps), with coverage: what was and was not searched. */
export { CacheSearch, CacheSearchLive, type LocalSearchError } from "./app/CacheSearch.js"
export {
  type DialogCoverage,
  ENSURE_MAX_DIALOGS,
  EnsureTooBroad,
  type LocalSearchAnswer,
  type LocalSearchHit,
  type LocalSearchRequest,
  type LocalSort,
  type LocalSource
} from "./ports/LocalSearch.js"
export {
  InvalidSearchQuery,
  MAX_QUERY_LENGTH,
  parseSearchQuery,
  type SearchQuery,
  type SearchTerm
} from "./domain/TextSearch.js"
/** A dialog's history as a Stream, from the cache, fetching from Telegram only what it lacks. */
export { type HistoryError, type HistoryEvent, type HistoryRequest, HistorySync, HistorySyncLive } from "./app/HistorySync.js"
/**
 * Live updates (issue 18): with following on (TgscConfig.followUpdates or the setting follow_updates), each
 * account's updates loop keeps its caches and its event log current; `LiveUpdates.stream(session, request)` is
 * the account's events as an Effect Stream (resuming after `since`), `LiveUpdates.page` a page of them.
 */
export {
  EventsGone,
  type FeedItem,
  LiveUpdates,
  type LiveUpdatesOptions,
  LiveUpdatesOptionsTag,
  UnknownEventId,
  UpdatesOff,
  type UpdatesOpenError,
  type UpdatesRequest
} from "./app/LiveUpdates.js"
export { type FollowError, type FollowEvent, FollowNotPossible, HistoryFollow, type LiveMessage } from "./app/HistoryFollow.js"
export {
  type ChannelDifference,
  type CommonState,
  type Difference,
  TelegramUpdates,
  type TelegramUpdatesService,
  type UpdatePush
} from "./ports/TelegramUpdates.js"
export {
  type FollowedState,
  type LoggedEvent,
  type NewEvent,
  type StateChange,
  UpdateLog,
  UpdateLogError,
  type UpdateLogService
} from "./ports/UpdateLog.js"
/** The live updates' state and event log, `{accountsDir}/{account}/updates.db`. */
export { UpdateLogLive, type UpdateLogOptions } from "./adapters/sqlite/UpdateLogLive.js"
export { DEFAULT_RETENTION, EVENT_KINDS, type EventKind, type LiveChange, type Retention } from "./domain/LiveUpdates.js"
export { checkHistoryRequest, InvalidHistoryRequest } from "./app/HistoryRequest.js"
/** Background fills of a dialog's history range into the cache, per session, in memory. */
export {
  type SyncJob,
  SyncJobNotFound,
  SyncJobs,
  type SyncJobState,
  type SyncRange,
  TooManySyncJobs
} from "./app/SyncJobs.js"
/** A downloaded media file by the media_uuid a history message carried. */
export {
  type MediaFileInfo,
  MediaLookup,
  type MediaLookupError,
  MediaLookupLive,
  MediaNotDownloaded,
  MediaNotFound
} from "./app/MediaLookup.js"
/** QR login (with 2FA), saving the session only once Telegram confirms it. */
export {
  defaultQrLoginOptions,
  LoginAlreadyFinished,
  LoginAlreadyPending,
  LoginNotFound,
  LoginStartFailed,
  type LoginState,
  type LoginStatus,
  NotAwaitingPassword,
  type QrLoginOptions,
  QrLoginOptionsTag,
  QrLogins,
  QrLoginsLive,
  SessionAlreadyExists,
  TooManyPendingLogins
} from "./app/QrLogins.js"
/** Phone-code login (with 2FA), sharing PendingLogins' rules with QR logins. */
export {
  CodeExpired,
  CodeRefused,
  MAX_WRONG_CODES,
  NotAwaitingCode,
  PhoneLoginUnsupported,
  PhoneLogins,
  type PhoneLoginState,
  type PhoneLoginStatus,
  PhoneNumberInvalid,
  ResendRefused,
  TooManyWrongCodes,
  WrongCode
} from "./app/PhoneLogins.js"
export { type AnyLoginStatus, PendingLogins } from "./app/PendingLogins.js"
/** Deleting a session: its login ended at Telegram, its file and in-memory state removed. */
export { type SessionDeleted, SessionLogout, SessionLogoutLive, SessionNotFound } from "./app/SessionLogout.js"
export { SessionListing } from "./app/SessionListing.js"
export { LOGOUT_TIMEOUT, logOutAtTelegram, type TelegramLogout } from "./app/TelegramLogout.js"
/** Sessions Telegram refused (revoked elsewhere): marked until they log in again, the use cases' gateway guarded by it. */
export {
  RevocationGuardedGatewayLive,
  SessionRevocations,
  SessionRevocationsLive
} from "./app/SessionRevocations.js"
/** Named API tokens: created (shown once, hashed), listed, revoked, and matched in constant time. */
export {
  ApiTokens,
  type CreatedToken,
  matchToken,
  TOKEN_PREFIX,
  TokenNameTaken,
  TokenNotFound,
  type TokenRequest
} from "./app/ApiTokens.js"
/**
 * The use cases seen through an access scope: what it does not admit does
 * not exist (history, media files, cache status; DialogSearch and
 * MessageSearch take the scope themselves). Provide ScopedAccessLive over TgscLive.
 */
export { type CacheStatusRecord, ScopedAccess, ScopedAccessLive } from "./app/ScopedAccess.js"
/** An account's dialog list, folders and counts, reused for a TTL (DialogSearch and MessageSearch use it). */
export {
  AccountCache,
  AccountCacheLive,
  type AccountCacheOptions,
  AccountCacheOptionsTag,
  DEFAULT_ACCOUNT_CACHE_TTL
} from "./app/AccountCache.js"
/** Messages as the HTTP API shows them (flat, contract field names), e.g. for JSON output. */
export {
  type HistoryMessageView,
  historyMessageView,
  type MessageCoreView,
  messageCoreView,
  type MessageSearchResponse,
  type MessageSearchResult
} from "./contract/Messages.js"

// ---------------------------------------------------------------------------
// Domain values

export { InvalidSessionName, type SessionName, sessionName, validateSessionName } from "./domain/SessionName.js"
export { maskPhoneNumber, parsePhoneNumber, type PhoneNumber } from "./domain/PhoneNumber.js"
export {
  type AccessScope,
  everything,
  formatScopeEntry,
  InvalidScope,
  limitedTo,
  narrowScope,
  parseScopeEntry,
  type ScopeEntry
} from "./domain/AccessScope.js"
export {
  decodeTokensDocument,
  type NamedToken,
  type TokenName,
  type TokenScopes,
  tokenScope,
  validateTokenName
} from "./domain/NamedToken.js"
export {
  defaultSettings,
  DownloadFileTypes,
  isEmptyPatch,
  Settings,
  SettingsPatch,
  TELEGRAM_MAX_BATCH
} from "./domain/Settings.js"
export {
  defaultDialogSearchParams,
  type DialogSearchParams,
  type DialogSort,
  type DialogTypeFilter,
  SERVICE_CHAT_ID,
  type SortOrder
} from "./domain/DialogFilters.js"
export type { DialogKind, DialogRecord, FolderRule } from "./domain/Dialog.js"
export { ALL_CHATS_ID, ALL_CHATS_TITLE, FolderNotFound } from "./domain/FolderMembership.js"
export type { MediaFile, MessageMedia, MessageRecord } from "./domain/Message.js"
/** Branded ids: the ports take them; `DialogId(n)` etc. brand a plain number (no check, no cost). */
export { AccountId, DialogId, MessageId } from "./domain/Ids.js"
export { MEDIA_CATEGORIES, type MediaCategory } from "./domain/MediaCategory.js"
export type { Interval, IntervalSet } from "./domain/Intervals.js"
export { formatIsoDate, formatMessageDate, InvalidDate, parseDateInput } from "./domain/Dates.js"
