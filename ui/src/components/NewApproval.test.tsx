import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import Root from "../App";
import { installBackend, makeApproval, reimbursement, yomicloudSubmit } from "../test/fakeBackend";
import type { Draft } from "../types";

/** Opens 发起审批 and looks template 8 up for the demo account. */
async function openForm() {
  const user = userEvent.setup();
  render(<Root />);
  const entry = await screen.findByTestId("btn-new-approval");
  await waitFor(() => expect(entry).toBeEnabled());
  await user.click(entry);
  await user.type(await screen.findByTestId("template-id"), "8");
  await user.click(screen.getByTestId("btn-find-templates"));
  await screen.findByTestId("template-name");
  return user;
}

/** The antd Form.Item of a template field (where its label, input and errors are). */
const fieldItem = (key: string) => document.querySelector(`[data-field="${key}"]`) as HTMLElement;

/** Picks `label` in the antd Select with `testid`. */
async function choose(user: ReturnType<typeof userEvent.setup>, testid: string, label: string) {
  const select = screen.getByTestId(testid);
  await user.click(select.querySelector(".ant-select-content, .ant-select-selector") ?? select);
  const option = await waitFor(() => {
    const found = [...document.querySelectorAll(".ant-select-item-option")].find((o) => o.textContent === label);
    expect(found).toBeDefined();
    return found as HTMLElement;
  });
  await user.click(option);
}

const failedDraft = (over: Partial<Draft> = {}): Draft => ({
  id: 7,
  account_id: 1,
  submission: {
    template_id: "8",
    target: "42",
    fields: [
      { key: "creatorNote", value: "第二季度合同", kind: "text" },
      { key: "selectId.1", value: "12", kind: "select" },
    ],
    conditions: [],
    attachments: ["/home/me/合同.pdf"],
    request_id: "AI7",
  },
  uploads: [{ path: "/home/me/合同.pdf", index: 0, count: 1, sent: 0, total: 2048, state: "failed" }],
  state: "failed",
  error: "云盘: create-approval 参数错误: step.selectId (code 2)",
  error_field: "selectId.1",
  updated_at: 1714528800,
  ...over,
});

describe("new approval", () => {
  it("builds the form from the template: fields, required marks, options, steps", async () => {
    const backend = installBackend({ vendors: [yomicloudSubmit] });
    const user = await openForm();
    expect(backend.callsOf("list_templates")).toEqual([{ account_id: 1, query: { template_id: "8" } }]);
    expect(screen.getByTestId("template-info")).toHaveTextContent("#42"); // the template's own folder
    expect(within(fieldItem("creatorNote")).getByText("请上传合同扫描件")).toBeInTheDocument();
    expect(fieldItem("creatorNote").querySelector(".ant-form-item-required")).not.toBeNull();
    expect(fieldItem("amount").querySelector(".ant-form-item-required")).toBeNull();
    expect(fieldItem("amount").querySelector(".ant-input-number")).not.toBeNull(); // money → number input
    await choose(user, "field-selectId.1", "黄磊");
    const timeline = screen.getByTestId("step-timeline");
    expect(within(timeline).getByText("法务终审")).toBeInTheDocument();
    expect(within(timeline).getByText("指定人审批")).toBeInTheDocument();
    expect(within(timeline).getByText("超过 0 人同意")).toBeInTheDocument();
    expect(screen.getByText("必须上传文件")).toBeInTheDocument();
  });

  it("validates before sending: nothing is sent while a required field or the files are missing", async () => {
    const backend = installBackend({ vendors: [yomicloudSubmit] });
    const user = await openForm();
    await user.click(screen.getByTestId("btn-send"));
    expect(await within(fieldItem("creatorNote")).findByText("请填写请上传合同扫描件")).toBeInTheDocument();
    expect(within(fieldItem("selectId.1")).getByText("请填写「法务终审」的指定审批人")).toBeInTheDocument();
    await user.type(screen.getByTestId("field-creatorNote"), "第二季度合同");
    await choose(user, "field-selectId.1", "黄磊");
    await user.click(screen.getByTestId("btn-send"));
    expect(await screen.findByTestId("attachments-error")).toHaveTextContent("此审批需要上传文件");
    expect(backend.callsOf("submit_draft")).toHaveLength(0);
  });

  it("attaches picked and dropped files, saves the draft as the user types, sends it into 我提交的", async () => {
    const backend = installBackend({ vendors: [yomicloudSubmit], picked: ["/home/me/合同.pdf", "/home/me/扫描件"] });
    const user = await openForm();
    await user.type(screen.getByTestId("field-creatorNote"), "第二季度合同");
    await choose(user, "field-selectId.1", "黄磊");
    await user.click(screen.getByTestId("btn-pick-files"));
    await waitFor(() => expect(screen.getAllByTestId("upload-item")).toHaveLength(2));
    expect(backend.callsOf("plugin:dialog|open")[0]).toMatchObject({ options: { multiple: true, directory: false } });
    // Dropped on the window: the webview's drag-drop event with real paths.
    await backend.emit("tauri://drag-drop", { paths: ["/tmp/补充.docx"], position: { x: 10, y: 10 } });
    await waitFor(() => expect(screen.getAllByTestId("upload-item")).toHaveLength(3));
    const items = screen.getAllByTestId("upload-item");
    expect(items[0]).toHaveTextContent("合同.pdf");
    expect(items[0]).toHaveTextContent("2 KB");
    expect(items[1]).toHaveTextContent("3 个文件，3 KB");
    expect(screen.getByTestId("upload-total")).toHaveTextContent("共 5 个文件，7 KB");

    // Saved without pressing anything (debounced), with the template's folder as the target.
    await waitFor(() => expect(backend.drafts).toHaveLength(1), { timeout: 3000 });
    await waitFor(() => expect(backend.drafts[0].submission).toMatchObject({
      template_id: "8",
      target: "42",
      fields: [
        { key: "creatorNote", value: "第二季度合同", kind: "text" },
        { key: "selectId.1", value: "12", kind: "select" },
      ],
      attachments: ["/home/me/合同.pdf", "/home/me/扫描件", "/tmp/补充.docx"],
    }), { timeout: 3000 });

    backend.on("submit_draft", async (args) => {
      const id = args.id as number;
      await backend.emit("upload-progress", { draft_id: id, progress: { path: "/home/me/合同.pdf", index: 0, count: 5, sent: 1024, total: 2048, state: "sending" } });
      throw { kind: "invalid", message: "stop here" };
    });
    await user.click(screen.getByTestId("btn-send"));
    await waitFor(() => expect(screen.getAllByTestId("upload-progress")[0]).toHaveTextContent("50%"));

    backend.on("submit_draft", (args) => {
      backend.drafts.splice(0, 1);
      const created = makeApproval(600, { title: "合同上传审批", boxes: ["submitted"], status: "sending", actions: [] });
      backend.approvals.push(created);
      expect(args.id).toBe(100);
      return created;
    });
    await user.click(screen.getByTestId("btn-send"));
    expect(await screen.findByText("已发起审批「合同上传审批」")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("approval-list")).toHaveAttribute("aria-label", "我提交的"));
    const row = await waitFor(() => {
      const r = document.querySelector('[data-testid="approval-row"][data-id="600"]');
      expect(r).not.toBeNull();
      return r as HTMLElement;
    });
    expect(row.querySelector('[data-status="sending"]')).toHaveTextContent("发送中");
    expect(screen.getByTestId("detail-title")).toHaveTextContent("合同上传审批");
  });

  it("shows the vendor's refusal next to the field it names, and keeps the draft", async () => {
    const backend = installBackend({ vendors: [yomicloudSubmit], picked: ["/home/me/合同.pdf"] });
    const user = await openForm();
    await user.type(screen.getByTestId("field-creatorNote"), "第二季度合同");
    await choose(user, "field-selectId.1", "黄磊");
    await user.click(screen.getByTestId("btn-pick-files"));
    await screen.findByTestId("upload-item");
    backend.on("submit_draft", (args) => {
      const d = backend.drafts.find((x) => x.id === args.id)!;
      Object.assign(d, { state: "failed", error: "参数错误: step.selectId (code 2)", error_field: "selectId.1" });
      throw { kind: "invalid", message: "云盘: 参数错误: step.selectId (code 2) (field `selectId.1`)" };
    });
    await user.click(screen.getByTestId("btn-send"));
    expect(await within(fieldItem("selectId.1")).findByText("参数错误: step.selectId (code 2)")).toBeInTheDocument();
    expect(screen.queryByTestId("send-error")).toBeNull();
    expect(backend.drafts).toHaveLength(1);
    await waitFor(() => expect(screen.getByTestId("count-drafts")).toHaveTextContent(/^1$/));

    // A refusal naming no field of the form is shown at the top.
    backend.on("submit_draft", (args) => {
      Object.assign(backend.drafts.find((x) => x.id === args.id)!, { state: "failed", error: "HTTP 500", error_field: null });
      throw { kind: "offline", message: "云盘: HTTP 500" };
    });
    await user.click(screen.getByTestId("btn-send"));
    expect(await screen.findByTestId("send-error")).toHaveTextContent("HTTP 500");
  });

  it("is offered only for accounts that can submit, and opens with n (listed in ?)", async () => {
    installBackend(); // yomicloud without submit
    const user = userEvent.setup();
    render(<Root />);
    await waitFor(() => expect(screen.getByTestId("count-todo")).toHaveTextContent(/^\d+$/));
    expect(screen.getByTestId("btn-new-approval")).toBeDisabled();
    await user.keyboard("?");
    expect(within(await screen.findByTestId("shortcut-table")).getByText("发起审批")).toBeInTheDocument();
  });

  it("opens with the n key", async () => {
    installBackend({ vendors: [yomicloudSubmit] });
    const user = userEvent.setup();
    render(<Root />);
    await waitFor(() => expect(screen.getByTestId("btn-new-approval")).toBeEnabled());
    await user.keyboard("n");
    expect(await screen.findByTestId("template-id")).toBeInTheDocument();
  });
});

describe("drafts", () => {
  it("lists drafts with the failed state and reason; reopens, resends and deletes", async () => {
    const backend = installBackend({
      vendors: [yomicloudSubmit],
      drafts: [failedDraft(), failedDraft({ id: 8, state: "editing", error: null, error_field: null })],
    });
    const user = userEvent.setup();
    render(<Root />);
    await waitFor(() => expect(screen.getByTestId("count-drafts")).toHaveTextContent(/^2$/));
    await user.click(screen.getByTestId("btn-drafts"));
    const rows = await screen.findAllByTestId("draft-row");
    expect(rows).toHaveLength(2);
    expect(within(rows[0]).getByTestId("draft-state")).toHaveTextContent("发送失败");
    expect(within(rows[0]).getByTestId("draft-error")).toHaveTextContent("selectId.1: 云盘: create-approval 参数错误: step.selectId (code 2)");
    expect(within(rows[0]).getByTestId("btn-resend-draft")).toHaveTextContent("重新发送");
    expect(rows[0]).toHaveTextContent("第二季度合同");
    expect(within(rows[1]).getByTestId("draft-state")).toHaveTextContent("草稿");

    // Reopened: the form is filled from the draft, the refusal next to its field.
    await user.click(within(rows[0]).getByTestId("btn-open-draft"));
    await screen.findByTestId("template-name");
    await waitFor(() => expect(screen.getByTestId("field-creatorNote")).toHaveValue("第二季度合同"));
    expect(screen.getByTestId("field-selectId.1")).toHaveTextContent("黄磊");
    expect(await within(fieldItem("selectId.1")).findByText(/step\.selectId/)).toBeInTheDocument();
    expect(screen.getByTestId("upload-item")).toHaveAttribute("data-state", "failed");
    await user.click(within(document.querySelector(".new-approval-drawer .ant-drawer-footer") as HTMLElement).getByText("关闭"));

    // Resent as it is, from the list.
    await user.click(screen.getByTestId("btn-drafts"));
    const again = await screen.findAllByTestId("draft-row");
    await user.click(within(again[0]).getByTestId("btn-resend-draft"));
    await waitFor(() => expect(backend.callsOf("submit_draft")).toEqual([{ id: 7 }]));
    await waitFor(() => expect(screen.getByTestId("count-drafts")).toHaveTextContent(/^1$/));

    // Deleted after confirmation.
    await user.click(screen.getByTestId("btn-drafts"));
    const left = await screen.findAllByTestId("draft-row");
    await user.click(within(left[0]).getByTestId("btn-delete-draft"));
    await user.click(await screen.findByTestId("btn-confirm-delete-draft"));
    await waitFor(() => expect(backend.callsOf("delete_draft")).toEqual([{ id: 8 }]));
    await waitFor(() => expect(screen.getByTestId("count-drafts")).toHaveTextContent(/^0$/));
  });
});

describe("attachments", () => {
  it("saves an attachment where the save dialog says, offering a safe name", async () => {
    const backend = installBackend({
      approvals: [{ ...structuredClone(reimbursement), attachments: [{ remote_id: "f1", name: "../发票.pdf", size: 1536, is_folder: false }] }],
      savePath: "/home/me/下载/发票.pdf",
    });
    const user = userEvent.setup();
    render(<Root />);
    const row = await waitFor(() => {
      const r = document.querySelector('[data-testid="approval-row"][data-id="7"]');
      expect(r).not.toBeNull();
      return r as HTMLElement;
    });
    await user.click(row);
    await user.click(await screen.findByTestId("attachment-save"));
    await waitFor(() =>
      expect(backend.callsOf("save_attachment")).toEqual([{ id: 7, attachment_id: "f1", path: "/home/me/下载/发票.pdf" }]),
    );
    expect(backend.callsOf("plugin:dialog|save")[0]).toMatchObject({ options: { defaultPath: "发票.pdf" } });
    expect(await screen.findByText("已保存到 /home/me/下载/发票.pdf")).toBeInTheDocument();
  });
});
