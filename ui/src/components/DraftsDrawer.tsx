import { DeleteOutlined, EditOutlined, SendOutlined } from "@ant-design/icons";
import { App, Button, Drawer, Empty, Flex, List, Popconfirm, Progress, Tag, Typography, type ButtonProps } from "antd";
import { useEffect, useState } from "react";
import { api, errorText, subscribeUploadProgress } from "../api";
import { formatRelative } from "../format";
import { t } from "../i18n";
import type { Account, Approval, Draft, DraftState, UploadProgress } from "../types";

const STATE_TAG: Record<DraftState, { text: string; color: string }> = {
  editing: { text: "草稿", color: "default" },
  sending: { text: "发送中", color: "processing" },
  failed: { text: "发送失败", color: "error" },
};

interface DraftsDrawerProps {
  open: boolean;
  onClose: () => void;
  drafts: Draft[];
  accounts: Account[];
  now: number;
  onOpenDraft: (draft: Draft) => void;
  onSent: (approval: Approval) => void;
  onChanged: () => void;
}

/** Overall upload progress of a draft being resent, from its files' `upload-progress` events. */
function percent(uploads: UploadProgress[]): number {
  const total = uploads.reduce((n, u) => n + u.total, 0);
  const sent = uploads.reduce((n, u) => n + (u.state === "done" ? u.total : u.sent), 0);
  return total > 0 ? Math.floor((sent / total) * 100) : 0;
}

/**
 * 草稿: approvals typed but not confirmed by the vendor, latest first, with why the last send
 * failed. Each can be reopened in the form, sent again as it is (files already uploaded are not
 * uploaded again where the vendor allows), or deleted.
 */
export function DraftsDrawer(props: DraftsDrawerProps) {
  const { message } = App.useApp();
  const [sendingId, setSendingId] = useState<number | null>(null);
  const [progress, setProgress] = useState<UploadProgress[]>([]);

  useEffect(
    () =>
      subscribeUploadProgress(({ draft_id, progress: p }) => {
        if (draft_id !== sendingId) return;
        setProgress((prev) => [...prev.filter((u) => u.path !== p.path), p]);
      }),
    [sendingId],
  );

  const resend = async (d: Draft) => {
    setSendingId(d.id);
    setProgress([]);
    try {
      const approval = await api.submitDraft(d.id);
      message.success(t("已发起审批「{title}」", { title: approval.title }));
      props.onSent(approval);
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSendingId(null);
      props.onChanged();
    }
  };

  const remove = async (d: Draft) => {
    try {
      await api.deleteDraft(d.id);
    } catch (err) {
      message.error(errorText(err));
    }
    props.onChanged();
  };

  const accountName = (id: number) => props.accounts.find((a) => a.id === id)?.name ?? `#${id}`;

  return (
    <Drawer title={t("草稿")} open={props.open} onClose={props.onClose} size={560} data-testid="drafts">
      {props.drafts.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("没有草稿")} />
      ) : (
        <List
          dataSource={props.drafts}
          data-testid="draft-list"
          renderItem={(d) => {
            const state = STATE_TAG[d.state];
            const note = d.submission.fields.find((f) => f.value.trim() !== "")?.value ?? "";
            const files = d.submission.attachments?.length ?? 0;
            const busy = sendingId === d.id;
            return (
              <List.Item
                data-testid="draft-row"
                data-id={d.id}
                data-state={d.state}
                actions={[
                  <Button key="open" size="small" icon={<EditOutlined />} disabled={busy} onClick={() => props.onOpenDraft(d)} data-testid="btn-open-draft">
                    {t("打开")}
                  </Button>,
                  <Button key="send" size="small" type="primary" icon={<SendOutlined />} loading={busy} disabled={sendingId !== null && !busy} onClick={() => resend(d)} data-testid="btn-resend-draft">
                    {d.state === "failed" ? t("重新发送") : t("发送")}
                  </Button>,
                  <Popconfirm key="delete" title={t("删除这份草稿？")} okText={t("删除")} cancelText={t("取消")} onConfirm={() => remove(d)} okButtonProps={{ "data-testid": "btn-confirm-delete-draft" } as ButtonProps}>
                    <Button size="small" danger icon={<DeleteOutlined />} disabled={busy} aria-label={t("删除")} data-testid="btn-delete-draft" />
                  </Popconfirm>,
                ]}
              >
                <Flex vertical gap={2} style={{ minWidth: 0, flex: 1 }}>
                  <Flex gap={8} align="center" wrap>
                    <Tag color={state.color} data-testid="draft-state">
                      {t(state.text)}
                    </Tag>
                    <Typography.Text strong>{t("模板 {id}", { id: d.submission.template_id })}</Typography.Text>
                    <Typography.Text type="secondary">{accountName(d.account_id)}</Typography.Text>
                  </Flex>
                  {note && (
                    <Typography.Text ellipsis className="draft-note">
                      {note}
                    </Typography.Text>
                  )}
                  <Typography.Text type="secondary" className="draft-meta">
                    {files > 0 ? t("{n} 个附件", { n: files }) + " · " : ""}
                    {formatRelative(d.updated_at, props.now)}
                  </Typography.Text>
                  {d.error && (
                    <Typography.Text type="danger" data-testid="draft-error">
                      {d.error_field ? `${d.error_field}: ` : ""}
                      {d.error}
                    </Typography.Text>
                  )}
                  {busy && progress.length > 0 && <Progress percent={percent(progress)} size="small" data-testid="draft-progress" />}
                </Flex>
              </List.Item>
            );
          }}
        />
      )}
    </Drawer>
  );
}
