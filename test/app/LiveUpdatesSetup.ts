/**
 * LiveUpdates and HistoryFollow over fakes at the Telegram ports
 * (HistoryTelegramFake for history, UpdatesTelegramFake for updates) with
 * the real SQLite caches and update log in a temporary directory. `start`
 * builds the use cases (a server's life); `stop` closes them; the same
 * directory is kept across, as across a restart.
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { Duration, Effect, Exit, Layer, ManagedRuntime, Option, Ref, Stream } from "effect"
import { MediaFilesLive } from "../../src/adapters/fs/MediaFilesLive.js"
import { MediaIndexLive } from "../../src/adapters/sqlite/MediaIndexLive.js"
import { MessageStoreLive } from "../../src/adapters/sqlite/MessageStoreLive.js"
import { UpdateLogLive } from "../../src/adapters/sqlite/UpdateLogLive.js"
import { AccountCache, AccountCacheOptionsTag } from "../../src/app/AccountCache.js"
import { HistoryFollow } from "../../src/app/HistoryFollow.js"
import { HistorySync } from "../../src/app/HistorySync.js"
import { LiveUpdates, LiveUpdatesOptionsTag, type UpdatesRequest } from "../../src/app/LiveUpdates.js"
import { everything } from "../../src/domain/AccessScope.js"
import type { Retention } from "../../src/domain/LiveUpdates.js"
import type { SessionName } from "../../src/domain/SessionName.js"
import { applyPatch, defaultSettings, type Settings, type SettingsPatch } from "../../src/domain/Settings.js"
import { MessageStore } from "../../src/ports/MessageStore.js"
import { SessionStore } from "../../src/ports/SessionStore.js"
import { SettingsStore } from "../../src/ports/SettingsStore.js"
import { TelegramUpdates } from "../../src/ports/TelegramUpdates.js"
import type { LoggedEvent } from "../../src/ports/UpdateLog.js"
import { UpdateLog } from "../../src/ports/UpdateLog.js"
import { TelegramFake } from "./HistoryTelegramFake.js"
import { UpdatesFake } from "./UpdatesTelegramFake.js"

export const live = (dir: string, history: TelegramFake, updates: UpdatesFake, settings: Ref.Ref<Settings>, retention?: Retention) => {
  const ports = Layer.mergeAll(
    history.layer(),
    Layer.succeed(TelegramUpdates, updates.layer()),
    MessageStoreLive({ accountsDir: dir }),
    MediaFilesLive({ accountsDir: dir }),
    MediaIndexLive({ accountsDir: dir }),
    UpdateLogLive({ accountsDir: dir, retention }),
    Layer.succeed(SettingsStore, {
      get: Ref.get(settings),
      update: (patch: SettingsPatch) => Ref.updateAndGet(settings, (s) => applyPatch(s, patch))
    }),
    Layer.succeed(SessionStore, {
      exists: (name) => Effect.succeed(history.accounts.has(name)),
      load: () => Effect.succeed(Option.none()),
      save: () => Effect.void,
      remove: () => Effect.void,
      list: Effect.sync(() => [...history.accounts.keys()] as Array<SessionName>)
    })
  )
  return HistoryFollow.Default.pipe(
    Layer.provideMerge(LiveUpdates.Default),
    Layer.provideMerge(HistorySync.Default),
    Layer.provideMerge(AccountCache.Default),
    Layer.provide(Layer.succeed(AccountCacheOptionsTag, { timeToLive: Duration.seconds(60) })),
    Layer.provide(Layer.succeed(LiveUpdatesOptionsTag, { forced: false, check: Duration.millis(50) })),
    Layer.provideMerge(ports)
  )
}

export type LiveRuntime = ManagedRuntime.ManagedRuntime<
  LiveUpdates | HistoryFollow | HistorySync | MessageStore | UpdateLog | AccountCache,
  never
>

/** `dialogs`: the account's dialogs before it is followed (empty ones; a message to any other is a new dialog). */
export const makeWorld = async (options: { follow?: boolean; retention?: Retention; dialogs?: ReadonlyArray<number> } = {}) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "tgsc-live-"))
  const history = new TelegramFake()
  for (const id of options.dialogs ?? []) history.set(id, [])
  const updates = new UpdatesFake(history)
  const settings = Ref.unsafeMake<Settings>({ ...defaultSettings, follow_updates: options.follow ?? true })
  let runtime: LiveRuntime | null = null
  const world = {
    dir,
    history,
    updates,
    settings,
    start: () => {
      runtime = ManagedRuntime.make(live(dir, history, updates, settings, options.retention)) as unknown as LiveRuntime
      return runtime
    },
    run: <A, E>(effect: Effect.Effect<A, E, LiveUpdates | HistoryFollow | HistorySync | MessageStore | UpdateLog | AccountCache>) =>
      runtime!.runPromise(effect),
    exit: <A, E>(effect: Effect.Effect<A, E, LiveUpdates | HistoryFollow | HistorySync | MessageStore | UpdateLog | AccountCache>) =>
      runtime!.runPromise(Effect.exit(effect)) as Promise<Exit.Exit<A, E>>,
    stop: async () => {
      await runtime?.dispose()
      runtime = null
    },
    close: async () => {
      await world.stop()
      await fs.rm(dir, { recursive: true, force: true })
    },
    /** The first `n` events after `since` (null: from now) for `session`, read from the live stream. */
    take: (session: string, n: number, request: Partial<UpdatesRequest> = {}) =>
      world.run(Effect.flatMap(LiveUpdates, (l) =>
        l.stream(session as SessionName, { since: null, dialogIds: null, folder: null, scope: everything, ...request }).pipe(
          Stream.take(n),
          Stream.runCollect,
          Effect.map((c) => [...c] as Array<LoggedEvent>),
          Effect.timeoutFail({ duration: Duration.seconds(10), onTimeout: () => new Error(`fewer than ${n} events came`) })
        ))),
    /** Waits until the account's loop has caught up (its state's pts is the fake's). */
    caughtUp: async (session: string, account = 1001) => {
      for (let i = 0; i < 400; i++) {
        const state = await world.run(Effect.flatMap(UpdateLog, (log) => log.state(account as never)))
        const box = updates.account(session)
        const channelsDone = [...box.channels].every(([id, b]) => state?.channels.get(id as never)?.pts === b.pts)
        if (state !== null && state.common.pts === box.common.pts && channelsDone) return
        await new Promise((r) => setTimeout(r, 25))
      }
      throw new Error("the loop did not catch up")
    }
  }
  return world
}

export type World = Awaited<ReturnType<typeof makeWorld>>
