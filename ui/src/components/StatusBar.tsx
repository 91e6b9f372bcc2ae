// What the window says around the list and the detail: the footer, and the banner for a damaged cache.
import { ExperimentOutlined, SyncOutlined } from "@ant-design/icons";
import { Alert, Layout, Tag, Typography } from "antd";
import { t } from "../i18n";
import type { AppInfo } from "../types";

/** The window's footer: demo mode, how many accounts are syncing, the shortcut hint, the version. */
export function StatusBar({ info, syncing }: { info: AppInfo | null; syncing: number }) {
  return (
    <Layout.Footer className="app-footer" data-testid="status-bar">
      {info?.demo && (
        <Tag color="gold" icon={<ExperimentOutlined />} data-testid="demo-mode">
          {t("演示模式 — 数据来自本地模拟器")}
        </Tag>
      )}
      {syncing > 0 && (
        <Typography.Text type="secondary">
          <SyncOutlined spin /> {t("正在同步 {n} 个账号…", { n: syncing })}
        </Typography.Text>
      )}
      <span className="footer-spacer" />
      <Typography.Text type="secondary" className="footer-hint">
        <kbd className="kbd">?</kbd> {t("键盘快捷键")}
      </Typography.Text>
      {info && <Typography.Text type="secondary">v{info.version}</Typography.Text>}
    </Layout.Footer>
  );
}

/** Above the list once SQLite's check found the cache file damaged: what it found, what to do. */
export function CacheDamaged({ problem }: { problem: string | null }) {
  if (!problem) return null;
  return (
    <Alert
      type="error"
      showIcon
      banner
      data-testid="cache-damaged"
      title={t("本地缓存文件已损坏，不再同步到其中")}
      description={t("SQLite 检查发现：{problem}。请关闭应用，把数据目录中的 cache.sqlite3 移走（留给支持人员），再重新打开并添加账号；密钥仍在系统钥匙串中。", { problem })}
    />
  );
}
