// Formatting of money, times, sizes and the contract's enums into words of the current language.
// Times from the shell are Unix seconds (UTC); they are shown in the user's local time zone.

import { t } from "./i18n";
import type { Action, Decision, Inbox, Status, StepMember, StepRule, SyncProgress } from "./types";

const pad = (n: number) => String(n).padStart(2, "0");

const moneyFormat = new Intl.NumberFormat("en-US", {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

/**
 * "1234567.8" → "¥1,234,567.80". Tolerates a leading ¥/￥, thousands separators and a trailing 元;
 * a value that is not a number is returned unchanged.
 */
export function formatMoney(value: string | number): string {
  const text = String(value).trim();
  const cleaned = text.replace(/[¥￥,\s]/g, "").replace(/元$/, "");
  if (cleaned === "" || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(cleaned)) return text;
  const n = Number(cleaned);
  if (!Number.isFinite(n)) return text;
  const sign = n < 0 ? "-" : "";
  return `${sign}¥${moneyFormat.format(Math.abs(n))}`;
}

function toDate(seconds: number): Date {
  return new Date(seconds * 1000);
}

/** Unix seconds → "2024-05-01 14:03" in local time. */
export function formatDateTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const d = toDate(seconds);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `date` field's value (Unix seconds as text) → local date-time; anything else unchanged. */
export function formatDateField(value: string): string {
  const text = value.trim();
  if (!/^-?\d+(\.\d+)?$/.test(text)) return value;
  return formatDateTime(Number(text));
}

/**
 * A short time for lists: "刚刚", "5 分钟前", "3 小时前", "昨天 09:12", "05-01 14:03" (this year)
 * or "2023-05-01" (earlier years). Future times fall back to the local date-time.
 */
export function formatRelative(seconds: number, nowMs: number = Date.now()): string {
  const diff = Math.floor(nowMs / 1000 - seconds);
  if (diff < -60) return formatDateTime(seconds);
  if (diff < 60) return t("刚刚");
  if (diff < 3600) return t("{n} 分钟前", { n: Math.floor(diff / 60) });
  const d = toDate(seconds);
  const now = new Date(nowMs);
  const sameDay = (a: Date, b: Date) =>
    a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  if (diff < 12 * 3600 || sameDay(d, now)) return t("{n} 小时前", { n: Math.floor(diff / 3600) });
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (sameDay(d, yesterday)) return t("昨天 {hm}", { hm });
  if (d.getFullYear() === now.getFullYear()) return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Bytes → "512 B", "1.5 KB", "23 MB" (binary units); null → "—". */
export function formatSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${value} B`;
  const shown = value >= 100 ? Math.round(value).toString() : value.toFixed(1).replace(/\.0$/, "");
  return `${shown} ${units[unit]}`;
}

export const BOXES: Inbox[] = ["todo", "submitted", "processed", "cc", "managed"];

const BOX_TEXT: Record<Inbox, string> = {
  todo: "待我审批",
  submitted: "我提交的",
  processed: "我处理过的",
  cc: "抄送我的",
  managed: "我管理的",
};

/** A box's name in the current language. */
export const boxLabel = (box: Inbox) => t(BOX_TEXT[box]);

const STATUS_TEXT: Record<Status, { text: string; color: string }> = {
  sending: { text: "发送中", color: "processing" },
  pending: { text: "审批中", color: "processing" },
  approved: { text: "已通过", color: "success" },
  rejected: { text: "已拒绝", color: "error" },
  cancelled: { text: "已撤回", color: "default" },
  failed: { text: "处理失败", color: "warning" },
  other: { text: "其他", color: "default" },
};

export const STATUSES = Object.keys(STATUS_TEXT) as Status[];

/** An approval status in words (current language) and its tag color. */
export function statusLabel(status: Status, word?: string | null): { text: string; color: string } {
  // A word we do not know is shown as the vendor wrote it.
  if (status === "other" && word) return { text: word, color: "default" };
  const s = STATUS_TEXT[status];
  return s ? { text: t(s.text), color: s.color } : { text: status, color: "default" };
}

const DECISION_TEXT: Record<Decision, { text: string; color: string }> = {
  waiting: { text: "待处理", color: "default" },
  approved: { text: "已同意", color: "success" },
  rejected: { text: "已拒绝", color: "error" },
  other: { text: "其他", color: "default" },
};

export function decisionLabel(d: Decision, word?: string | null): { text: string; color: string } {
  if (d === "other" && word) return { text: word, color: "default" };
  const known = DECISION_TEXT[d] ?? DECISION_TEXT.other;
  return { text: t(known.text), color: known.color };
}

const ACTION_TEXT: Record<Action, { verb: string; done: string }> = {
  approve: { verb: "同意", done: "已同意该审批" },
  reject: { verb: "拒绝", done: "已拒绝该审批" },
  cancel: { verb: "撤回", done: "已撤回该审批" },
};

/** An action's verb ("同意") and what is said once done, in the current language. */
export function actionLabel(a: Action): { verb: string; done: string } {
  return { verb: t(ACTION_TEXT[a].verb), done: t(ACTION_TEXT[a].done) };
}

/** "云盘审批 (yomicloud)" → "云盘审批": the vendor's display name without the trailing identifier. */
export function shortVendorName(name: string, id: string): string {
  const stripped = name.replace(new RegExp(`\\s*[(（]${id}[)）]\\s*$`), "").trim();
  return stripped || id;
}

/** The step rule in words; a designated approver is named when a member matches the id. */
export function ruleText(rule: StepRule, members: StepMember[] = []): string {
  switch (rule.kind) {
    case "all":
      return t("所有人同意");
    case "any":
      return t("任一人同意");
    case "more_than":
      return t("超过 {n} 人同意", { n: rule.n });
    case "designated": {
      const who = members.find((m) => m.user.id === rule.user_id)?.user.name;
      return who ? t("指定人审批（{who}）", { who }) : t("指定人审批");
    }
    case "other":
      return rule.word;
    default:
      return "";
  }
}

/**
 * An account's sync state in words, whether it is an error, and how many of its approvals
 * could not be read (shown, with a way to list them).
 */
export function describeSync(
  sync: {
    running: boolean;
    last_success: number | null;
    last_error: string | null;
    last_count?: number | null;
    last_unreadable?: number | null;
  },
  nowMs: number = Date.now(),
): { text: string; error: boolean; unreadable: number } {
  const unreadable = sync.last_unreadable ?? 0;
  if (sync.running) return { text: t("同步中…"), error: false, unreadable: 0 };
  if (sync.last_error) return { text: sync.last_error, error: true, unreadable: 0 };
  if (sync.last_success !== null) {
    const when = formatRelative(sync.last_success, nowMs);
    if (sync.last_count === null || sync.last_count === undefined) return { text: t("上次同步 {when}", { when }), error: false, unreadable };
    const done = t("同步完成 · {n} 条", { n: sync.last_count });
    const text = unreadable > 0 ? `${done}${t("，{n} 条无法读取", { n: unreadable })} · ${when}` : `${done} · ${when}`;
    return { text, error: false, unreadable };
  }
  return { text: t("尚未同步"), error: false, unreadable: 0 };
}

const count = new Intl.NumberFormat("en-US");

/** Seconds left, in words: "40 秒", "12 分钟", "1 小时 5 分钟". */
export function formatEta(secs: number): string {
  if (secs < 60) return t("{n} 秒", { n: secs });
  if (secs < 3600) return t("{n} 分钟", { n: Math.ceil(secs / 60) });
  return t("{h} 小时 {m} 分钟", { h: Math.floor(secs / 3600), m: Math.floor((secs % 3600) / 60) });
}

/**
 * A running sync in words, as `inbox sync` says it: "正在读取待办 · 已列出 1,200 条", then
 * "待办已就绪 · 历史 3,200 / 10,000 · 约 12 分钟". Null once it is done (the last result says it).
 */
export function describeProgress(p: SyncProgress): string | null {
  const history = t("历史 {done} / {total}", { done: count.format(p.history_done), total: count.format(p.history_total) });
  switch (p.phase) {
    case "todos":
      return t("正在读取待办 · 已列出 {n} 条", { n: count.format(p.listed) });
    case "history": {
      const eta = p.eta_secs === null ? "" : ` · ${t("约 {eta}", { eta: formatEta(p.eta_secs) })}`;
      return `${t("待办已就绪")} · ${history}${eta}`;
    }
    case "stopped":
      return p.todo_ready ? `${t("已停止")} · ${t("待办已就绪")} · ${history}` : t("已停止，下次继续");
    default:
      return null;
  }
}

const IMAGE_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  bmp: "image/bmp",
};

/** What a file is by its extension: a short type label, and whether the window can preview it. */
export function fileKind(name: string): { label: string; mime: string; preview: "image" | "pdf" | null } {
  const ext = /\.([a-z0-9]{1,8})$/i.exec(name)?.[1]?.toLowerCase() ?? "";
  if (ext in IMAGE_TYPES) return { label: ext.toUpperCase(), mime: IMAGE_TYPES[ext], preview: "image" };
  if (ext === "pdf") return { label: "PDF", mime: "application/pdf", preview: "pdf" };
  return { label: ext ? ext.toUpperCase() : t("文件"), mime: "application/octet-stream", preview: null };
}

/**
 * The last path component of a vendor-supplied name, without separators, control characters or
 * leading dots: the name offered in the save dialog. The same rule as the core's
 * `safe_file_name` (crates/inbox-core/src/service.rs), which names files the app writes itself.
 */
export function safeFileName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? "";
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f-\u009f:]/g, "").trim().replace(/^\.+/, "");
  return cleaned || "attachment";
}

/** The last part of a local path (either separator). */
export function baseName(path: string): string {
  return path.split(/[/\\]/).filter(Boolean).pop() ?? path;
}
