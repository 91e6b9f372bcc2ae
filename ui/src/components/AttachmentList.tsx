import { DownloadOutlined, EyeOutlined, ExportOutlined, FileOutlined, FolderFilled } from "@ant-design/icons";
import { App, Button, Empty, Flex, Modal, Tooltip, Typography } from "antd";
import { useEffect, useState } from "react";
import { api, chooseSavePath, errorText } from "../api";
import { fileKind, formatSize, safeFileName } from "../format";
import { t } from "../i18n";
import type { Attachment } from "../types";

interface Preview {
  name: string;
  kind: "image" | "pdf";
  url: string;
}

/**
 * The approval's attachments with size and type. Images and PDFs open in a preview inside the
 * window; any other file is downloaded and handed to the system's viewer. 另存为 asks where to
 * save (the system's save dialog) and downloads there.
 */
export function AttachmentList({ approvalId, attachments }: { approvalId: number; attachments: Attachment[] }) {
  const { message } = App.useApp();
  const [busy, setBusy] = useState<string | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);

  // The object URL lives as long as the preview shows.
  useEffect(() => () => {
    if (preview) URL.revokeObjectURL(preview.url);
  }, [preview]);

  if (attachments.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("没有附件")} />;

  const open = async (a: Attachment) => {
    const kind = fileKind(a.name);
    setBusy(a.remote_id);
    try {
      if (kind.preview) {
        const bytes = await api.readAttachment(approvalId, a.remote_id);
        const url = URL.createObjectURL(new Blob([bytes], { type: kind.mime }));
        setPreview({ name: a.name, kind: kind.preview, url });
      } else {
        await api.openAttachment(approvalId, a.remote_id);
      }
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(null);
    }
  };

  const openWithSystem = async (a: Attachment) => {
    setBusy(`system:${a.remote_id}`);
    try {
      await api.openAttachment(approvalId, a.remote_id);
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(null);
    }
  };

  const saveAs = async (a: Attachment) => {
    const path = await chooseSavePath(safeFileName(a.name)).catch((err: unknown) => {
      message.error(errorText(err));
      return null;
    });
    if (!path) return;
    setBusy(`save:${a.remote_id}`);
    try {
      const saved = await api.saveAttachment(approvalId, a.remote_id, path);
      message.success(t("已保存到 {path}", { path: saved }));
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <Flex vertical gap={6} className="attachments">
        {attachments.map((a) => {
          const kind = fileKind(a.name);
          return (
            <Flex key={a.remote_id} gap={8} align="center" className="attachment" data-testid="attachment">
              {a.is_folder ? (
                <FolderFilled className="attachment-folder" aria-label={t("文件夹")} />
              ) : (
                <FileOutlined aria-label={t("文件")} />
              )}
              <Typography.Text ellipsis className="attachment-name">
                {a.name}
              </Typography.Text>
              <Typography.Text type="secondary" className="attachment-type">
                {a.is_folder ? t("文件夹") : kind.label}
              </Typography.Text>
              <Typography.Text type="secondary" className="attachment-size">
                {a.size !== null ? formatSize(a.size) : "—"}
              </Typography.Text>
              {!a.is_folder && (
                <Tooltip title={kind.preview ? t("预览") : t("用系统程序打开")}>
                  <Button
                    size="small"
                    type="text"
                    icon={kind.preview ? <EyeOutlined /> : <ExportOutlined />}
                    loading={busy === a.remote_id}
                    onClick={() => open(a)}
                    aria-label={kind.preview ? t("预览") : t("用系统程序打开")}
                    data-testid="attachment-open"
                  />
                </Tooltip>
              )}
              {!a.is_folder && kind.preview && (
                <Tooltip title={t("用系统程序打开")}>
                  <Button
                    size="small"
                    type="text"
                    icon={<ExportOutlined />}
                    loading={busy === `system:${a.remote_id}`}
                    onClick={() => openWithSystem(a)}
                    aria-label={t("用系统程序打开")}
                    data-testid="attachment-system"
                  />
                </Tooltip>
              )}
              {!a.is_folder && (
                <Tooltip title={t("另存为…")}>
                  <Button
                    size="small"
                    type="text"
                    icon={<DownloadOutlined />}
                    loading={busy === `save:${a.remote_id}`}
                    onClick={() => saveAs(a)}
                    aria-label={t("另存为…")}
                    data-testid="attachment-save"
                  />
                </Tooltip>
              )}
            </Flex>
          );
        })}
      </Flex>
      <Modal
        open={preview !== null}
        title={preview?.name}
        footer={null}
        width="80vw"
        onCancel={() => setPreview(null)}
        destroyOnHidden
        className="attachment-preview"
      >
        {preview?.kind === "image" && <img src={preview.url} alt={preview.name} className="preview-image" data-testid="preview-image" />}
        {preview?.kind === "pdf" && <iframe src={preview.url} title={preview.name} className="preview-pdf" data-testid="preview-pdf" />}
      </Modal>
    </>
  );
}
