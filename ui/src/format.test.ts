import { describe, expect, it } from "vitest";
import {
  describeSync,
  formatDateField,
  formatDateTime,
  formatMoney,
  formatRelative,
  formatSize,
  ruleText,
  shortVendorName,
  safeFileName,
} from "./format";

// Tests run with TZ=Asia/Shanghai (vite.config.ts). 1714528800 = 2024-05-01 10:00:00 +08:00.
const T0 = 1714528800;

describe("formatMoney", () => {
  it("adds the yuan sign, thousands separators and two decimals", () => {
    expect(formatMoney("1234567.8")).toBe("¥1,234,567.80");
    expect(formatMoney("0")).toBe("¥0.00");
    expect(formatMoney(999.999)).toBe("¥1,000.00");
    expect(formatMoney("-1200.5")).toBe("-¥1,200.50");
  });
  it("accepts values the vendor already decorated", () => {
    expect(formatMoney("¥1,200")).toBe("¥1,200.00");
    expect(formatMoney(" 88元 ")).toBe("¥88.00");
  });
  it("leaves text that is not a number alone", () => {
    expect(formatMoney("面议")).toBe("面议");
    expect(formatMoney("")).toBe("");
    expect(formatMoney("12abc")).toBe("12abc");
  });
});

describe("dates", () => {
  it("formats Unix seconds in local time", () => {
    expect(formatDateTime(T0)).toBe("2024-05-01 10:00");
    expect(formatDateTime(T0 + 15 * 3600 + 5 * 60)).toBe("2024-05-02 01:05");
    expect(formatDateTime(null)).toBe("—");
  });
  it("formats a date field's text value", () => {
    expect(formatDateField(String(T0))).toBe("2024-05-01 10:00");
    expect(formatDateField("明天")).toBe("明天");
  });
  it("says how long ago", () => {
    const now = (T0 + 0) * 1000;
    expect(formatRelative(T0 - 30, now)).toBe("刚刚");
    expect(formatRelative(T0 - 5 * 60, now)).toBe("5 分钟前");
    expect(formatRelative(T0 - 3 * 3600, now)).toBe("3 小时前");
    expect(formatRelative(T0 - 14 * 3600, now)).toBe("昨天 20:00");
    expect(formatRelative(T0 - 10 * 86400, now)).toBe("04-21 10:00");
    expect(formatRelative(T0 - 400 * 86400, now)).toBe("2023-03-28");
    expect(formatRelative(T0 + 86400, now)).toBe("2024-05-02 10:00");
  });
});

describe("formatSize", () => {
  it("uses binary units", () => {
    expect(formatSize(0)).toBe("0 B");
    expect(formatSize(512)).toBe("512 B");
    expect(formatSize(1536)).toBe("1.5 KB");
    expect(formatSize(1024 * 1024)).toBe("1 MB");
    expect(formatSize(250 * 1024 * 1024)).toBe("250 MB");
    expect(formatSize(3.25 * 1024 ** 3)).toBe("3.3 GB");
    expect(formatSize(null)).toBe("—");
  });
});

describe("words", () => {
  it("names step rules", () => {
    expect(ruleText({ kind: "all" })).toBe("所有人同意");
    expect(ruleText({ kind: "any" })).toBe("任一人同意");
    expect(ruleText({ kind: "more_than", n: 2 })).toBe("超过 2 人同意");
    expect(ruleText({ kind: "designated", user_id: "u9" })).toBe("指定人审批");
    expect(
      ruleText({ kind: "designated", user_id: "u1" }, [
        { user: { id: "u1", name: "张三" }, decision: "waiting", word: null, comment: null, decided_at: null },
      ]),
    ).toBe("指定人审批（张三）");
  });
  it("shortens vendor names", () => {
    expect(shortVendorName("云盘审批 (yomicloud)", "yomicloud")).toBe("云盘审批");
    expect(shortVendorName("yomicloud", "yomicloud")).toBe("yomicloud");
  });
  it("describes sync state", () => {
    const now = T0 * 1000;
    expect(describeSync({ running: true, last_success: null, last_error: null }, now)).toEqual({ text: "同步中…", error: false, unreadable: 0 });
    expect(describeSync({ running: false, last_success: T0 - 120, last_error: "令牌无效" }, now)).toEqual({
      text: "令牌无效",
      error: true,
      unreadable: 0,
    });
    expect(describeSync({ running: false, last_success: T0 - 120, last_error: null }, now).text).toBe("上次同步 2 分钟前");
    expect(describeSync({ running: false, last_success: null, last_error: null }, now).text).toBe("尚未同步");
    const counted = { running: false, last_success: T0 - 120, last_error: null, last_count: 218 };
    expect(describeSync({ ...counted, last_unreadable: 2 }, now)).toEqual({ text: "同步完成 · 218 条，2 条无法读取 · 2 分钟前", error: false, unreadable: 2 });
    expect(describeSync({ ...counted, last_unreadable: 0 }, now).text).toBe("同步完成 · 218 条 · 2 分钟前");
  });
});

describe("safeFileName", () => {
  it("keeps only a plain name, like the core's safe_file_name", () => {
    expect(safeFileName("../../etc/passwd")).toBe("passwd");
    expect(safeFileName("..\\..\\boot.ini")).toBe("boot.ini");
    expect(safeFileName("..")).toBe("attachment");
    expect(safeFileName("报表 2026.pdf")).toBe("报表 2026.pdf");
    expect(safeFileName("/")).toBe("attachment");
  });
});
