// A fake shell behind `mockIPC`: answers the commands of docs/ipc.md from in-memory data and
// records every call, so tests exercise the real api.ts wrappers at the IPC boundary.
import { emit } from "@tauri-apps/api/event";
import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { act } from "@testing-library/react";
import type {
  Account,
  Action,
  AppInfo,
  Approval,
  ApprovalQuery,
  ApprovalSummary,
  BoxCounts,
  Draft,
  OutboxEntry,
  Inbox,
  NewAccount,
  PathSummary,
  Template,
  VendorInfo,
} from "../types";

// 2024-05-01 10:00:00 +08:00
export const T0 = 1714528800;

export function makeApproval(id: number, over: Partial<Approval> = {}): Approval {
  return {
    id,
    account_id: 1,
    account_name: "公司云盘",
    vendor: "yomicloud",
    remote_id: `R${id}`,
    title: `审批 ${id}`,
    form_name: "费用报销",
    submitter: { id: "u2", name: "李四" },
    submitted_at: T0,
    updated_at: T0 + id,
    status: "pending",
    status_word: null,
    boxes: ["todo"],
    actions: ["approve", "reject"],
    fields: [],
    steps: [],
    attachments: [],
    raw: {},
    unreadable: null,
    marks: [],
    ...over,
  };
}

export const reimbursement = makeApproval(7, {
  title: "差旅报销 - 上海出差",
  fields: [
    { label: "报销金额", value: "1234567.8", kind: "money" },
    { label: "出发日期", value: String(T0), kind: "date" },
    { label: "经办人", value: '{"id":"u3","name":"王五"}', kind: "user" },
    { label: "事由", value: "客户拜访", kind: "text" },
  ],
  steps: [
    {
      name: "部门经理",
      rule: { kind: "any" },
      decision: "approved",
      members: [{ user: { id: "u4", name: "赵六" }, decision: "approved", word: null, comment: "同意，注意控制预算", decided_at: T0 + 3600 }],
    },
    {
      name: "财务复核",
      rule: { kind: "more_than", n: 1 },
      decision: "waiting",
      members: [
        { user: { id: "u1", name: "张三" }, decision: "waiting", word: null, comment: null, decided_at: null },
        { user: { id: "u5", name: "孙七" }, decision: "waiting", word: null, comment: null, decided_at: null },
      ],
    },
  ],
  attachments: [
    { remote_id: "f1", name: "发票.pdf", size: 1536, is_folder: false },
    { remote_id: "f2", name: "行程单", size: null, is_folder: true },
  ],
});

export const yomicloud: VendorInfo = {
  id: "yomicloud",
  name: "云盘审批 (yomicloud)",
  color: "blue",
  settings: [
    { key: "uid", label: "用户 ID", secret: false, required: true, help: "令牌所属用户的数字 ID", choices: [], when: null },
    { key: "token", label: "访问令牌", secret: true, required: true, help: "从云盘网页版复制", choices: [], when: null },
  ],
  capabilities: {
    boxes: ["todo", "submitted", "processed", "cc"],
    actions: ["approve", "reject"],
    attachments: true,
    submit: false,
    vendor_link: false,
    idempotent_submit: false,
    submit_target: false,
    template_label: null,
  },
};

/** yomicloud as the shell declares it once submitting is on. */
export const yomicloudSubmit: VendorInfo = { ...yomicloud, capabilities: { ...yomicloud.capabilities, submit: true, submit_target: true } };

/** A yomicloud template like the simulator's 合同上传审批: statement, designated approver, files. */
export const uploadTemplate: Template = {
  id: "8",
  name: "合同上传审批",
  target: "42",
  description: "请上传合同扫描件",
  fields: [
    { key: "creatorNote", label: "请上传合同扫描件", kind: "text", required: true, options: [] },
    { key: "amount", label: "合同金额", kind: "money", required: false, options: [] },
    {
      key: "selectId.1",
      label: "「法务终审」的指定审批人",
      kind: "select",
      required: true,
      options: [
        { value: "1", label: "系统管理员" },
        { value: "12", label: "黄磊" },
      ],
    },
  ],
  steps: [
    {
      name: "法务初审",
      rule: { kind: "more_than", n: 0 },
      decision: "waiting",
      members: [{ user: { id: "11", name: "赵敏" }, decision: "waiting", word: null, comment: null, decided_at: null }],
    },
    {
      name: "法务终审",
      rule: { kind: "designated", user_id: "" },
      decision: "waiting",
      members: [
        { user: { id: "1", name: "系统管理员" }, decision: "waiting", word: null, comment: null, decided_at: null },
        { user: { id: "12", name: "黄磊" }, decision: "waiting", word: null, comment: null, decided_at: null },
      ],
    },
  ],
  attachments: "required",
  open_fields: false,
};

/** What describe_files answers for a path: its last part, a folder when it has no dot. */
export function describePath(path: string): PathSummary {
  const name = path.split("/").pop() ?? path;
  const folder = !name.includes(".");
  return { path, name, is_folder: folder, files: folder ? 3 : 1, size: folder ? 3 * 1024 : 2048, error: null };
}

export const demoAccount: Account = {
  id: 1,
  name: "公司云盘",
  vendor: "yomicloud",
  base_url: "http://127.0.0.1:9100",
  settings: { uid: "1" },
  demo: true,
  sync: { running: false, last_success: T0, last_attempt: T0, last_error: null, last_count: null, last_unreadable: null , progress: null},
};

export interface Call {
  cmd: string;
  args: Record<string, unknown>;
}

type Handler = (args: Record<string, unknown>) => unknown;

export interface Backend {
  calls: Call[];
  approvals: Approval[];
  accounts: Account[];
  drafts: Draft[];
  callsOf: (cmd: string) => Record<string, unknown>[];
  /** Replace a command's behaviour (throw an `ErrorReply` to reject like the shell does). */
  on: (cmd: string, handler: Handler) => void;
  emit: (event: string, payload: unknown) => Promise<void>;
  outbox: OutboxEntry[];
}

const summary = (a: Approval): ApprovalSummary => {
  const { fields: _f, steps: _s, attachments: _a, raw: _r, ...rest } = a;
  return rest;
};

export function installBackend(
  init: {
    approvals?: Approval[];
    accounts?: Account[];
    vendors?: VendorInfo[];
    info?: AppInfo;
    templates?: Template[];
    drafts?: Draft[];
    /** Undelivered decisions (`list_outbox`). */
    outbox?: OutboxEntry[];
    /** What the native file dialog answers (`plugin:dialog|open`). */
    picked?: string[] | null;
    /** What the native save dialog answers (`plugin:dialog|save`). */
    savePath?: string | null;
  } = {},
): Backend {
  const approvals = init.approvals ?? [reimbursement, makeApproval(8, { title: "采购申请", vendor: "fxiaoke" })];
  const accounts = init.accounts ?? [demoAccount];
  const vendors = init.vendors ?? [yomicloud];
  const info = init.info ?? { demo: true, data_dir: "/tmp/inbox", version: "0.1.0" };
  const templates = init.templates ?? [uploadTemplate];
  const drafts = init.drafts ?? [];
  const outbox = init.outbox ?? [];
  let autostart = false;
  const calls: Call[] = [];
  const overrides = new Map<string, Handler>();
  let nextDraft = 100;
  let nextApproval = 500;

  const counts = (): BoxCounts => {
    const c: BoxCounts = { todo: 0, submitted: 0, processed: 0, cc: 0, managed: 0 };
    approvals.forEach((a) => a.boxes.forEach((b) => (c[b] += 1)));
    return c;
  };

  const builtin: Record<string, Handler> = {
    app_info: () => info,
    list_vendors: () => vendors,
    list_accounts: () => accounts,
    box_counts: () => counts(),
    list_approvals: (args) => {
      const q = args.query as ApprovalQuery;
      const hits = approvals
        .filter((a) => !q.inbox || a.boxes.includes(q.inbox as Inbox))
        .filter((a) => !q.vendor || a.vendor === q.vendor)
        .filter((a) => !q.search || a.title.includes(q.search))
        .filter((a) => !q.status || a.status === q.status)
        .filter((a) => !q.form_name || a.form_name === q.form_name)
        .filter((a) => !q.account_id || a.account_id === q.account_id)
        .filter((a) => !q.unreadable || a.unreadable !== null)
        .sort((x, y) => (q.sort === "oldest" ? x.updated_at - y.updated_at : y.updated_at - x.updated_at));
      return { items: hits.slice(q.offset, q.offset + q.limit).map(summary), total: hits.length };
    },
    get_approval: (args) => {
      const found = approvals.find((a) => a.id === args.id);
      if (!found) throw { kind: "not_found", message: `审批 ${String(args.id)} 不存在` };
      return found;
    },
    act: (args) => {
      const a = approvals.find((x) => x.id === args.id);
      if (!a) throw { kind: "not_found", message: "审批不存在" };
      const action = args.action as Action;
      a.status = action === "approve" ? "approved" : action === "reject" ? "rejected" : "cancelled";
      a.boxes = action === "cancel" ? a.boxes : ["processed"];
      a.actions = [];
      a.updated_at += 100;
      return a;
    },
    add_account: (args) => {
      const input = args.input as NewAccount;
      const account: Account = {
        id: accounts.length + 10,
        name: input.name,
        vendor: input.vendor,
        base_url: input.base_url,
        settings: input.settings,
        demo: false,
        sync: { running: false, last_success: null, last_attempt: null, last_error: null, last_count: null, last_unreadable: null , progress: null},
      };
      accounts.push(account);
      return account;
    },
    test_account: () => "连接正常：已读取 2 条待办",
    remove_account: (args) => {
      const i = accounts.findIndex((a) => a.id === args.id);
      if (i >= 0) accounts.splice(i, 1);
      return null;
    },
    sync_now: () => null,
    stop_sync: () => true,
    list_templates: (args) => {
      const q = args.query as { template_id?: string; target?: string };
      return templates.filter((x) => !q.template_id || x.id === q.template_id);
    },
    save_draft: (args) => {
      const d = structuredClone(args.draft as Draft);
      const at = drafts.findIndex((x) => x.id === d.id);
      if (d.id === 0 || at < 0) {
        d.id = nextDraft++;
        d.submission.request_id = `AI${d.id}`;
        drafts.unshift(d);
      } else {
        d.submission.request_id = drafts[at].submission.request_id;
        drafts[at] = d;
      }
      return d.id;
    },
    list_drafts: () => structuredClone(drafts),
    delete_draft: (args) => {
      const at = drafts.findIndex((x) => x.id === args.id);
      if (at >= 0) drafts.splice(at, 1);
      return null;
    },
    submit_draft: (args) => {
      const at = drafts.findIndex((x) => x.id === args.id);
      if (at < 0) throw { kind: "not_found", message: `no draft ${String(args.id)}` };
      const d = drafts[at];
      const t = templates.find((x) => x.id === d.submission.template_id);
      const created = makeApproval(nextApproval++, {
        title: t?.name ?? d.submission.template_id,
        form_name: t?.name ?? "",
        boxes: ["submitted"],
        actions: [],
        fields: d.submission.fields.map((f) => ({ label: f.key, value: f.value, kind: f.kind ?? "text" })),
      });
      approvals.push(created);
      drafts.splice(at, 1);
      return created;
    },
    list_outbox: () => structuredClone(outbox),
    retry_action: (args) => {
      const at = outbox.findIndex((x) => x.id === args.id);
      if (at < 0) throw { kind: "not_found", message: `no outbox entry ${String(args.id)}` };
      const [done] = outbox.splice(at, 1);
      return { ...done, state: "done", attempts: done.attempts + 1, last_error: null, last_count: null, last_unreadable: null , progress: null};
    },
    discard_action: (args) => {
      const at = outbox.findIndex((x) => x.id === args.id);
      if (at < 0) throw { kind: "not_found", message: `no outbox entry ${String(args.id)}` };
      const [gone] = outbox.splice(at, 1);
      return { ...gone, state: "discarded" };
    },
    get_autostart: () => autostart,
    set_autostart: (args) => {
      autostart = args.enabled as boolean;
      return null;
    },
    describe_files: (args) => (args.paths as string[]).map(describePath),
    save_attachment: (args) => args.path,
    "plugin:dialog|open": () => init.picked ?? null,
    "plugin:dialog|save": () => init.savePath ?? null,
    facets: (args) => {
      const inBox = approvals.filter((a) => !args.inbox || a.boxes.includes(args.inbox as Inbox));
      const group = (pick: (a: Approval) => string) => {
        const n = new Map<string, number>();
        inBox.forEach((a) => n.set(pick(a), (n.get(pick(a)) ?? 0) + 1));
        return [...n].map(([value, count]) => ({ value, count })).sort((x, y) => y.count - x.count);
      };
      return { form_names: group((a) => a.form_name), submitters: group((a) => a.submitter.name) };
    },
  };

  mockIPC(
    (cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args: JSON.parse(JSON.stringify(args)) });
      const handler = overrides.get(cmd) ?? builtin[cmd];
      if (!handler) throw { kind: "invalid", message: `unknown command ${cmd}` };
      return handler(args);
    },
    { shouldMockEvents: true },
  );
  // The window's label, for getCurrentWebview() (the drop listener).
  mockWindows("main");

  return {
    calls,
    approvals,
    accounts,
    drafts,
    outbox,
    callsOf: (cmd) => calls.filter((c) => c.cmd === cmd).map((c) => c.args),
    on: (cmd, handler) => overrides.set(cmd, handler),
    emit: async (event, payload) => {
      await act(async () => {
        await emit(event, payload);
      });
    },
  };
}
