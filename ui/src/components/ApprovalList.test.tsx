import { fireEvent, render } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeApproval } from "../test/fakeBackend";
import type { ApprovalSummary } from "../types";
import { ApprovalList } from "./ApprovalList";

/** 100k cached approvals (issue 7): the list must keep only the visible rows in the page. */
const MANY = 100_000;
/** The list pane's height in the test: ten rows of 64 px. */
const PANE_HEIGHT = 640;

function rows(): number {
  return document.querySelectorAll('[data-testid="approval-row"]').length;
}

function renderList(items: ApprovalSummary[]) {
  return render(
    <ApprovalList
      box="todo"
      items={items}
      total={items.length}
      loading={false}
      loadingMore={false}
      error={null}
      selectedId={null}
      checked={new Set()}
      onRowClick={() => {}}
      onLoadMore={() => {}}
      search=""
      onSearch={() => {}}
      filters={{}}
      onFilters={() => {}}
      facets={null}
      accounts={[]}
      syncing={false}
      noAccounts={false}
      onOpenSettings={() => {}}
      now={Date.now()}
    />,
  );
}

describe("the approval list at 100k rows", () => {
  afterEach(() => vi.restoreAllMocks());

  it("renders only the rows in view, also after scrolling far down", () => {
    // jsdom has no layout: give every element the pane's height, as the window would.
    vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(PANE_HEIGHT);
    const one = makeApproval(1);
    const items = Array.from({ length: MANY }, (_, i) => ({ ...one, id: i + 1, title: `报销申请-${i + 1}` }));
    renderList(items);
    expect(rows()).toBeGreaterThan(0);
    expect(rows()).toBeLessThan(40);

    const holder = document.querySelector(".rc-virtual-list-holder") as HTMLElement;
    holder.scrollTop = 64 * 90_000;
    fireEvent.scroll(holder);
    expect(document.querySelector('[data-testid="approval-row"][data-id="90001"]')).not.toBeNull();
    expect(rows()).toBeLessThan(40);
  });
});
