import { SyncOutlined } from "@ant-design/icons";
import { Tag } from "antd";
import { statusLabel } from "../format";
import type { Status } from "../types";

/**
 * The overall status of an approval as a colored tag (审批中, 已通过, …). "sending" (a new
 * approval on its way to the vendor) spins until the vendor confirms it; a status word we do not
 * know ("other") shows as the vendor wrote it.
 */
export function StatusTag({ status, word, testId }: { status: Status; word?: string | null; testId?: string }) {
  const label = statusLabel(status, word);
  return (
    <Tag
      color={label.color}
      icon={status === "sending" ? <SyncOutlined spin /> : undefined}
      data-testid={testId}
      data-status={status}
      className="status-tag"
    >
      {label.text}
    </Tag>
  );
}
