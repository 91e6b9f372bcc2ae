import { WarningFilled } from "@ant-design/icons";
import { Checkbox, Flex, Tooltip, Typography } from "antd";
import { formatDateTime, formatRelative } from "../format";
import { t } from "../i18n";
import type { ApprovalSummary } from "../types";
import { StatusTag } from "./StatusTag";
import { VendorTag } from "./VendorTag";

/** How a row was clicked: plain opens it, ctrl/⌘ toggles its check, shift checks a range. */
export type RowClick = "open" | "toggle" | "range";

interface ApprovalRowProps {
  item: ApprovalSummary;
  selected: boolean;
  checked: boolean;
  now: number;
  onClick: (id: number, how: RowClick) => void;
}

/** One row of the unified list. */
export function ApprovalRow({ item, selected, checked, now, onClick }: ApprovalRowProps) {
  return (
    <div
      role="option"
      aria-selected={selected}
      aria-checked={checked}
      tabIndex={selected ? 0 : -1}
      className={`approval-row${selected ? " approval-row-selected" : ""}${checked ? " approval-row-checked" : ""}`}
      data-testid="approval-row"
      data-id={item.id}
      data-vendor={item.vendor}
      data-checked={checked}
      data-form={item.form_name}
      data-status={item.status}
      onClick={(e) => onClick(item.id, e.shiftKey ? "range" : e.ctrlKey || e.metaKey ? "toggle" : "open")}
    >
      <Flex align="center" gap={6} className="row-line">
        <Checkbox
          checked={checked}
          className="row-check"
          onClick={(e) => {
            e.stopPropagation();
            onClick(item.id, e.shiftKey ? "range" : "toggle");
          }}
          aria-label={item.title}
          data-testid="row-check"
        />
        <VendorTag vendor={item.vendor} />
        <Typography.Text strong ellipsis className="row-title">
          {item.title}
        </Typography.Text>
        <Tooltip title={formatDateTime(item.updated_at)}>
          <Typography.Text type="secondary" className="row-time">
            {formatRelative(item.updated_at, now)}
          </Typography.Text>
        </Tooltip>
      </Flex>
      <Flex align="center" gap={6} className="row-line row-second">
        <Typography.Text type="secondary" ellipsis className="row-meta">
          {[item.form_name, item.submitter.name, item.account_name].filter(Boolean).join(" · ")}
        </Typography.Text>
        {item.unreadable && (
          <Tooltip title={item.unreadable.reason}>
            <WarningFilled className="row-unreadable" data-testid="row-unreadable" aria-label={t("无法读取")} />
          </Tooltip>
        )}
        <StatusTag status={item.status} word={item.status_word} />
      </Flex>
    </div>
  );
}
