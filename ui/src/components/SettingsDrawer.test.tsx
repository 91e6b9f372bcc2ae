import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import Root from "../App";
import { installBackend } from "../test/fakeBackend";
import type { VendorInfo } from "../types";

/** zeyi as the backend describes it: a mode choice, and settings that belong to one mode. */
const zeyi: VendorInfo = {
  id: "zeyi",
  name: "则一 TMS (zeyi)",
  color: "purple",
  settings: [
    { key: "mode", label: "连接方式", secret: false, required: false, help: "", choices: [{ value: "direct", label: "直连" }, { value: "relay", label: "经中继" }], when: null },
    { key: "relay_url", label: "中继地址", secret: false, required: true, help: "", when: { key: "mode", value: "relay" }, choices: [] },
    { key: "relay_token", label: "中继令牌", secret: true, required: true, help: "", when: { key: "mode", value: "relay" }, choices: [] },
    { key: "app_key", label: "appKey", secret: false, required: true, help: "", when: { key: "mode", value: "direct" }, choices: [] },
    { key: "app_secret", label: "appSecret", secret: true, required: true, help: "", when: { key: "mode", value: "direct" }, choices: [] },
    { key: "username", label: "发起人工号", secret: false, required: true, help: "", choices: [], when: null },
  ],
  capabilities: {
    boxes: ["submitted"],
    actions: ["cancel"],
    attachments: false,
    submit: true,
    vendor_link: false,
    idempotent_submit: true,
    submit_target: false,
    template_label: "审批类型（auditType）",
  },
};

async function openSettings() {
  const user = userEvent.setup();
  render(<Root />);
  await user.click(await screen.findByTestId("btn-settings"));
  await screen.findByTestId("btn-add-account");
  return user;
}

describe("settings", () => {
  it("lists the accounts with vendor, demo tag and sync state", async () => {
    installBackend();
    await openSettings();
    const row = await screen.findByTestId("account-row");
    expect(row).toHaveAttribute("data-id", "1");
    expect(row).toHaveTextContent("公司云盘");
    expect(row).toHaveTextContent("云盘审批");
    expect(row).toHaveTextContent("http://127.0.0.1:9100");
    expect(row).toHaveTextContent("演示");
    expect(within(row).getByTestId("account-sync")).toHaveTextContent("上次同步");
  });

  it("adds an account with secrets split from settings, then clears the secret", async () => {
    const backend = installBackend({ accounts: [] });
    const user = await openSettings();
    const token = screen.getByTestId("setting-token");
    expect(token).toHaveAttribute("type", "password");
    expect(screen.getByText("从云盘网页版复制")).toBeInTheDocument(); // help as extra text

    // Required validation: nothing is sent while fields are missing.
    await user.click(screen.getByTestId("btn-add-account"));
    expect(await screen.findByText("请填写访问令牌")).toBeInTheDocument();
    expect(backend.callsOf("add_account")).toHaveLength(0);

    await user.type(screen.getByTestId("account-name"), "我的云盘");
    await user.type(screen.getByTestId("account-base-url"), "https://pan.example.com");
    await user.type(screen.getByTestId("setting-uid"), "42");
    await user.type(token, "s3cret-token");
    await user.click(screen.getByTestId("btn-add-account"));

    await waitFor(() =>
      expect(backend.callsOf("add_account")).toEqual([
        {
          input: {
            vendor: "yomicloud",
            name: "我的云盘",
            base_url: "https://pan.example.com",
            settings: { uid: "42" },
            secrets: { token: "s3cret-token" },
          },
        },
      ]),
    );
    await waitFor(() => expect(screen.getByTestId("setting-token")).toHaveValue(""));
    expect(document.body.innerHTML).not.toContain("s3cret-token");
    await waitFor(() => expect(screen.getAllByTestId("account-row")).toHaveLength(1));
    expect(backend.callsOf("sync_now")).toContainEqual({ account_id: 10 });
  });

  it("shows why adding failed and still clears the secret", async () => {
    const backend = installBackend({ accounts: [] });
    backend.on("add_account", () => {
      throw { kind: "offline", message: "无法连接 https://pan.example.com：连接被拒绝" };
    });
    const user = await openSettings();
    await user.type(screen.getByTestId("account-name"), "我的云盘");
    await user.type(screen.getByTestId("account-base-url"), "https://pan.example.com");
    await user.type(screen.getByTestId("setting-uid"), "42");
    await user.type(screen.getByTestId("setting-token"), "s3cret-token");
    await user.click(screen.getByTestId("btn-add-account"));
    expect(await screen.findByTestId("add-account-error")).toHaveTextContent("无法连接 https://pan.example.com：连接被拒绝");
    expect(screen.getByTestId("setting-token")).toHaveValue("");
    expect(screen.getByTestId("account-name")).toHaveValue("我的云盘");
  });

  it("shows a refusal about one field on that field, not above the form", async () => {
    const backend = installBackend({ accounts: [] });
    backend.on("add_account", () => {
      throw { kind: "invalid", message: "an account named \"我的云盘\" already exists", field: "name" };
    });
    const user = await openSettings();
    await user.type(screen.getByTestId("account-name"), "我的云盘");
    await user.type(screen.getByTestId("account-base-url"), "https://pan.example.com");
    await user.type(screen.getByTestId("setting-uid"), "42");
    await user.type(screen.getByTestId("setting-token"), "s3cret-token");
    await user.click(screen.getByTestId("btn-add-account"));
    expect(await screen.findByText('an account named "我的云盘" already exists')).toBeInTheDocument();
    expect(screen.queryByTestId("add-account-error")).toBeNull();
  });

  it("tests the connection and shows the sentence or the error", async () => {
    const backend = installBackend();
    const user = await openSettings();
    const row = await screen.findByTestId("account-row");
    await user.click(within(row).getByTestId("btn-test-account"));
    expect(await within(row).findByTestId("account-test-result")).toHaveTextContent("连接正常：已读取 2 条待办");
    expect(backend.callsOf("test_account")).toEqual([{ id: 1 }]);

    backend.on("test_account", () => {
      throw { kind: "credentials", message: "公司云盘：token无效或已过期 (code 1)" };
    });
    await user.click(within(row).getByTestId("btn-test-account"));
    await waitFor(() =>
      expect(within(row).getByTestId("account-test-result")).toHaveTextContent("公司云盘：token无效或已过期 (code 1)"),
    );
  });

  it("syncs and removes an account after confirmation", async () => {
    const backend = installBackend();
    const user = await openSettings();
    const row = await screen.findByTestId("account-row");
    await user.click(within(row).getByTestId("btn-sync-account"));
    await waitFor(() => expect(backend.callsOf("sync_now")).toEqual([{ account_id: 1 }]));

    await user.click(within(row).getByTestId("btn-remove-account"));
    expect(backend.callsOf("remove_account")).toHaveLength(0); // asks first
    await user.click(await screen.findByTestId("btn-confirm-remove"));
    await waitFor(() => expect(backend.callsOf("remove_account")).toEqual([{ id: 1 }]));
    await waitFor(() => expect(screen.queryByTestId("account-row")).toBeNull());
  });

  it("asks a zeyi account via relay for the relay and a token only, the token as a password", async () => {
    const backend = installBackend({ accounts: [], vendors: [zeyi] });
    const user = await openSettings();
    expect(screen.getByTestId("setting-app_key")).toBeInTheDocument();
    expect(screen.queryByTestId("setting-relay_url")).toBeNull();

    await user.click(within(screen.getByTestId("setting-mode")).getByRole("combobox"));
    await user.click(await screen.findByText("经中继"));
    expect(await screen.findByTestId("setting-relay_url")).toBeInTheDocument();
    expect(screen.getByTestId("setting-relay_token")).toHaveAttribute("type", "password");
    expect(screen.queryByTestId("setting-app_key")).toBeNull();

    await user.type(screen.getByTestId("account-name"), "则一");
    await user.type(screen.getByTestId("account-base-url"), "https://gw.shjiuze.cn");
    await user.type(screen.getByTestId("setting-relay_url"), "https://relay.example.com");
    await user.type(screen.getByTestId("setting-relay_token"), "irt1.abc.secret");
    await user.type(screen.getByTestId("setting-username"), "E001");
    await user.click(screen.getByTestId("btn-add-account"));
    await waitFor(() =>
      expect(backend.callsOf("add_account")).toEqual([
        {
          input: {
            vendor: "zeyi",
            name: "则一",
            base_url: "https://gw.shjiuze.cn",
            settings: { mode: "relay", relay_url: "https://relay.example.com", username: "E001" },
            secrets: { relay_token: "irt1.abc.secret" },
          },
        },
      ]),
    );
    expect(document.body.innerHTML).not.toContain("irt1.abc.secret");
  });
});
