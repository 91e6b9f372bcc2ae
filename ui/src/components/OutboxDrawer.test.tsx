import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import Root from "../App";
import { installBackend, T0 } from "../test/fakeBackend";
import type { OutboxEntry } from "../types";

const refused: OutboxEntry = {
  id: 7,
  account_id: 1,
  approval_id: 3,
  remote_id: "3",
  kind: "approve",
  comment: "同意付款",
  state: "failed",
  attempts: 2,
  last_error: "handle-step: the vendor answered code 3: 该审批已被撤回",
  next_attempt_at: T0,
  created_at: T0,
  updated_at: T0,
  title: "差旅报销-上海",
  step_name: null,
};

describe("待发送 (the outbox)", () => {
  it("shows a refused decision with its reason, and a retry that lands empties it", async () => {
    const backend = installBackend({ outbox: [structuredClone(refused)] });
    const user = userEvent.setup();
    render(<Root />);
    const entry = await screen.findByTestId("btn-outbox");
    expect(within(entry).getByTestId("count-outbox")).toHaveTextContent("1");
    await user.click(entry);
    const row = await screen.findByTestId("outbox-row");
    expect(row).toHaveAttribute("data-state", "failed");
    expect(within(row).getByTestId("outbox-state")).toHaveTextContent("厂商拒绝");
    expect(within(row).getByTestId("outbox-error")).toHaveTextContent("该审批已被撤回");
    expect(row).toHaveTextContent("差旅报销-上海");
    expect(row).toHaveTextContent("同意付款");
    await user.click(within(row).getByTestId("btn-retry-action"));
    await waitFor(() => expect(backend.callsOf("retry_action")).toEqual([{ id: 7 }]));
    expect(await screen.findByText("所有操作都已送达")).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByTestId("btn-outbox")).not.toBeInTheDocument());
  });

  it("discards only after a confirmation", async () => {
    const backend = installBackend({ outbox: [structuredClone(refused)] });
    const user = userEvent.setup();
    render(<Root />);
    await user.click(await screen.findByTestId("btn-outbox"));
    await user.click(within(await screen.findByTestId("outbox-row")).getByTestId("btn-discard-action"));
    expect(backend.callsOf("discard_action")).toHaveLength(0);
    await user.click(await screen.findByTestId("btn-confirm-discard"));
    await waitFor(() => expect(backend.callsOf("discard_action")).toEqual([{ id: 7 }]));
  });

  it("appears when the shell says an entry was queued", async () => {
    const backend = installBackend();
    render(<Root />);
    await screen.findByTestId("btn-settings");
    expect(screen.queryByTestId("btn-outbox")).not.toBeInTheDocument();
    backend.outbox.push({ ...refused, state: "queued", last_error: "cannot reach the vendor" });
    await backend.emit("outbox-changed", { account_id: 1 });
    expect(await screen.findByTestId("btn-outbox")).toBeInTheDocument();
  });
});

describe("开机启动", () => {
  it("reads and sets start at login", async () => {
    const backend = installBackend();
    const user = userEvent.setup();
    render(<Root />);
    await user.click(await screen.findByTestId("btn-settings"));
    const toggle = await screen.findByTestId("autostart-switch");
    await waitFor(() => expect(toggle).not.toBeDisabled());
    expect(toggle).not.toBeChecked();
    await user.click(toggle);
    await waitFor(() => expect(backend.callsOf("set_autostart")).toEqual([{ enabled: true }]));
    await waitFor(() => expect(toggle).toBeChecked());
  });
});
