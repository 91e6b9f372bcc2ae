import {
  AuditOutlined,
  CheckSquareOutlined,
  CloudUploadOutlined,
  CopyOutlined,
  FileTextOutlined,
  InboxOutlined,
  PlusOutlined,
  SendOutlined,
  SettingOutlined,
  SyncOutlined,
} from "@ant-design/icons";
import { Button, Flex, Menu, Progress, Segmented, Spin, Typography } from "antd";
import type { ReactNode } from "react";
import { BOXES, boxLabel, describeProgress, describeSync } from "../format";
import { t, type Lang } from "../i18n";
import type { Account, BoxCounts, Inbox, SyncProgress } from "../types";

const BOX_ICONS: Record<Inbox, ReactNode> = {
  todo: <InboxOutlined />,
  submitted: <SendOutlined />,
  processed: <CheckSquareOutlined />,
  cc: <CopyOutlined />,
  managed: <AuditOutlined />,
};

/** 我管理的 only concerns administrator accounts: it shows once it holds something (or is open). */
const shownBoxes = (counts: BoxCounts | null, open: Inbox) =>
  BOXES.filter((b) => b !== "managed" || b === open || (counts?.managed ?? 0) > 0);

interface SidebarProps {
  box: Inbox;
  counts: BoxCounts | null;
  onSelectBox: (box: Inbox) => void;
  accounts: Account[];
  syncing: ReadonlySet<number>;
  /** Each account's running sync, from `sync-progress` events. */
  progress: ReadonlyMap<number, SyncProgress>;
  /** Stops an account's running sync (what it read stays). */
  onStopSync: (accountId: number) => void;
  syncRequesting: boolean;
  onSyncNow: () => void;
  onOpenSettings: () => void;
  /** 发起审批; disabled when no account can submit. */
  onNewApproval: () => void;
  canSubmit: boolean;
  draftCount: number;
  /** Outbox entries not yet delivered, and whether any was refused by its vendor. */
  outbox: { open: number; failed: boolean };
  onOpenOutbox: () => void;
  onOpenDrafts: () => void;
  /** Lists the account's approvals that the last sync could not read. */
  onShowUnreadable: (accountId: number) => void;
  now: number;
  lang: Lang;
  onLang: (lang: Lang) => void;
}

/**
 * The left pane: app title, 发起审批, the boxes with counts, the drafts, per-account sync
 * status and settings.
 */
export function Sidebar(props: SidebarProps) {
  const { box, counts, accounts, syncing, progress, now } = props;
  const anySyncing = syncing.size > 0;
  return (
    <Flex vertical className="sidebar">
      <div className="app-title">
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t("审批收件箱")}
        </Typography.Title>
        <Typography.Text type="secondary" className="app-subtitle">
          {props.lang === "zh" ? "Approval Inbox" : "审批收件箱"}
        </Typography.Text>
      </div>

      <Button
        type="primary"
        icon={<PlusOutlined />}
        className="new-approval-entry"
        disabled={!props.canSubmit}
        onClick={props.onNewApproval}
        title={props.canSubmit ? undefined : t("没有可以发起审批的账号")}
        data-testid="btn-new-approval"
      >
        {t("发起审批")}
        <kbd className="kbd kbd-on-primary">n</kbd>
      </Button>

      <Menu
        mode="inline"
        className="box-menu"
        selectedKeys={[box]}
        onClick={({ key }) => props.onSelectBox(key as Inbox)}
        items={shownBoxes(counts, box).map((b) => ({
          key: b,
          icon: BOX_ICONS[b],
          label: (
            <Flex justify="space-between" align="center" data-testid={`box-${b}`} className="box-entry">
              <span>{boxLabel(b)}</span>
              <span className={`box-count${b === "todo" && (counts?.todo ?? 0) > 0 ? " box-count-hot" : ""}`} data-testid={`count-${b}`}>
                {counts ? counts[b] : 0}
              </span>
            </Flex>
          ),
        }))}
      />

      <Button type="text" block icon={<FileTextOutlined />} className="drafts-entry" onClick={props.onOpenDrafts} data-testid="btn-drafts">
        <Flex justify="space-between" align="center" style={{ flex: 1 }}>
          <span>{t("草稿")}</span>
          <span className="box-count" data-testid="count-drafts">
            {props.draftCount}
          </span>
        </Flex>
      </Button>

      {props.outbox.open > 0 && (
        <Button
          type="text"
          block
          danger={props.outbox.failed}
          icon={<CloudUploadOutlined />}
          className="drafts-entry"
          onClick={props.onOpenOutbox}
          data-testid="btn-outbox"
        >
          <Flex justify="space-between" align="center" style={{ flex: 1 }}>
            <span>{t("待发送")}</span>
            <span className="box-count box-count-hot" data-testid="count-outbox">
              {props.outbox.open}
            </span>
          </Flex>
        </Button>
      )}

      <div className="sidebar-spacer" />

      <div className="sync-panel">
        <Flex justify="space-between" align="center" className="sync-panel-head">
          <Typography.Text type="secondary" strong>
            {t("同步")}
          </Typography.Text>
          <Button
            size="small"
            icon={<SyncOutlined spin={anySyncing} />}
            loading={props.syncRequesting}
            disabled={accounts.length === 0}
            onClick={props.onSyncNow}
            data-testid="btn-sync-now"
          >
            {t("立即同步")}
          </Button>
        </Flex>
        {accounts.length === 0 ? (
          <Typography.Text type="secondary" className="sync-line">
            {t("尚未添加账号")}
          </Typography.Text>
        ) : (
          accounts.map((a) => {
            const s = describeSync({ ...a.sync, running: a.sync.running || syncing.has(a.id) }, now);
            return (
              <div key={a.id} className="sync-line" data-account-id={a.id} data-testid="sync-line">
                <Typography.Text strong ellipsis className="sync-account" title={a.name}>
                  {a.name}
                </Typography.Text>
                <Typography.Text
                  type={s.error ? "danger" : "secondary"}
                  className="sync-state"
                  data-testid="sync-state"
                  data-error={s.error}
                  ellipsis={{ tooltip: s.text }}
                >
                  {syncing.has(a.id) && <Spin size="small" style={{ marginRight: 4 }} />}
                  {s.unreadable > 0 ? (
                    <Typography.Link onClick={() => props.onShowUnreadable(a.id)} data-testid="sync-unreadable" title={t("无法读取的审批")}>
                      {s.text}
                    </Typography.Link>
                  ) : (
                    s.text
                  )}
                </Typography.Text>
                <SyncProgressLine
                  progress={progress.get(a.id) ?? a.sync.progress ?? null}
                  running={syncing.has(a.id) || a.sync.running}
                  onStop={() => props.onStopSync(a.id)}
                />
              </div>
            );
          })
        )}
      </div>

      <Flex align="center" justify="space-between" className="lang-row">
        <Typography.Text type="secondary">{t("语言")}</Typography.Text>
        <Segmented<Lang>
          size="small"
          value={props.lang}
          onChange={props.onLang}
          options={[
            { value: "zh", label: "中文" },
            { value: "en", label: "English" },
          ]}
          data-testid="lang-switch"
        />
      </Flex>
      <Button
        type="text"
        block
        icon={<SettingOutlined />}
        className="settings-entry"
        onClick={props.onOpenSettings}
        data-testid="btn-settings"
      >
        {t("设置")}
      </Button>
    </Flex>
  );
}

/**
 * A sync's phase and history in words and a bar of the history, with a stop button while it runs;
 * also after a sync that left history to read (stopped, or the scheduler's slice ended).
 */
function SyncProgressLine(props: { progress: SyncProgress | null; running: boolean; onStop: () => void }) {
  const { progress, running } = props;
  const text = progress && describeProgress(progress);
  if (!progress || !text) return null;
  const percent = progress.history_total > 0 ? Math.floor((progress.history_done * 100) / progress.history_total) : 0;
  return (
    <div className="sync-progress" data-testid="sync-progress" data-phase={progress.phase}>
      <Typography.Text type="secondary" className="sync-progress-text" ellipsis={{ tooltip: text }}>
        {text}
      </Typography.Text>
      <Flex align="center" gap={6}>
        <Progress percent={percent} size="small" showInfo={false} status={running && !progress.todo_ready ? "active" : "normal"} />
        {running && (
          <Button size="small" type="text" danger onClick={props.onStop} data-testid="btn-stop-sync" title={t("停止同步")}>
            {t("停止同步")}
          </Button>
        )}
      </Flex>
    </div>
  );
}
