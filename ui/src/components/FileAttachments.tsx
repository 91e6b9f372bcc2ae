import { DeleteOutlined, FileOutlined, FolderAddOutlined, FolderFilled, InboxOutlined, PaperClipOutlined } from "@ant-design/icons";
import { Alert, Button, Flex, List, Progress, Tag, Typography } from "antd";
import { formatSize } from "../format";
import { t } from "../i18n";
import type { AttachmentRule, PathSummary, UploadProgress, UploadState } from "../types";

interface FileAttachmentsProps {
  rule: AttachmentRule;
  /** The chosen paths, as describe_files sees them (in the order chosen). */
  files: PathSummary[];
  /** Per-file upload progress by path (files inside a chosen folder are summed into it). */
  uploads: UploadProgress[];
  onPick: (folders: boolean) => void;
  onRemove: (path: string) => void;
  /** Disabled while the draft is being sent. */
  busy: boolean;
  error: string | null;
}

const PROGRESS_STATUS: Record<UploadState, "normal" | "active" | "success" | "exception"> = {
  waiting: "normal",
  sending: "active",
  done: "success",
  failed: "exception",
};

/** The progress of one chosen path: its own upload, or the sum over the files of a folder. */
function progressOf(file: PathSummary, uploads: UploadProgress[]): { percent: number; state: UploadState } | null {
  const prefix = file.path.endsWith("/") ? file.path : `${file.path}/`;
  const mine = uploads.filter((u) => u.path === file.path || (file.is_folder && u.path.startsWith(prefix)));
  if (mine.length === 0) return null;
  const total = mine.reduce((n, u) => n + u.total, 0);
  const sent = mine.reduce((n, u) => n + (u.state === "done" ? u.total : u.sent), 0);
  const state: UploadState = mine.some((u) => u.state === "failed")
    ? "failed"
    : mine.every((u) => u.state === "done") && (!file.is_folder || mine.length >= file.files)
      ? "done"
      : mine.some((u) => u.state !== "waiting")
        ? "sending"
        : "waiting";
  const percent = total > 0 ? Math.floor((sent / total) * 100) : state === "done" ? 100 : 0;
  return { percent, state };
}

/**
 * The files of a new approval: chosen with the system's file dialog or dropped on the window,
 * listed with size, count and total, each with its upload progress while the draft is sent.
 */
export function FileAttachments(props: FileAttachmentsProps) {
  const { rule, files, uploads, busy } = props;
  if (rule === "none") return null;
  const count = files.reduce((n, f) => n + f.files, 0);
  const total = files.reduce((n, f) => n + f.size, 0);
  return (
    <Flex vertical gap={8} className="file-attachments" data-testid="file-attachments">
      <Flex gap={8} align="center" wrap>
        <Button icon={<PaperClipOutlined />} onClick={() => props.onPick(false)} disabled={busy} data-testid="btn-pick-files">
          {t("选择文件")}
        </Button>
        <Button icon={<FolderAddOutlined />} onClick={() => props.onPick(true)} disabled={busy} data-testid="btn-pick-folder">
          {t("选择文件夹")}
        </Button>
        {rule === "required" && <Tag color="orange">{t("必须上传文件")}</Tag>}
      </Flex>
      {files.length === 0 ? (
        <Flex vertical align="center" gap={4} className="drop-hint" data-testid="drop-zone">
          <InboxOutlined className="drop-hint-icon" />
          <Typography.Text type="secondary">{t("也可以把文件拖到窗口里")}</Typography.Text>
        </Flex>
      ) : (
        <List
          size="small"
          bordered
          dataSource={files}
          data-testid="upload-list"
          footer={
            <Typography.Text type="secondary" data-testid="upload-total">
              {t("共 {count} 个文件，{size}", { count, size: formatSize(total) })}
            </Typography.Text>
          }
          renderItem={(f) => {
            const p = progressOf(f, uploads);
            return (
              <List.Item
                data-testid="upload-item"
                data-path={f.path}
                data-state={p?.state ?? "chosen"}
                actions={[
                  <Button
                    key="remove"
                    type="text"
                    size="small"
                    icon={<DeleteOutlined />}
                    disabled={busy}
                    onClick={() => props.onRemove(f.path)}
                    aria-label={t("移除")}
                    data-testid="btn-remove-file"
                  />,
                ]}
              >
                <Flex vertical gap={2} className="upload-item-body">
                  <Flex gap={8} align="center">
                    {f.is_folder ? <FolderFilled className="attachment-folder" /> : <FileOutlined />}
                    <Typography.Text ellipsis={{ tooltip: f.path }} className="upload-name">
                      {f.name}
                    </Typography.Text>
                    <Typography.Text type="secondary" className="upload-size">
                      {f.is_folder ? t("{n} 个文件，{size}", { n: f.files, size: formatSize(f.size) }) : formatSize(f.size)}
                    </Typography.Text>
                  </Flex>
                  {f.error && <Typography.Text type="danger">{f.error}</Typography.Text>}
                  {p && <Progress percent={p.percent} size="small" status={PROGRESS_STATUS[p.state]} data-testid="upload-progress" />}
                </Flex>
              </List.Item>
            );
          }}
        />
      )}
      {props.error && <Alert type="error" showIcon title={props.error} data-testid="attachments-error" />}
    </Flex>
  );
}
