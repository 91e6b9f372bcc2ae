import { Flex, Tooltip, Typography } from "antd";
import { formatDateTime, formatRelative } from "../format";
import type { ApprovalSummary } from "../types";
import { StatusTag } from "./StatusTag";
import { VendorTag } from "./VendorTag";

interface ApprovalRowProps {
  item: ApprovalSummary;
  selected: boolean;
  now: number;
  onSelect: (id: number) => void;
}

/** One row of the unified list. */
export function ApprovalRow({ item, selected, now, onSelect }: ApprovalRowProps) {
  return (
    <div
      role="option"
      aria-selected={selected}
      tabIndex={0}
      className={`approval-row${selected ? " approval-row-selected" : ""}`}
      data-testid="approval-row"
      data-id={item.id}
      data-vendor={item.vendor}
      onClick={() => onSelect(item.id)}
      onKeyDown={(e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          onSelect(item.id);
        }
      }}
    >
      <Flex align="center" gap={6} className="row-line">
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
      <Flex align="center" gap={6} className="row-line">
        <Typography.Text type="secondary" ellipsis className="row-meta">
          {item.form_name}
          {item.form_name && item.submitter.name ? " · " : ""}
          {item.submitter.name}
        </Typography.Text>
        <StatusTag status={item.status} />
      </Flex>
    </div>
  );
}
