import { App, Descriptions, Divider, Drawer, Empty, Flex, Switch, Tag, Typography } from "antd";
import { useEffect, useState } from "react";
import { api, errorText } from "../api";
import type { Account, AppInfo, VendorInfo } from "../types";
import { AccountCard } from "./AccountCard";
import { AddAccountForm } from "./AddAccountForm";
import { t } from "../i18n";

interface SettingsDrawerProps {
  open: boolean;
  onClose: () => void;
  accounts: Account[];
  vendors: VendorInfo[];
  syncing: ReadonlySet<number>;
  info: AppInfo | null;
  now: number;
  onAccountsChanged: () => void;
  onAccountAdded: (account: Account) => void;
}

/** 开机启动: whether the app starts (in the tray) when the user logs in; asked of the system. */
function AutostartSwitch({ open }: { open: boolean }) {
  const { message } = App.useApp();
  const [enabled, setEnabled] = useState<boolean | null>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (!open) return;
    api.getAutostart().then(setEnabled, (err) => {
      setEnabled(null);
      console.error("get_autostart failed:", err);
    });
  }, [open]);
  const change = async (on: boolean) => {
    setSaving(true);
    try {
      await api.setAutostart(on);
      setEnabled(await api.getAutostart());
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Flex justify="space-between" align="center">
      <Typography.Text>{t("开机启动")}</Typography.Text>
      <Switch checked={enabled ?? false} disabled={enabled === null} loading={saving} onChange={change} data-testid="autostart-switch" />
    </Flex>
  );
}

/** 设置: the accounts, 添加账号, start at login, and a little about the app. */
export function SettingsDrawer(props: SettingsDrawerProps) {
  const { accounts, info } = props;
  return (
    <Drawer title={t("设置")} open={props.open} onClose={props.onClose} size={560} className="settings-drawer">
      <Typography.Title level={5}>{t("账号")}</Typography.Title>
      {accounts.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("还没有账号，在下面添加一个")} />
      ) : (
        <Flex vertical gap={8} data-testid="account-list">
          {accounts.map((a) => (
            <AccountCard
              key={a.id}
              account={a}
              syncing={props.syncing.has(a.id)}
              now={props.now}
              onRemoved={props.onAccountsChanged}
            />
          ))}
        </Flex>
      )}

      <Divider />
      <Typography.Title level={5}>{t("添加账号")}</Typography.Title>
      <AddAccountForm vendors={props.vendors} onAdded={props.onAccountAdded} />

      <Divider />
      <Typography.Title level={5}>{t("偏好")}</Typography.Title>
      <AutostartSwitch open={props.open} />

      {info && (
        <>
          <Divider />
          <Typography.Title level={5}>{t("关于")}</Typography.Title>
          <Descriptions
            size="small"
            column={1}
            items={[
              { key: "version", label: t("版本"), children: info.version },
              {
                key: "mode",
                label: t("模式"),
                children: info.demo ? <Tag color="gold">{t("演示模式 — 数据来自本地模拟器")}</Tag> : t("正常"),
              },
              {
                key: "dir",
                label: t("数据目录"),
                children: <Typography.Text copyable>{info.data_dir}</Typography.Text>,
              },
            ]}
          />
        </>
      )}
    </Drawer>
  );
}
