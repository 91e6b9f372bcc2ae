import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import Root from "../App";
import { installBackend, makeApproval, yomicloud } from "../test/fakeBackend";
import type { VendorInfo } from "../types";

const qiyuesuo: VendorInfo = {
  ...yomicloud,
  id: "qiyuesuo",
  name: "契约锁 (qiyuesuo)",
  capabilities: { ...yomicloud.capabilities, vendor_link: true },
};

async function open(id: number) {
  const user = userEvent.setup();
  render(<Root />);
  const row = await waitFor(() => {
    const r = document.querySelector(`[data-testid="approval-row"][data-id="${id}"]`);
    expect(r).not.toBeNull();
    return r as HTMLElement;
  });
  await user.click(row);
  await screen.findByTestId("detail-title");
  return user;
}

describe("open in vendor", () => {
  it("is offered where the vendor gives a link, and asks the shell to open it", async () => {
    const backend = installBackend({ vendors: [yomicloud, qiyuesuo], approvals: [makeApproval(21, { vendor: "qiyuesuo", boxes: ["todo"] })] });
    backend.on("open_in_vendor", () => null);
    const user = await open(21);
    await user.click(await screen.findByTestId("btn-open-in-vendor"));
    await waitFor(() => expect(backend.callsOf("open_in_vendor")).toEqual([{ id: 21 }]));
  });

  it("is hidden where the vendor has no link", async () => {
    installBackend({ vendors: [yomicloud], approvals: [makeApproval(22, { vendor: "yomicloud", boxes: ["todo"] })] });
    await open(22);
    expect(screen.queryByTestId("btn-open-in-vendor")).toBeNull();
  });
});
