import { ApiOutlined, DeleteOutlined, SyncOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Flex, Popconfirm, Space, Tag, Typography } from "antd";
import { useState } from "react";
import { api, errorText } from "../api";
import { describeSync } from "../format";
import type { Account } from "../types";
import { VendorTag } from "./VendorTag";
import { t } from "../i18n";

interface AccountCardProps {
  account: Account;
  syncing: boolean;
  now: number;
  onRemoved: (id: number) => void;
}

/** One configured account with its sync state and 测试连接 / 立即同步 / 删除. */
export function AccountCard({ account, syncing, now, onRemoved }: AccountCardProps) {
  const { message } = App.useApp();
  const [testing, setTesting] = useState(false);
  const [testResult, setTestResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [syncRequesting, setSyncRequesting] = useState(false);
  const [removing, setRemoving] = useState(false);
  const sync = describeSync({ ...account.sync, running: account.sync.running || syncing }, now);

  const test = async () => {
    setTesting(true);
    setTestResult(null);
    try {
      setTestResult({ ok: true, text: await api.testAccount(account.id) });
    } catch (err) {
      setTestResult({ ok: false, text: errorText(err) });
    } finally {
      setTesting(false);
    }
  };

  const syncNow = async () => {
    setSyncRequesting(true);
    try {
      await api.syncNow(account.id);
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSyncRequesting(false);
    }
  };

  const remove = async () => {
    setRemoving(true);
    try {
      await api.removeAccount(account.id);
      message.success(t("已删除账号「{name}」", { name: account.name }));
      onRemoved(account.id);
    } catch (err) {
      message.error(errorText(err));
      setRemoving(false);
    }
  };

  return (
    <Card size="small" className="account-card" data-testid="account-row" data-id={account.id}>
      <Flex justify="space-between" align="flex-start" gap={8}>
        <div className="account-info">
          <Space size={6} wrap>
            <Typography.Text strong>{account.name}</Typography.Text>
            <VendorTag vendor={account.vendor} />
            {account.demo && <Tag color="gold">{t("演示")}</Tag>}
          </Space>
          <Typography.Text type="secondary" className="account-url" ellipsis={{ tooltip: account.base_url }}>
            {account.base_url}
          </Typography.Text>
          <Typography.Text type={sync.error ? "danger" : "secondary"} className="account-sync" data-testid="account-sync">
            {sync.error ? t("同步失败：{reason}", { reason: sync.text }) : sync.text}
          </Typography.Text>
        </div>
      </Flex>
      <Flex gap={8} wrap className="account-actions">
        <Button size="small" icon={<ApiOutlined />} loading={testing} onClick={test} data-testid="btn-test-account">
          {t("测试连接")}
        </Button>
        <Button
          size="small"
          icon={<SyncOutlined spin={syncing} />}
          loading={syncRequesting}
          onClick={syncNow}
          data-testid="btn-sync-account"
        >
          {t("立即同步")}
        </Button>
        <Popconfirm
          title={t("删除账号「{name}」？", { name: account.name })}
          description={t("删除后不再同步这个账号的审批。")}
          okText={t("删除")}
          okButtonProps={{ danger: true, ...{ "data-testid": "btn-confirm-remove" } }}
          cancelText={t("取消")}
          onConfirm={remove}
        >
          <Button size="small" danger icon={<DeleteOutlined />} loading={removing} data-testid="btn-remove-account">
            {t("删除")}
          </Button>
        </Popconfirm>
      </Flex>
      {testResult && (
        <Alert
          className="account-test-result"
          type={testResult.ok ? "success" : "error"}
          showIcon
          title={testResult.text}
          closable={{ onClose: () => setTestResult(null) }}
          data-testid="account-test-result"
        />
      )}
    </Card>
  );
}
