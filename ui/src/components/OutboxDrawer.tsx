import { DeleteOutlined, RedoOutlined } from "@ant-design/icons";
import { App, Button, Drawer, Empty, Flex, List, Popconfirm, Tag, Typography, type ButtonProps } from "antd";
import { useState } from "react";
import { api, errorText } from "../api";
import { formatRelative } from "../format";
import { t } from "../i18n";
import type { Account, OutboxEntry, OutboxKind, OutboxState } from "../types";

const KIND_TEXT: Record<OutboxKind, string> = {
  approve: "同意",
  reject: "拒绝",
  cancel: "撤回",
  submit: "发起审批",
};

const STATE_TAG: Record<OutboxState, { text: string; color: string }> = {
  queued: { text: "等待重试", color: "warning" },
  sending: { text: "发送中", color: "processing" },
  failed: { text: "厂商拒绝", color: "error" },
  done: { text: "已送达", color: "success" },
  discarded: { text: "已放弃", color: "default" },
};

interface OutboxDrawerProps {
  open: boolean;
  onClose: () => void;
  entries: OutboxEntry[];
  accounts: Account[];
  now: number;
  onOpenApproval: (id: number) => void;
  onChanged: () => void;
}

/**
 * 待发送: decisions written down but not yet accepted by the vendor — waiting for their next
 * automatic try (offline, vendor down) or refused by the vendor — each with the reason, sent again
 * now or given up by the user.
 */
export function OutboxDrawer(props: OutboxDrawerProps) {
  const { message } = App.useApp();
  const [busy, setBusy] = useState<number | null>(null);

  const run = async (entry: OutboxEntry, what: (id: number) => Promise<OutboxEntry>) => {
    setBusy(entry.id);
    try {
      const after = await what(entry.id);
      if (after.state === "done") message.success(t("已送达厂商"));
      else if (after.state !== "discarded") message.warning(after.last_error ?? t("仍未送达"));
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(null);
      props.onChanged();
    }
  };

  const accountName = (id: number) => props.accounts.find((a) => a.id === id)?.name ?? `#${id}`;

  return (
    <Drawer title={t("待发送")} open={props.open} onClose={props.onClose} size={560} data-testid="outbox">
      {props.entries.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("所有操作都已送达")} />
      ) : (
        <List
          dataSource={props.entries}
          data-testid="outbox-list"
          renderItem={(e) => {
            const state = STATE_TAG[e.state];
            const mine = busy === e.id;
            return (
              <List.Item
                data-testid="outbox-row"
                data-id={e.id}
                data-state={e.state}
                actions={[
                  <Button key="retry" size="small" type="primary" icon={<RedoOutlined />} loading={mine || e.state === "sending"} disabled={(busy !== null && !mine) || e.state === "sending"} onClick={() => run(e, api.retryAction)} data-testid="btn-retry-action">
                    {t("重试")}
                  </Button>,
                  <Popconfirm
                    key="discard"
                    disabled={e.state === "sending"}
                    title={t("放弃这个操作？它不会再发送给厂商。")}
                    okText={t("放弃")}
                    cancelText={t("取消")}
                    onConfirm={() => run(e, api.discardAction)}
                    okButtonProps={{ "data-testid": "btn-confirm-discard" } as ButtonProps}
                  >
                    <Button size="small" danger icon={<DeleteOutlined />} disabled={mine || e.state === "sending"} aria-label={t("放弃")} data-testid="btn-discard-action" />
                  </Popconfirm>,
                ]}
              >
                <Flex vertical gap={2} style={{ minWidth: 0, flex: 1 }}>
                  <Flex gap={8} align="center" wrap>
                    <Tag color={state.color} data-testid="outbox-state">
                      {t(state.text)}
                    </Tag>
                    <Typography.Text strong>{t(KIND_TEXT[e.kind])}</Typography.Text>
                    {e.approval_id !== null ? (
                      <Typography.Link ellipsis onClick={() => props.onOpenApproval(e.approval_id as number)} data-testid="outbox-title">
                        {e.title ?? `#${e.approval_id}`}
                      </Typography.Link>
                    ) : null}
                  </Flex>
                  <Typography.Text type="secondary" className="draft-meta">
                    {accountName(e.account_id)} · {t("{n} 次尝试", { n: e.attempts })} · {formatRelative(e.updated_at, props.now)}
                    {e.comment ? ` · “${e.comment}”` : ""}
                  </Typography.Text>
                  {e.last_error && (
                    <Typography.Text type="danger" data-testid="outbox-error">
                      {e.last_error}
                    </Typography.Text>
                  )}
                  {e.state === "queued" && <Typography.Text type="secondary">{t("会在后台自动重试")}</Typography.Text>}
                </Flex>
              </List.Item>
            );
          }}
        />
      )}
    </Drawer>
  );
}
