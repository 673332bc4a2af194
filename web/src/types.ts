/** The API's objects as the app reads them (the fields it uses; see /openapi.json). */
export interface Dialog {
  readonly id: number
  readonly type: string
  readonly title: string
  readonly username: string | null
  readonly is_archived: boolean
  readonly unread_count: number
  readonly message_count: number | null
  readonly last_message_date: string | null
  readonly last_message_preview: string | null
  readonly is_forum: boolean
}

export interface DialogPage {
  readonly total: number
  readonly results: ReadonlyArray<Dialog>
}

export interface Folder {
  readonly id: number
  readonly title: string
  readonly is_default: boolean
}

export interface Entity {
  readonly type: string
  readonly offset: number
  readonly length: number
  readonly url?: string
}

export interface Message {
  readonly message_id: number
  readonly date: string
  readonly sender_id: number | null
  readonly first_name: string | null
  readonly last_name: string | null
  readonly username: string | null
  readonly message: string
  readonly reply_to: number | null
  readonly post_author: string | null
  readonly is_forwarded: 0 | 1
  readonly forwarded_from_channel_id: number | null
  readonly media_type: string | null
  readonly media_uuid: string | null
  readonly media_original_filename: string | null
  readonly media_size: number | null
  readonly media_category: string | null
  readonly forward_from_name?: string | null
  readonly replies?: number | null
  readonly entities?: ReadonlyArray<Entity> | null
  readonly action?: { readonly type: string } | null
}

export interface SearchHit extends Message {
  readonly dialog_id: number
  readonly dialog_name: string | null
  readonly snippet?: string
}

export interface DateRange {
  readonly start_date: string
  readonly end_date: string
}

export interface Coverage {
  readonly dialog_id: number
  readonly dialog_title: string
  readonly covered: ReadonlyArray<DateRange>
  readonly gaps: ReadonlyArray<DateRange>
}

export interface SearchAnswer {
  readonly total: number
  readonly results: ReadonlyArray<SearchHit>
  readonly coverage?: ReadonlyArray<Coverage>
}

export interface Topic {
  readonly id: number
  readonly title: string
}

export interface Settings {
  readonly download_media: boolean
  readonly max_media_size_mb: number | null
  readonly telegram_batch_size: number
  readonly repair_media: boolean
  readonly download_file_types: Readonly<Record<string, boolean>>
}

export interface SyncJob {
  readonly job_id: string
  readonly dialog_id: number
  readonly state: string
  readonly messages: number
  readonly fetched: number
  readonly rate_limit_wait: number
  readonly error: { readonly detail: string } | null
}
