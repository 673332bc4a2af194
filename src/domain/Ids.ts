/**
 * The ids the product passes around, branded so one cannot stand in for
 * another (a message id where a dialog id belongs compiles no more). They
 * are plain numbers at run time: the constructors check nothing and cost
 * nothing, so the hot paths (a page of messages decoded or stored) keep
 * their speed; values are branded where they enter (the Telegram adapter's
 * mapping, a cache row, a decoded request).
 */
import { Brand } from "effect"

/** A dialog's marked id: a user `+id`, a basic group `-id`, a channel or supergroup `-(1000000000000 + id)` (PeerId.ts). */
export type DialogId = number & Brand.Brand<"DialogId">
export const DialogId = Brand.nominal<DialogId>()

/** The logged-in account's Telegram user id: the key of its caches and media. */
export type AccountId = number & Brand.Brand<"AccountId">
export const AccountId = Brand.nominal<AccountId>()

/** A message's id, unique within its dialog (Telegram numbers each channel's messages on their own). */
export type MessageId = number & Brand.Brand<"MessageId">
export const MessageId = Brand.nominal<MessageId>()
