/** Log format and level from configuration: logfmt-style text by default, JSON lines with LOG_FORMAT=json. */
import { Layer, Logger, LogLevel } from "effect"
import type { LogLevelName } from "../config/AppConfig.js"

const levels: Record<LogLevelName, LogLevel.LogLevel> = {
  all: LogLevel.All,
  trace: LogLevel.Trace,
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  error: LogLevel.Error,
  fatal: LogLevel.Fatal,
  none: LogLevel.None
}

export const LoggingLive = (options: { readonly level: LogLevelName; readonly format: "text" | "json" }) =>
  Layer.merge(
    options.format === "json" ? Logger.json : Logger.logFmt,
    Logger.minimumLogLevel(levels[options.level])
  )
