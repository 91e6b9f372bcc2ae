import { ExperimentOutlined, SyncOutlined } from "@ant-design/icons";
import { App as AntApp, ConfigProvider, Layout, Tag, Typography } from "antd";
import zhCN from "antd/locale/zh_CN";
import { useCallback, useEffect, useRef, useState } from "react";
import { api, errorText, subscribeInboxEvents } from "./api";
import { ApprovalDetail } from "./components/ApprovalDetail";
import { ApprovalList } from "./components/ApprovalList";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { SettingsDrawer } from "./components/SettingsDrawer";
import { Sidebar } from "./components/Sidebar";
import type { Account, AppInfo, Approval, VendorInfo } from "./types";
import { useInbox } from "./useInbox";
import { useNow } from "./useNow";
import { VendorsContext } from "./vendors";

/** The window: boxes on the left, the list in the middle, the selected approval on the right. */
export function InboxApp() {
  const { message } = AntApp.useApp();
  const inbox = useInbox();
  const now = useNow();

  const [info, setInfo] = useState<AppInfo | null>(null);
  const [vendors, setVendors] = useState<VendorInfo[]>([]);
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [syncing, setSyncing] = useState<ReadonlySet<number>>(new Set());
  const [syncRequesting, setSyncRequesting] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);

  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [detail, setDetail] = useState<Approval | null>(null);
  const [detailLoading, setDetailLoading] = useState(false);
  const [detailError, setDetailError] = useState<string | null>(null);
  const detailSeq = useRef(0);

  const loadAccounts = useCallback(async () => {
    try {
      const list = await api.listAccounts();
      setAccounts(list);
      // The snapshot wins, so a missed sync-finished cannot leave a spinner running forever.
      setSyncing(new Set(list.filter((a) => a.sync.running).map((a) => a.id)));
    } catch (err) {
      setAccounts((prev) => prev ?? []);
      message.error(errorText(err));
    }
  }, [message]);

  const loadDetail = useCallback(async (id: number, quiet: boolean) => {
    const mine = ++detailSeq.current;
    if (!quiet) {
      setDetail(null);
      setDetailError(null);
      setDetailLoading(true);
    }
    try {
      const approval = await api.getApproval(id);
      if (mine !== detailSeq.current) return;
      setDetail(approval);
      setDetailError(null);
    } catch (err) {
      if (mine !== detailSeq.current) return;
      if (!quiet) setDetailError(errorText(err));
    } finally {
      if (mine === detailSeq.current) setDetailLoading(false);
    }
  }, []);

  useEffect(() => {
    api.appInfo().then(setInfo, (err) => console.error("app_info failed:", err));
    api.listVendors().then(setVendors, (err) => console.error("list_vendors failed:", err));
    void loadAccounts();
  }, [loadAccounts]);

  // The events call the latest closures without re-subscribing.
  const latest = useRef({ refresh: inbox.refresh, loadAccounts, loadDetail, selectedId });
  latest.current = { refresh: inbox.refresh, loadAccounts, loadDetail, selectedId };
  useEffect(
    () =>
      subscribeInboxEvents({
        onSyncStarted: ({ account_id }) => setSyncing((prev) => new Set(prev).add(account_id)),
        onSyncFinished: ({ account_id }) => {
          setSyncing((prev) => {
            const next = new Set(prev);
            next.delete(account_id);
            return next;
          });
          const l = latest.current;
          l.refresh();
          void l.loadAccounts();
          if (l.selectedId !== null) void l.loadDetail(l.selectedId, true);
        },
        onInboxChanged: () => {
          const l = latest.current;
          l.refresh();
          if (l.selectedId !== null) void l.loadDetail(l.selectedId, true);
        },
      }),
    [],
  );

  const select = useCallback(
    (id: number) => {
      if (id === selectedId && detail) return;
      setSelectedId(id);
      void loadDetail(id, false);
    },
    [selectedId, detail, loadDetail],
  );

  const onActed = useCallback(
    (updated: Approval) => {
      detailSeq.current++; // an older get_approval must not overwrite the fresh state
      setDetail(updated);
      setDetailLoading(false);
      inbox.refresh();
    },
    [inbox],
  );

  const syncAll = async () => {
    setSyncRequesting(true);
    try {
      await api.syncNow();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSyncRequesting(false);
    }
  };

  const onAccountsChanged = () => {
    void loadAccounts();
    inbox.refresh();
  };

  const onAccountAdded = (account: Account) => {
    onAccountsChanged();
    // Fill the new account's inbox right away; progress arrives as events.
    api.syncNow(account.id).catch((err) => console.error("sync_now after add failed:", err));
  };

  // Forget the selection when its account is gone.
  useEffect(() => {
    if (detail && accounts && !accounts.some((a) => a.id === detail.account_id)) {
      setSelectedId(null);
      setDetail(null);
    }
  }, [accounts, detail]);

  const accountList = accounts ?? [];

  return (
    <VendorsContext.Provider value={vendors}>
      <Layout className="app-layout">
        <Layout.Sider width={232} theme="light" className="app-sider">
          <Sidebar
            box={inbox.box}
            counts={inbox.counts}
            onSelectBox={inbox.setBox}
            accounts={accountList}
            syncing={syncing}
            syncRequesting={syncRequesting}
            onSyncNow={syncAll}
            onOpenSettings={() => setSettingsOpen(true)}
            now={now}
          />
        </Layout.Sider>
        <Layout className="app-main">
          <Layout.Content className="app-content">
            <ApprovalList
              box={inbox.box}
              items={inbox.items}
              total={inbox.total}
              loading={inbox.loading}
              loadingMore={inbox.loadingMore}
              error={inbox.error}
              selectedId={selectedId}
              onSelect={select}
              onLoadMore={inbox.loadMore}
              search={inbox.search}
              onSearch={inbox.setSearch}
              vendor={inbox.vendor}
              onVendor={inbox.setVendor}
              syncing={syncing.size > 0}
              noAccounts={accounts !== null && accounts.length === 0}
              onOpenSettings={() => setSettingsOpen(true)}
              now={now}
            />
            <ErrorBoundary key={selectedId ?? "none"}>
              <ApprovalDetail
                approval={selectedId === null ? null : detail}
                loading={detailLoading}
                error={selectedId === null ? null : detailError}
                onActed={onActed}
              />
            </ErrorBoundary>
          </Layout.Content>
          <Layout.Footer className="app-footer" data-testid="status-bar">
            {info?.demo && (
              <Tag color="gold" icon={<ExperimentOutlined />} data-testid="demo-mode">
                演示模式 — 数据来自本地模拟器
              </Tag>
            )}
            {syncing.size > 0 && (
              <Typography.Text type="secondary">
                <SyncOutlined spin /> 正在同步 {syncing.size} 个账号…
              </Typography.Text>
            )}
            <span className="footer-spacer" />
            {info && <Typography.Text type="secondary">v{info.version}</Typography.Text>}
          </Layout.Footer>
        </Layout>
      </Layout>
      <SettingsDrawer
        open={settingsOpen}
        onClose={() => setSettingsOpen(false)}
        accounts={accountList}
        vendors={vendors}
        syncing={syncing}
        info={info}
        now={now}
        onAccountsChanged={onAccountsChanged}
        onAccountAdded={onAccountAdded}
      />
    </VendorsContext.Provider>
  );
}

/** Providers (Chinese locale, antd's message context) and the top-level error boundary. */
export default function Root() {
  return (
    <ConfigProvider locale={zhCN} theme={{ token: { borderRadius: 6 } }} button={{ autoInsertSpace: false }}>
      <AntApp className="app-root">
        <ErrorBoundary>
          <InboxApp />
        </ErrorBoundary>
      </AntApp>
    </ConfigProvider>
  );
}
