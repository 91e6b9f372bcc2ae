import { Tag } from "antd";
import { statusLabel } from "../format";
import type { Status } from "../types";

/** The overall status of an approval as a colored tag (审批中, 已通过, …). */
export function StatusTag({ status, testId }: { status: Status; testId?: string }) {
  const label = statusLabel(status);
  return (
    <Tag color={label.color} data-testid={testId} data-status={status} className="status-tag">
      {label.text}
    </Tag>
  );
}
