import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import Root from "./App";
import { T0, installBackend, makeApproval, reimbursement } from "./test/fakeBackend";
import type { Approval } from "./types";

function fixture(): Approval[] {
  return [
    structuredClone(reimbursement), // 7: todo
    makeApproval(8, { title: "采购申请", vendor: "fxiaoke", boxes: ["todo", "cc"] }),
    makeApproval(12, { title: "请假申请", boxes: ["todo"] }),
    makeApproval(9, { title: "合同盖章", boxes: ["submitted"], actions: ["cancel"] }),
    makeApproval(10, { title: "用印申请", boxes: ["submitted"], actions: [] }),
    makeApproval(11, { title: "加班申请", boxes: ["processed"], status: "approved", actions: [] }),
  ];
}

const rowIds = () =>
  within(screen.getByTestId("approval-list"))
    .queryAllByTestId("approval-row")
    .map((r) => r.getAttribute("data-id"));

async function openApproval(id: number) {
  const user = userEvent.setup();
  const row = await waitFor(() => {
    const r = document.querySelector(`[data-testid="approval-row"][data-id="${id}"]`);
    expect(r).not.toBeNull();
    return r as HTMLElement;
  });
  await user.click(row);
  await screen.findByTestId("detail-title");
  return user;
}

describe("inbox", () => {
  it("shows the box counts from box_counts", async () => {
    installBackend({ approvals: fixture() });
    render(<Root />);
    await waitFor(() => expect(screen.getByTestId("count-todo")).toHaveTextContent(/^3$/));
    expect(screen.getByTestId("count-submitted")).toHaveTextContent(/^2$/);
    expect(screen.getByTestId("count-processed")).toHaveTextContent(/^1$/);
    expect(screen.getByTestId("count-cc")).toHaveTextContent(/^1$/);
    expect(screen.getByTestId("box-todo")).toHaveTextContent("待我审批");
    expect(screen.getByTestId("demo-mode")).toHaveTextContent("演示模式 — 数据来自本地模拟器");
    expect(screen.queryByTestId("box-managed")).toBeNull();
  });

  it("shows 我管理的 once an administrator account has approvals there", async () => {
    const managed = makeApproval(30, { title: "删除文件审批", boxes: ["managed"], actions: [] });
    const user = userEvent.setup();
    installBackend({ approvals: [...fixture(), managed] });
    render(<Root />);
    await waitFor(() => expect(screen.getByTestId("count-managed")).toHaveTextContent(/^1$/));
    expect(screen.getByTestId("box-managed")).toHaveTextContent("我管理的");
    await user.click(screen.getByTestId("box-managed"));
    await waitFor(() => expect(rowIds()).toEqual(["30"]));
  });

  it("lists the selected box, 50 at a time", async () => {
    const many = Array.from({ length: 120 }, (_, i) => makeApproval(100 + i, { boxes: ["cc"] }));
    const backend = installBackend({ approvals: [...fixture(), ...many] });
    const user = userEvent.setup();
    render(<Root />);
    await waitFor(() => expect(rowIds()).toEqual(["12", "8", "7"]));
    expect(backend.callsOf("list_approvals")[0]).toEqual({ query: { inbox: "todo", offset: 0, limit: 50 } });

    await user.click(screen.getByTestId("box-submitted"));
    await waitFor(() => expect(rowIds()).toEqual(["10", "9"]));
    const row = screen.getAllByTestId("approval-row")[0];
    expect(row).toHaveTextContent("用印申请");
    expect(row).toHaveTextContent("费用报销");
    expect(row).toHaveTextContent("李四");
    expect(row).toHaveTextContent("审批中");
    expect(row).toHaveTextContent("云盘审批");

    await user.click(screen.getByTestId("box-cc"));
    await waitFor(() => expect(rowIds()).toHaveLength(50));
    expect(rowIds()[0]).toBe("219");
    await user.click(screen.getByTestId("btn-load-more"));
    await waitFor(() => expect(rowIds()).toHaveLength(100));
    expect(backend.callsOf("list_approvals").at(-1)).toEqual({ query: { inbox: "cc", offset: 50, limit: 50 } });
  });

  it("searches and filters through list_approvals", async () => {
    const backend = installBackend({ approvals: fixture() });
    const user = userEvent.setup();
    render(<Root />);
    await waitFor(() => expect(rowIds()).toHaveLength(3));
    await user.type(screen.getByTestId("search-input"), "请假{Enter}");
    await waitFor(() => expect(rowIds()).toEqual(["12"]));
    expect(backend.callsOf("list_approvals")).toContainEqual({
      query: { inbox: "todo", search: "请假", offset: 0, limit: 50 },
    });
  });

  it("shows the detail with formatted money, date and the step timeline", async () => {
    installBackend({ approvals: fixture() });
    render(<Root />);
    await openApproval(7);
    expect(screen.getByTestId("detail-title")).toHaveTextContent("差旅报销 - 上海出差");
    expect(screen.getByTestId("detail-status")).toHaveTextContent("审批中");
    expect(screen.getByText("¥1,234,567.80", { selector: ".field-money" })).toBeInTheDocument();
    expect(screen.getByText("2024-05-01 10:00", { selector: ".field-date" })).toBeInTheDocument();
    expect(screen.getByText("王五")).toBeInTheDocument();
    // Timeline: steps, rules in words, members with decision, comment and time.
    const timeline = screen.getByTestId("step-timeline");
    expect(within(timeline).getByText("部门经理")).toBeInTheDocument();
    expect(within(timeline).getByText("任一人同意")).toBeInTheDocument();
    expect(within(timeline).getByText("超过 1 人同意")).toBeInTheDocument();
    expect(within(timeline).getByText("「同意，注意控制预算」")).toBeInTheDocument();
    expect(within(timeline).getByText("2024-05-01 11:00")).toBeInTheDocument();
    expect(within(timeline).getAllByTestId("step-member")).toHaveLength(3);
    // Attachments.
    const files = screen.getAllByTestId("attachment");
    expect(files[0]).toHaveTextContent("发票.pdf");
    expect(files[0]).toHaveTextContent("1.5 KB");
    expect(files[1]).toHaveTextContent("行程单");
    expect(files[1].querySelector(".attachment-folder")).not.toBeNull();
  });

  it("approves at once, refreshes the list and the counts", async () => {
    const backend = installBackend({ approvals: fixture() });
    render(<Root />);
    const user = await openApproval(7);
    await waitFor(() => expect(screen.getByTestId("count-todo")).toHaveTextContent(/^3$/));
    await user.type(screen.getByTestId("comment-input"), "好的");
    await user.click(screen.getByTestId("btn-approve"));
    await waitFor(() => expect(backend.callsOf("act")).toEqual([{ id: 7, action: "approve", comment: "好的" }]));
    expect(await screen.findByText("已同意该审批")).toBeInTheDocument();
    await waitFor(() => expect(rowIds()).toEqual(["12", "8"]));
    await waitFor(() => expect(screen.getByTestId("count-todo")).toHaveTextContent(/^2$/));
    expect(screen.getByTestId("detail-status")).toHaveTextContent("已通过");
    expect(screen.queryByTestId("btn-approve")).toBeNull();
  });

  it("rejects only with a comment, and sends it", async () => {
    const backend = installBackend({ approvals: fixture() });
    render(<Root />);
    const user = await openApproval(7);
    await user.click(screen.getByTestId("btn-reject"));
    const input = screen.getByTestId("comment-input");
    await waitFor(() => expect(input).toHaveFocus());
    const confirm = screen.getByTestId("btn-confirm-reject");
    expect(confirm).toBeDisabled();
    await user.type(input, "   ");
    expect(confirm).toBeDisabled();
    await user.clear(input);
    await user.type(input, "预算超标");
    expect(confirm).toBeEnabled();
    await user.click(confirm);
    await waitFor(() => expect(backend.callsOf("act")).toEqual([{ id: 7, action: "reject", comment: "预算超标" }]));
    await waitFor(() => expect(screen.getByTestId("detail-status")).toHaveTextContent("已拒绝"));
    await waitFor(() => expect(rowIds()).not.toContain("7"));
  });

  it("shows the vendor's reason when act fails and keeps the comment", async () => {
    const backend = installBackend({ approvals: fixture() });
    const reason = "账号「公司云盘」处理审批失败：yomicloud handle-step 返回 5 当前状态不允许此操作";
    backend.on("act", () => {
      throw reason;
    });
    render(<Root />);
    const user = await openApproval(7);
    await user.click(screen.getByTestId("btn-reject"));
    await user.type(screen.getByTestId("comment-input"), "金额不对");
    await user.click(screen.getByTestId("btn-confirm-reject"));
    expect(await screen.findByTestId("action-error")).toHaveTextContent(reason);
    expect(screen.getByTestId("comment-input")).toHaveValue("金额不对");
    expect(screen.getByTestId("btn-confirm-reject")).toBeEnabled();
    expect(screen.getByTestId("detail-status")).toHaveTextContent("审批中");
    expect(rowIds()).toContain("7");
  });

  it("hides the buttons the approval does not allow", async () => {
    installBackend({ approvals: fixture() });
    render(<Root />);
    const user = userEvent.setup();
    await user.click(await screen.findByTestId("box-submitted"));
    await openApproval(10); // actions: []
    expect(screen.getByTestId("detail-title")).toHaveTextContent("用印申请");
    expect(screen.queryByTestId("btn-approve")).toBeNull();
    expect(screen.queryByTestId("btn-reject")).toBeNull();
    expect(screen.queryByTestId("btn-cancel")).toBeNull();
    expect(screen.queryByTestId("comment-input")).toBeNull();

    await openApproval(9); // actions: ["cancel"]
    await waitFor(() => expect(screen.getByTestId("detail-title")).toHaveTextContent("合同盖章"));
    expect(screen.getByTestId("btn-cancel")).toBeInTheDocument();
    expect(screen.queryByTestId("btn-approve")).toBeNull();
    expect(screen.queryByTestId("btn-reject")).toBeNull();
  });

  it("renders a table field as text, never as HTML", async () => {
    const evil = makeApproval(7, {
      fields: [
        { label: "明细", value: "<img src=x onerror=alert(1)>", kind: "table" },
        { label: "行", value: '[{"项目":"<b>机票</b>","金额":"1200"}]', kind: "table" },
      ],
    });
    installBackend({ approvals: [evil] });
    render(<Root />);
    await openApproval(7);
    expect(screen.getByText("<img src=x onerror=alert(1)>")).toBeInTheDocument();
    expect(screen.getByText("<b>机票</b>")).toBeInTheDocument();
    expect(document.querySelector("img[src='x']")).toBeNull();
    expect(document.querySelector("b")).toBeNull();
  });

  it("reacts to sync events", async () => {
    const backend = installBackend({ approvals: fixture() });
    render(<Root />);
    await waitFor(() => expect(rowIds()).toHaveLength(3));
    await backend.emit("sync-started", { account_id: 1 });
    expect(await screen.findByTestId("sync-indicator")).toBeInTheDocument();

    backend.approvals.push(makeApproval(13, { title: "新来的审批", updated_at: T0 + 999 }));
    backend.accounts[0].sync = { running: false, last_success: T0, last_attempt: T0, last_error: "令牌无效或已过期", last_count: null, last_unreadable: null , progress: null};
    await backend.emit("sync-finished", { account_id: 1, ok: false, error: "令牌无效或已过期", changed: 1 });
    await waitFor(() => expect(rowIds()).toEqual(["13", "12", "8", "7"]));
    expect(screen.queryByTestId("sync-indicator")).toBeNull();
    expect(screen.getByTestId("count-todo")).toHaveTextContent(/^4$/);
    expect(await screen.findByText("令牌无效或已过期")).toBeInTheDocument();

    backend.approvals.splice(0, 1);
    await backend.emit("inbox-changed", {});
    await waitFor(() => expect(rowIds()).toEqual(["13", "12", "8"]));
  });

  it("shows a first sync's progress per account and stops it on request", async () => {
    const backend = installBackend({ approvals: fixture() });
    render(<Root />);
    await waitFor(() => expect(rowIds()).toHaveLength(3));
    await backend.emit("sync-started", { account_id: 1 });
    const progress = { phase: "todos", todo_ready: false, listed: 1200, history_total: 0, history_done: 0, eta_secs: null };
    await backend.emit("sync-progress", { account_id: 1, progress });
    expect(await screen.findByTestId("sync-progress")).toHaveTextContent("正在读取待办 · 已列出 1,200 条");

    const history = { ...progress, phase: "history", todo_ready: true, listed: 10200, history_total: 10000, history_done: 3200, eta_secs: 720 };
    await backend.emit("sync-progress", { account_id: 1, progress: history });
    await waitFor(() => expect(screen.getByTestId("sync-progress")).toHaveTextContent("待办已就绪 · 历史 3,200 / 10,000 · 约 12 分钟"));

    await userEvent.click(screen.getByTestId("btn-stop-sync"));
    await waitFor(() => expect(backend.callsOf("stop_sync")).toEqual([{ account_id: 1 }]));
    await backend.emit("sync-progress", { account_id: 1, progress: { ...history, phase: "stopped", eta_secs: null } });
    await backend.emit("sync-finished", { account_id: 1, ok: true, error: null, changed: 0 });
    await waitFor(() => expect(screen.getByTestId("sync-progress")).toHaveTextContent("已停止 · 待办已就绪 · 历史 3,200 / 10,000"));
    expect(screen.queryByTestId("btn-stop-sync")).toBeNull();
  });

  it("says how many approvals could not be read, lists them, and shows why", async () => {
    const placeholder = makeApproval(20, {
      title: "无法读取的审批 C-88",
      status: "other",
      boxes: ["processed"],
      actions: [],
      unreadable: { call: "contract/detail", reason: "contract/detail: unreadable record: unknown action status WAITING" },
    });
    const word = makeApproval(21, { title: "归档中的合同", status: "other", status_word: "ARCHIVING", actions: [] });
    const backend = installBackend({ approvals: [...fixture(), placeholder, word] });
    backend.accounts[0].sync = { running: false, last_success: T0, last_attempt: T0, last_error: null, last_count: 5, last_unreadable: 1 , progress: null};
    render(<Root />);
    const user = userEvent.setup();
    const link = await screen.findByTestId("sync-unreadable");
    expect(link).toHaveTextContent("同步完成 · 5 条，1 条无法读取");
    expect(screen.getByText("ARCHIVING")).toBeInTheDocument();
    await user.click(link);
    await waitFor(() => expect(rowIds()).toEqual(["20"]));
    expect(screen.getByTestId("unreadable-filter")).toBeInTheDocument();
    await openApproval(20);
    expect(screen.getByTestId("detail-unreadable")).toHaveTextContent("unknown action status WAITING");
    expect(screen.queryByTestId("btn-approve")).toBeNull();
  });

  it("says when the cache file is damaged", async () => {
    const backend = installBackend({ approvals: fixture() });
    render(<Root />);
    await waitFor(() => expect(rowIds()).toHaveLength(3));
    expect(screen.queryByTestId("cache-damaged")).toBeNull();
    await backend.emit("cache-damaged", { type: "cache_damaged", problem: "database disk image is malformed" });
    expect(await screen.findByTestId("cache-damaged")).toHaveTextContent("database disk image is malformed");
  });

  it("asks for sync_now from the sidebar", async () => {
    const backend = installBackend({ approvals: fixture() });
    render(<Root />);
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByTestId("btn-sync-now")).toBeEnabled());
    await user.click(screen.getByTestId("btn-sync-now"));
    await waitFor(() => expect(backend.callsOf("sync_now")).toEqual([{}]));
  });

  it("hints to add an account when there is none", async () => {
    installBackend({ approvals: [], accounts: [] });
    render(<Root />);
    expect(await screen.findByText("还没有账号")).toBeInTheDocument();
  });
});

describe("triage", () => {
  it("moves with j/k, approves with a and opens the reason box with r", async () => {
    const backend = installBackend({ approvals: fixture() });
    const user = userEvent.setup();
    render(<Root />);
    await waitFor(() => expect(rowIds()).toEqual(["12", "8", "7"]));
    await user.keyboard("j");
    await waitFor(() => expect(screen.getByTestId("approval-detail")).toHaveAttribute("data-id", "12"));
    await user.keyboard("j");
    await waitFor(() => expect(screen.getByTestId("approval-detail")).toHaveAttribute("data-id", "8"));
    await user.keyboard("k");
    await waitFor(() => expect(screen.getByTestId("approval-detail")).toHaveAttribute("data-id", "12"));
    await user.keyboard("a");
    await waitFor(() => expect(backend.callsOf("act")).toEqual([{ id: 12, action: "approve", comment: "" }]));
    await user.keyboard("j");
    await waitFor(() => expect(screen.getByTestId("approval-detail")).toHaveAttribute("data-id", "8"));
    await user.keyboard("r");
    await waitFor(() => expect(screen.getByTestId("comment-input")).toHaveFocus());
    expect(screen.getByTestId("btn-confirm-reject")).toBeDisabled();
  });

  it("lists the shortcuts on ? and focuses search on /", async () => {
    installBackend({ approvals: fixture() });
    const user = userEvent.setup();
    render(<Root />);
    await waitFor(() => expect(rowIds()).toHaveLength(3));
    await user.keyboard("/");
    const search = screen.getByTestId("search-input").querySelector("input") ?? screen.getByTestId("search-input");
    expect(search).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(search).not.toHaveFocus();
    expect(rowIds()).toHaveLength(3);
    await user.keyboard("?");
    expect(await screen.findByText("键盘快捷键", { selector: ".ant-modal-title" })).toBeInTheDocument();
  });

  it("checks rows with x and ctrl-click, confirms a batch once and reports each item", async () => {
    const approvals = fixture();
    const backend = installBackend({ approvals });
    backend.on("act", (args) => {
      if (args.id === 8) throw { kind: "vendor", message: "纷享销客拒绝了这次操作：流程已结束" };
      const a = approvals.find((x) => x.id === args.id)!;
      a.boxes = ["processed"];
      return a;
    });
    const user = userEvent.setup();
    render(<Root />);
    await waitFor(() => expect(rowIds()).toEqual(["12", "8", "7"]));
    await user.keyboard("j");
    await user.keyboard("x");
    const row8 = document.querySelector('[data-testid="approval-row"][data-id="8"]') as HTMLElement;
    await user.keyboard("{Control>}");
    await user.click(row8);
    await user.keyboard("{/Control}");
    const row7 = document.querySelector('[data-testid="approval-row"][data-id="7"]') as HTMLElement;
    await user.keyboard("{Shift>}");
    await user.click(row7);
    await user.keyboard("{/Shift}");
    expect(await screen.findByTestId("batch-count")).toHaveTextContent("已选 3 条");
    await user.click(screen.getByTestId("btn-batch-approve"));
    await user.click(await screen.findByTestId("btn-batch-confirm"));
    const results = await screen.findAllByTestId("batch-result");
    expect(results.map((r) => [r.getAttribute("data-id"), r.getAttribute("data-outcome")])).toEqual([
      ["12", "ok"],
      ["8", "failed"],
      ["7", "ok"],
    ]);
    expect(results[1]).toHaveTextContent("流程已结束");
    expect(backend.callsOf("act").map((c) => c.id)).toEqual([12, 8, 7]);
  });

  it("filters by status and form, and sorts oldest first", async () => {
    const backend = installBackend({ approvals: fixture() });
    const user = userEvent.setup();
    render(<Root />);
    await waitFor(() => expect(rowIds()).toEqual(["12", "8", "7"]));
    await user.click(within(screen.getByTestId("sort-select")).getByRole("combobox"));
    await user.click(await screen.findByText("最久优先"));
    await waitFor(() => expect(rowIds()).toEqual(["7", "8", "12"]));
    expect(backend.callsOf("list_approvals").at(-1)).toEqual({ query: { inbox: "todo", sort: "oldest", offset: 0, limit: 50 } });
  });

  it("switches to English and back", async () => {
    installBackend({ approvals: fixture() });
    const user = userEvent.setup();
    render(<Root />);
    await waitFor(() => expect(screen.getByTestId("box-todo")).toHaveTextContent("待我审批"));
    await user.click(screen.getByText("English"));
    await waitFor(() => expect(screen.getByTestId("box-todo")).toHaveTextContent("To approve"));
    expect(localStorage.getItem("approval-inbox.lang")).toBe("en");
    await user.click(screen.getByText("中文"));
    await waitFor(() => expect(screen.getByTestId("box-todo")).toHaveTextContent("待我审批"));
  });
});

describe("window state", () => {
  it("shows the approval opened last, though an earlier one's detail answers after it", async () => {
    const approvals = fixture();
    const backend = installBackend({ approvals });
    let answer7 = () => {};
    backend.on("get_approval", (args) => {
      const found = approvals.find((a) => a.id === args.id)!;
      return args.id === 7 ? new Promise((resolve) => (answer7 = () => resolve(found))) : found;
    });
    const user = userEvent.setup();
    render(<Root />);
    await waitFor(() => expect(rowIds()).toEqual(["12", "8", "7"]));
    await user.click(document.querySelector('[data-testid="approval-row"][data-id="7"]') as HTMLElement);
    await user.click(document.querySelector('[data-testid="approval-row"][data-id="8"]') as HTMLElement);
    await waitFor(() => expect(screen.getByTestId("approval-detail")).toHaveAttribute("data-id", "8"));
    await act(async () => answer7());
    expect(screen.getByTestId("approval-detail")).toHaveAttribute("data-id", "8");
    expect(screen.getByTestId("detail-title")).toHaveTextContent("采购申请");
  });

  it("approves with a pressed while the detail is still loading, once it is shown", async () => {
    const approvals = fixture();
    const backend = installBackend({ approvals });
    let answer12 = () => {};
    backend.on("get_approval", (args) => {
      const found = approvals.find((a) => a.id === args.id)!;
      return args.id === 12 ? new Promise((resolve) => (answer12 = () => resolve(found))) : found;
    });
    const user = userEvent.setup();
    render(<Root />);
    await waitFor(() => expect(rowIds()).toEqual(["12", "8", "7"]));
    await user.keyboard("j");
    await user.keyboard("a");
    expect(backend.callsOf("act")).toEqual([]);
    await act(async () => answer12());
    await waitFor(() => expect(backend.callsOf("act")).toEqual([{ id: 12, action: "approve", comment: "" }]));
  });

  it("forgets the selection when its account is removed", async () => {
    installBackend({ approvals: fixture() });
    render(<Root />);
    const user = await openApproval(7);
    await user.click(screen.getByTestId("btn-settings"));
    await user.click(within(await screen.findByTestId("account-row")).getByTestId("btn-remove-account"));
    await user.click(await screen.findByTestId("btn-confirm-remove"));
    await waitFor(() => expect(screen.queryByTestId("approval-detail")).toBeNull());
    expect(screen.getByText("选择左侧列表中的一条审批查看详情")).toBeInTheDocument();
  });

  it("unchecks a checked row once it leaves the list, also if it comes back", async () => {
    const backend = installBackend({ approvals: fixture() });
    const user = userEvent.setup();
    render(<Root />);
    await waitFor(() => expect(rowIds()).toEqual(["12", "8", "7"]));
    await user.keyboard("j");
    await user.keyboard("x");
    await user.keyboard("{Control>}");
    await user.click(document.querySelector('[data-testid="approval-row"][data-id="8"]') as HTMLElement);
    await user.keyboard("{/Control}");
    expect(await screen.findByTestId("batch-count")).toHaveTextContent("已选 2 条");
    backend.approvals.find((a) => a.id === 12)!.boxes = ["processed"];
    await backend.emit("inbox-changed", {});
    await waitFor(() => expect(rowIds()).toEqual(["8", "7"]));
    expect(screen.getByTestId("batch-count")).toHaveTextContent("已选 1 条");
    backend.approvals.find((a) => a.id === 12)!.boxes = ["todo"];
    await backend.emit("inbox-changed", {});
    await waitFor(() => expect(rowIds()).toEqual(["12", "8", "7"]));
    expect(document.querySelector('[data-testid="approval-row"][data-id="12"]')).toHaveAttribute("aria-checked", "false");
    expect(screen.getByTestId("batch-count")).toHaveTextContent("已选 1 条");
  });
});
