/**
 * tgsc as one Effect layer: every port with its adapter and every use case,
 * built from a plain config value, for programs that want an account's
 * Telegram history without HTTP. The HTTP server is one such program
 * (Server.ts). Any adapter can be replaced by the caller's own layer (an
 * in-memory store, a fake Telegram), and the use cases run over it unchanged.
 *
 * GramJS is still loaded on the first Telegram call, not when the layer is
 * built (TelegramOnFirstUse), so a program that never talks to Telegram
 * never pays for it.
 */
import * as nodePath from "node:path"
import { Duration, Effect, Either, Layer } from "effect"
import { type DataDirLocked, type DataDirUnusable, lockDataDir } from "./adapters/fs/DataDirLock.js"
import { tidyDataDir } from "./adapters/fs/DataDirTidy.js"
import { MediaFilesLive } from "./adapters/fs/MediaFilesLive.js"
import { SessionFilesLive } from "./adapters/fs/SessionFiles.js"
import { type SettingsFileInvalid, SettingsFileLive } from "./adapters/fs/SettingsFile.js"
import { TOKENS_FILE, TokensFileLive } from "./adapters/fs/TokensFile.js"
import { MediaIndexLive } from "./adapters/sqlite/MediaIndexLive.js"
import { MessageStoreLive } from "./adapters/sqlite/MessageStoreLive.js"
import { UpdateLogLive } from "./adapters/sqlite/UpdateLogLive.js"
import {
  type EmulatorConfig,
  holdCredentials,
  TelegramAdapterConfig,
  type TelegramCredentials
} from "./adapters/telegram/TelegramAdapterConfig.js"
import { TelegramGatewayOnFirstUse, TelegramLoginOnFirstUse } from "./adapters/telegram/TelegramOnFirstUse.js"
import type { TelegramProxy } from "./adapters/telegram/TelegramProxy.js"
import type { MediaFiles } from "./ports/MediaFiles.js"
import type { MediaIndex } from "./ports/MediaIndex.js"
import type { MessageStore } from "./ports/MessageStore.js"
import type { SearchIndex } from "./ports/SearchIndex.js"
import type { SessionStore, SessionStoreFailed } from "./ports/SessionStore.js"
import type { SettingsPersistFailed, SettingsStore } from "./ports/SettingsStore.js"
import type { TelegramGateway } from "./ports/TelegramGateway.js"
import type { TelegramLogin } from "./ports/TelegramLogin.js"
import type { TokenStore } from "./ports/TokenStore.js"
import type { TelegramUpdates } from "./ports/TelegramUpdates.js"
import type { UpdateLog } from "./ports/UpdateLog.js"
import { LiveUpdates, LiveUpdatesOptionsTag, defaultLiveUpdatesOptions } from "./app/LiveUpdates.js"
import { HistoryFollow } from "./app/HistoryFollow.js"
import type { Retention } from "./domain/LiveUpdates.js"
import { ApiTokens } from "./app/ApiTokens.js"
import { AccountCache, AccountCacheOptionsTag, DEFAULT_ACCOUNT_CACHE_TTL } from "./app/AccountCache.js"
import { CacheSearch } from "./app/CacheSearch.js"
import { backfillSearchIndex } from "./app/SearchBackfill.js"
import { DialogSearch } from "./app/DialogSearch.js"
import { HistorySync } from "./app/HistorySync.js"
import { SyncJobs } from "./app/SyncJobs.js"
import { MediaLookup } from "./app/MediaLookup.js"
import { MessageSearch } from "./app/MessageSearch.js"
import { ForumTopics } from "./app/ForumTopics.js"
import { PendingLogins } from "./app/PendingLogins.js"
import { PhoneLogins } from "./app/PhoneLogins.js"
import { DEFAULT_MAX_PENDING_LOGINS, defaultQrLoginOptions, QrLoginOptionsTag, QrLogins } from "./app/QrLogins.js"
import { SessionListing } from "./app/SessionListing.js"
import { SessionLogout } from "./app/SessionLogout.js"
import { RevocationGuardedGatewayLive, SessionRevocations } from "./app/SessionRevocations.js"
import { DEFAULTS } from "./domain/Defaults.js"

export interface TelegramConfig extends TelegramCredentials {
  /** Talk to the Telegram emulator instead of Telegram (tests, demos). */
  readonly emulator?: EmulatorConfig | undefined
  /** Every Telegram connection (logins, requests, media DCs) through this proxy (parseTelegramProxy). */
  readonly proxy?: TelegramProxy | undefined
}

export interface TgscConfig {
  /** Sessions, caches, media and settings.yaml: the same layout as the server's `--data-dir`. */
  readonly dataDir: string
  /**
   * Your app's credentials. Without them the layer still builds (settings,
   * caches, media lookups work) and every Telegram call fails with
   * TelegramUnavailable.
   */
  readonly telegram?: TelegramConfig | undefined
  /** Telegram rate limits up to this many seconds are waited out in place; longer ones fail with FloodWait. Default 120. */
  readonly floodThresholdSeconds?: number | undefined
  /** How long an account's dialog list, folders and counts are reused before Telegram is asked again. Default 60. */
  readonly dialogCacheTtlSeconds?: number | undefined
  /** A session's Telegram connection unused this long is closed (reopened on the next call). Default 300. */
  readonly clientIdleSeconds?: number | undefined
  /** One Telegram request unanswered this long fails with TelegramUnavailable (and its connection is reopened). Default 60. */
  readonly telegramTimeoutSeconds?: number | undefined
  /** A login (QR or phone code) not completed by then expires. Default 300. */
  readonly loginTimeoutSeconds?: number | undefined
  /** A finished login stays readable this long. Default 120. */
  readonly loginKeepSeconds?: number | undefined
  /** Logins pending at once, QR and phone code together (waiting for a scan, a code or a password); more fail with TooManyPendingLogins. Default 16. */
  readonly maxPendingLogins?: number | undefined
  /**
   * Keep a full-text index of the cached messages (`{dataDir}/accounts/{account}/search.db`),
   * written with every cache commit, for CacheSearch. Default true.
   */
  readonly searchIndex?: boolean | undefined
  /**
   * Follow every logged-in account's updates live, whatever the setting
   * `follow_updates` says (LiveUpdates; the server's --follow-updates). Default false: the setting decides.
   */
  readonly followUpdates?: boolean | undefined
  /** How long the live updates' event log keeps events (default 7 days or 1,000,000 events, whichever drops more). */
  readonly updatesRetention?: Retention | undefined
  /** A settings file copied over `{dataDir}/settings.yaml` when the layer is built. */
  readonly settingsSeed?: string | undefined
  /**
   * Hold `{dataDir}/.tgsc.lock` while the layer is alive (default true), so
   * no other tgsc server or program uses the same data directory at once:
   * two clients on one Telegram session make Telegram drop both, and two
   * writers would race on the caches. Turn it off only when the caller holds
   * the lock itself (lockDataDir).
   */
  readonly lockDataDir?: boolean | undefined
}

export const DEFAULT_FLOOD_THRESHOLD_SECONDS = DEFAULTS.floodThresholdSeconds

/** Where things live under the data directory. */
export const dataLayout = (dataDir: string) => ({
  sessions: nodePath.join(dataDir, "sessions"),
  settings: nodePath.join(dataDir, "settings.yaml"),
  accounts: nodePath.join(dataDir, "accounts"),
  tokens: nodePath.join(dataDir, TOKENS_FILE)
})

/** The ports tgsc's use cases run on. */
export type TgscPorts =
  | SessionStore
  | SettingsStore
  | MessageStore
  | SearchIndex
  | MediaFiles
  | MediaIndex
  | TelegramGateway
  | TelegramLogin

/** The use cases. */
export type TgscUseCases =
  | AccountCache
  | DialogSearch
  | MessageSearch
  | ForumTopics
  | CacheSearch
  | HistorySync
  | SyncJobs
  | MediaLookup
  | QrLogins
  | PhoneLogins
  | SessionLogout
  | SessionListing
  | SessionRevocations

/**
 * Named API tokens ({data_dir}/tokens.yaml): the store and the use case.
 * Apart from the ports and use cases above, so that a program composing its
 * own ports for TgscUseCasesLive needs no token store.
 */
export type TgscTokens = TokenStore | ApiTokens

/**
 * Live updates (issue 18): Telegram's updates and the account's event log
 * (the ports), and the use case following them. Apart from the rest for the
 * same reason as the tokens.
 */
export type TgscFollow = TelegramUpdates | UpdateLog | LiveUpdates | HistoryFollow

/** Everything TgscLive provides. */
export type TgscServices = TgscPorts | TgscUseCases | TgscTokens | TgscFollow

/** Why the default adapters can fail to start. */
export type TgscStartError = DataDirLocked | DataDirUnusable | SessionStoreFailed | SettingsFileInvalid | SettingsPersistFailed

/** One layer per port: the defaults (files, SQLite, GramJS), or the caller's replacements. */
export interface TgscAdapters {
  readonly sessionStore: Layer.Layer<SessionStore, SessionStoreFailed>
  readonly settingsStore: Layer.Layer<SettingsStore, SettingsFileInvalid | SettingsPersistFailed>
  readonly messageStore: Layer.Layer<MessageStore>
  /**
   * The full-text index of the cached messages. The default is kept by the
   * default message store (the same layer, built once); with another store,
   * give an index that store keeps, or the default finds nothing.
   */
  readonly searchIndex: Layer.Layer<SearchIndex>
  readonly mediaFiles: Layer.Layer<MediaFiles>
  readonly mediaIndex: Layer.Layer<MediaIndex>
  /** Reads saved logins from the SessionStore in use (the default one, or a replacement). */
  readonly telegramGateway: Layer.Layer<TelegramGateway, never, SessionStore>
  readonly telegramLogin: Layer.Layer<TelegramLogin>
  /** Named API tokens; read when first asked, so it never fails to build. */
  readonly tokenStore: Layer.Layer<TokenStore>
  /** Telegram's updates (the default is the gateway's own adapter: the same clients). */
  readonly telegramUpdates: Layer.Layer<TelegramUpdates, never, SessionStore>
  /** The live updates' followed state and event log. */
  readonly updateLog: Layer.Layer<UpdateLog>
}

/** The service an adapter slot provides. */
type SlotService<K extends keyof TgscAdapters> = Layer.Layer.Success<TgscAdapters[K]>

/** A replacement for some adapters; each may fail to build in its own way, and the gateway may read the SessionStore. */
export type TgscAdapterOverrides = {
  readonly [K in keyof TgscAdapters]?: Layer.Layer<SlotService<K>, unknown, Layer.Layer.Context<TgscAdapters[K]>>
}

/** The build errors of the replacements given. */
export type TgscOverrideErrors<O extends TgscAdapterOverrides> = {
  [K in keyof O]-?: O[K] extends Layer.Layer<infer _A, infer E, infer _R> ? E : never
}[keyof O]

const MISSING_CREDENTIALS = "Telegram API credentials are not configured: give TgscConfig.telegram { apiId, apiHash } " +
  "(from https://my.telegram.org/apps)"

/** The default adapters for `config`, each a layer of its own. */
export const tgscAdapters = (config: TgscConfig): TgscAdapters => {
  const layout = dataLayout(config.dataDir)
  const telegram = config.telegram
  const adapterConfig = Layer.succeed(TelegramAdapterConfig, {
    credentials: telegram === undefined
      ? Either.left(MISSING_CREDENTIALS)
      : Either.right(holdCredentials(telegram)),
    floodThresholdSeconds: config.floodThresholdSeconds ?? DEFAULT_FLOOD_THRESHOLD_SECONDS,
    emulator: telegram?.emulator,
    proxy: telegram?.proxy,
    ...(config.clientIdleSeconds === undefined ? {} : { idleTimeToLive: Duration.seconds(config.clientIdleSeconds) }),
    ...(config.telegramTimeoutSeconds === undefined ? {} : { requestTimeout: Duration.seconds(config.telegramTimeoutSeconds) })
  })
  // One layer for both: the store writes the index in the same commit (built once, as layers are shared).
  const caches = MessageStoreLive({ accountsDir: layout.accounts, searchIndex: config.searchIndex !== false })
  // One layer for both ports: the updates come over the gateway's clients.
  const telegramAdapter = TelegramGatewayOnFirstUse.pipe(Layer.provide(adapterConfig))
  return {
    sessionStore: SessionFilesLive(layout.sessions),
    settingsStore: SettingsFileLive({ path: layout.settings, seedFrom: config.settingsSeed }),
    messageStore: caches,
    searchIndex: caches,
    mediaFiles: MediaFilesLive({ accountsDir: layout.accounts }),
    mediaIndex: MediaIndexLive({ accountsDir: layout.accounts }),
    telegramGateway: telegramAdapter,
    telegramUpdates: telegramAdapter,
    updateLog: UpdateLogLive({ accountsDir: layout.accounts, retention: config.updatesRetention }),
    telegramLogin: TelegramLoginOnFirstUse.pipe(Layer.provide(adapterConfig)),
    tokenStore: TokensFileLive(layout.tokens)
  }
}

/** The use cases over whatever provides the ports, tuned by `config`'s cache and login durations. */
export const TgscUseCasesLive = (
  config: Pick<TgscConfig, "dialogCacheTtlSeconds" | "loginTimeoutSeconds" | "loginKeepSeconds" | "maxPendingLogins"> = {}
): Layer.Layer<TgscUseCases, never, TgscPorts> => {
  const seconds = (value: number | undefined, fallback: Duration.Duration) =>
    value === undefined ? fallback : Duration.seconds(value)
  const accountCache = AccountCache.Default.pipe(
    Layer.provide(Layer.succeed(AccountCacheOptionsTag, {
      timeToLive: seconds(config.dialogCacheTtlSeconds, DEFAULT_ACCOUNT_CACHE_TTL)
    }))
  )
  // QR and phone logins share one PendingLogins: one cap, one login per name, whichever way.
  const logins = Layer.merge(QrLogins.Default, PhoneLogins.Default).pipe(
    Layer.provide(PendingLogins.Default),
    Layer.provide(Layer.succeed(QrLoginOptionsTag, {
      loginTimeout: seconds(config.loginTimeoutSeconds, defaultQrLoginOptions.loginTimeout),
      keepFinished: seconds(config.loginKeepSeconds, defaultQrLoginOptions.keepFinished),
      maxPending: config.maxPendingLogins ?? DEFAULT_MAX_PENDING_LOGINS
    }))
  )
  // The use cases see Telegram through SessionRevocations: a session Telegram refused is not asked for again.
  const useCases = Layer.mergeAll(
    logins,
    DialogSearch.Default,
    MessageSearch.Default,
    ForumTopics.Default,
    Layer.merge(CacheSearch.Default, SyncJobs.Default).pipe(Layer.provideMerge(HistorySync.Default)),
    MediaLookup.Default
  ).pipe(
    Layer.provideMerge(accountCache),
    Layer.provide(RevocationGuardedGatewayLive)
  )
  return Layer.merge(SessionLogout.Default, SessionListing.Default).pipe(
    Layer.provideMerge(useCases),
    Layer.provideMerge(SessionRevocations.Default)
  )
}

/**
 * Every port and use case, ready: `Effect.provide(program, TgscLive(config))`.
 * `overrides` replaces adapters, e.g. `{ messageStore: MyStoreLive }`; the
 * others stay the defaults. The data-directory lock (see
 * TgscConfig.lockDataDir) is taken before anything else touches the
 * directory and released after everything else has closed. Then, before any
 * adapter starts, everything under the directory is made private to its
 * owner (directories 0700, files 0600; one log line says how many paths were
 * tightened) and temporary files left by a crash are removed.
 */
export const TgscLive = <const O extends TgscAdapterOverrides = {}>(
  config: TgscConfig,
  overrides?: O
): Layer.Layer<TgscServices, TgscStartError | TgscOverrideErrors<O>> => {
  const adapters = { ...tgscAdapters(config), ...overrides } as TgscAdapters
  const stores = Layer.mergeAll(
    adapters.sessionStore,
    adapters.settingsStore,
    adapters.messageStore,
    adapters.searchIndex,
    adapters.mediaFiles,
    adapters.mediaIndex
  )
  const ports = Layer.mergeAll(adapters.telegramGateway, adapters.telegramLogin).pipe(Layer.provideMerge(stores))
  const tokens = ApiTokens.Default.pipe(Layer.provideMerge(adapters.tokenStore))
  // The search index catches up with the caches in the background (progress in the log).
  const backfill = Layer.scopedDiscard(Effect.forkScoped(backfillSearchIndex))
  const useCases = TgscUseCasesLive(config).pipe(Layer.provideMerge(backfill), Layer.provideMerge(ports))
  const follow = HistoryFollow.Default.pipe(
    Layer.provideMerge(LiveUpdates.Default),
    Layer.provide(Layer.succeed(LiveUpdatesOptionsTag, { ...defaultLiveUpdatesOptions, forced: config.followUpdates === true })),
    Layer.provideMerge(Layer.merge(adapters.telegramUpdates, adapters.updateLog)),
    Layer.provideMerge(useCases)
  )
  const services = Layer.merge(follow, tokens)
  // The data directory is made private (and cleaned of a crash's temporary files) while the lock is held, before
  // any adapter opens something in it.
  const tidy = tidyDataDir(config.dataDir)
  const locked = services.pipe(Layer.provide(Layer.scopedDiscard(
    config.lockDataDir === false ? tidy : Effect.zipRight(lockDataDir(config.dataDir), tidy)
  )))
  // The cast only restores the override errors the widened `adapters` record forgot.
  return locked as Layer.Layer<TgscServices, TgscStartError | TgscOverrideErrors<O>>
}
