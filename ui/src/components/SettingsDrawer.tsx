import { Descriptions, Divider, Drawer, Empty, Flex, Tag, Typography } from "antd";
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

/** 设置: the accounts, 添加账号, and a little about the app. */
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
