// Formatting of money, times, sizes and the contract's enums into Chinese words.
// Times from the shell are Unix seconds (UTC); they are shown in the user's local time zone.

import type { Action, Decision, Inbox, Status, StepMember, StepRule, Vendor } from "./types";

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
  if (diff < 60) return "刚刚";
  if (diff < 3600) return `${Math.floor(diff / 60)} 分钟前`;
  const d = toDate(seconds);
  const now = new Date(nowMs);
  const sameDay = (a: Date, b: Date) =>
    a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  if (diff < 12 * 3600 || sameDay(d, now)) return `${Math.floor(diff / 3600)} 小时前`;
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (sameDay(d, yesterday)) return `昨天 ${hm}`;
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

export const BOX_LABELS: Record<Inbox, string> = {
  todo: "待我审批",
  submitted: "我提交的",
  processed: "我处理过的",
  cc: "抄送我的",
};

export const BOXES: Inbox[] = ["todo", "submitted", "processed", "cc"];

export const STATUS_LABELS: Record<Status, { text: string; color: string }> = {
  pending: { text: "审批中", color: "processing" },
  approved: { text: "已通过", color: "success" },
  rejected: { text: "已拒绝", color: "error" },
  cancelled: { text: "已撤回", color: "default" },
  failed: { text: "处理失败", color: "warning" },
};

export const DECISION_LABELS: Record<Decision, { text: string; color: string }> = {
  waiting: { text: "待处理", color: "default" },
  approved: { text: "已同意", color: "success" },
  rejected: { text: "已拒绝", color: "error" },
};

export const ACTION_LABELS: Record<Action, { verb: string; done: string }> = {
  approve: { verb: "同意", done: "已同意该审批" },
  reject: { verb: "拒绝", done: "已拒绝该审批" },
  cancel: { verb: "撤回", done: "已撤回该审批" },
};

export const VENDOR_COLORS: Record<Vendor, string> = {
  yomicloud: "blue",
  zeyi: "purple",
  fxiaoke: "orange",
  qiyuesuo: "cyan",
  weiwenjia: "green",
};

/** "云盘审批 (yomicloud)" → "云盘审批": the vendor's display name without the trailing identifier. */
export function shortVendorName(name: string, id: string): string {
  const stripped = name.replace(new RegExp(`\\s*[(（]${id}[)）]\\s*$`), "").trim();
  return stripped || id;
}

/** The step rule in words; a designated approver is named when a member matches the id. */
export function ruleText(rule: StepRule, members: StepMember[] = []): string {
  switch (rule.kind) {
    case "all":
      return "所有人同意";
    case "any":
      return "任一人同意";
    case "more_than":
      return `超过 ${rule.n} 人同意`;
    case "designated": {
      const who = members.find((m) => m.user.id === rule.user_id)?.user.name;
      return who ? `指定人审批（${who}）` : "指定人审批";
    }
    default:
      return "";
  }
}

/** An account's sync state in words, and whether it is an error. */
export function describeSync(
  sync: { running: boolean; last_success: number | null; last_error: string | null },
  nowMs: number = Date.now(),
): { text: string; error: boolean } {
  if (sync.running) return { text: "同步中…", error: false };
  if (sync.last_error) return { text: sync.last_error, error: true };
  if (sync.last_success !== null) return { text: `上次同步 ${formatRelative(sync.last_success, nowMs)}`, error: false };
  return { text: "尚未同步", error: false };
}
