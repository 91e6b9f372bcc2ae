import { ExperimentOutlined, SyncOutlined } from "@ant-design/icons";
import { Alert, App as AntApp, ConfigProvider, Layout, Tag, Typography, theme } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import dayjs from "dayjs";
import "dayjs/locale/zh-cn";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, errorText, subscribeInboxEvents } from "./api";
import type { ActionRequest } from "./components/ActionBar";
import { ApprovalDetail } from "./components/ApprovalDetail";
import { ApprovalList, type ApprovalListHandle } from "./components/ApprovalList";
import type { RowClick } from "./components/ApprovalRow";
import { BatchActions } from "./components/BatchActions";
import { DraftsDrawer } from "./components/DraftsDrawer";
import { OutboxDrawer } from "./components/OutboxDrawer";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { NewApprovalDrawer } from "./components/NewApprovalDrawer";
import { SettingsDrawer } from "./components/SettingsDrawer";
import { ShortcutHelp } from "./components/ShortcutHelp";
import { Sidebar } from "./components/Sidebar";
import { getLang, setLang, t, type Lang } from "./i18n";
import type { Account, AppInfo, Approval, Draft, Facets, OutboxEntry, SyncProgress, VendorInfo } from "./types";
import { useInbox } from "./hooks/useInbox";
import { useNow } from "./hooks/useNow";
import { useShortcuts } from "./hooks/useShortcuts";
import { VendorsContext } from "./vendors";

/** The window: boxes on the left, the list in the middle, the selected approval on the right. */
export function InboxApp({ lang, onLang }: { lang: Lang; onLang: (lang: Lang) => void }) {
  const { message } = AntApp.useApp();
  const inbox = useInbox();
  const now = useNow();
  const listRef = useRef<ApprovalListHandle>(null);

  const [info, setInfo] = useState<AppInfo | null>(null);
  const [vendors, setVendors] = useState<VendorInfo[]>([]);
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [facets, setFacets] = useState<Facets | null>(null);
  const [syncing, setSyncing] = useState<ReadonlySet<number>>(new Set());
  const [progress, setProgress] = useState<ReadonlyMap<number, SyncProgress>>(new Map());
  /** What SQLite's check found wrong with the cache file: nothing more is synced into it. */
  const [damaged, setDamaged] = useState<string | null>(null);
  const [syncRequesting, setSyncRequesting] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  // 发起审批 (with the draft it reopens, if any) and 草稿.
  const [composeOpen, setComposeOpen] = useState(false);
  const [composeDraft, setComposeDraft] = useState<Draft | null>(null);
  const [draftsOpen, setDraftsOpen] = useState(false);
  const [drafts, setDrafts] = useState<Draft[]>([]);

  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [detail, setDetail] = useState<Approval | null>(null);
  const [detailLoading, setDetailLoading] = useState(false);
  const [detailError, setDetailError] = useState<string | null>(null);
  const [request, setRequest] = useState<ActionRequest | null>(null);
  const detailSeq = useRef(0);

  // Multi-select: the checked rows and where a shift-click range starts.
  const [checked, setChecked] = useState<ReadonlySet<number>>(new Set());
  const anchor = useRef<number | null>(null);

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

  const loadDrafts = useCallback(() => {
    api.listDrafts().then(setDrafts, (err) => console.error("list_drafts failed:", err));
  }, []);

  // 待发送: decisions written down but not yet delivered (see OutboxDrawer).
  const [outbox, setOutbox] = useState<OutboxEntry[]>([]);
  const [outboxOpen, setOutboxOpen] = useState(false);
  const loadOutbox = useCallback(() => {
    api.listOutbox().then(setOutbox, (err) => console.error("list_outbox failed:", err));
  }, []);

  const loadFacets = useCallback(() => {
    api.facets(inbox.box).then(setFacets, (err) => console.error("facets failed:", err));
  }, [inbox.box]);

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
    loadDrafts();
    loadOutbox();
  }, [loadAccounts, loadDrafts, loadOutbox]);

  useEffect(loadFacets, [loadFacets]);

  // The events call the latest closures without re-subscribing.
  const latest = useRef({ refresh: inbox.refresh, loadAccounts, loadDetail, loadFacets, loadOutbox, selectedId });
  latest.current = { refresh: inbox.refresh, loadAccounts, loadDetail, loadFacets, loadOutbox, selectedId };
  useEffect(
    () =>
      subscribeInboxEvents({
        onSyncStarted: ({ account_id }) => setSyncing((prev) => new Set(prev).add(account_id)),
        onSyncProgress: ({ account_id, progress: p }) => setProgress((prev) => new Map(prev).set(account_id, p)),
        onSyncFinished: ({ account_id }) => {
          setSyncing((prev) => {
            const next = new Set(prev);
            next.delete(account_id);
            return next;
          });
          const l = latest.current;
          l.refresh();
          l.loadFacets();
          void l.loadAccounts();
          if (l.selectedId !== null) void l.loadDetail(l.selectedId, true);
        },
        onInboxChanged: () => {
          const l = latest.current;
          l.refresh();
          l.loadFacets();
          if (l.selectedId !== null) void l.loadDetail(l.selectedId, true);
        },
        onOutboxChanged: () => latest.current.loadOutbox(),
        onCacheDamaged: setDamaged,
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

  const toggleChecked = useCallback((ids: number[], on?: boolean) => {
    setChecked((prev) => {
      const next = new Set(prev);
      for (const id of ids) {
        if (on ?? !next.has(id)) next.add(id);
        else next.delete(id);
      }
      return next;
    });
  }, []);

  const onRowClick = useCallback(
    (id: number, how: RowClick) => {
      const items = inbox.items;
      if (how === "range" && anchor.current !== null) {
        const from = items.findIndex((i) => i.id === anchor.current);
        const to = items.findIndex((i) => i.id === id);
        if (from >= 0 && to >= 0) {
          const [lo, hi] = from < to ? [from, to] : [to, from];
          toggleChecked(items.slice(lo, hi + 1).map((i) => i.id), true);
          return;
        }
      }
      anchor.current = id;
      if (how === "toggle" || how === "range") toggleChecked([id]);
      else select(id);
    },
    [inbox.items, select, toggleChecked],
  );

  // Checked rows that left the list (acted on elsewhere, other box) are unchecked.
  useEffect(() => {
    setChecked((prev) => {
      const present = new Set(inbox.items.map((i) => i.id));
      const kept = [...prev].filter((id) => present.has(id));
      return kept.length === prev.size ? prev : new Set(kept);
    });
  }, [inbox.items]);

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

  const canSubmit = useMemo(
    () => (accounts ?? []).some((a) => vendors.find((v) => v.id === a.vendor)?.capabilities.submit),
    [accounts, vendors],
  );

  const compose = (draft: Draft | null) => {
    setComposeDraft(draft);
    setDraftsOpen(false);
    setComposeOpen(true);
  };

  /** A confirmed new approval: shown in 我提交的, selected. */
  const onSent = (approval: Approval) => {
    setComposeOpen(false);
    setDraftsOpen(false);
    loadDrafts();
    setChecked(new Set());
    if (inbox.box !== "submitted") inbox.setBox("submitted");
    else inbox.refresh();
    setSelectedId(approval.id);
    detailSeq.current++;
    setDetail(approval);
    setDetailError(null);
    setDetailLoading(false);
  };

  const onAccountsChanged = () => {
    void loadAccounts();
    inbox.refresh();
    loadFacets();
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

  // Keyboard triage (see ShortcutHelp for the list).
  const move = (step: number) => {
    const items = inbox.items;
    if (items.length === 0) return;
    const at = items.findIndex((i) => i.id === selectedId);
    const next = at < 0 ? 0 : Math.min(items.length - 1, Math.max(0, at + step));
    select(items[next].id);
    listRef.current?.scrollToIndex(next);
    if (next >= items.length - 5) inbox.loadMore();
  };
  const requestAction = (action: ActionRequest["action"]) => {
    if (selectedId !== null) setRequest((prev) => ({ action, id: selectedId, seq: (prev?.seq ?? 0) + 1 }));
  };
  // A request belongs to the approval it was made on; another selection drops it.
  useEffect(() => setRequest(null), [selectedId]);
  useShortcuts(!settingsOpen && !helpOpen && !composeOpen && !draftsOpen && !outboxOpen, {
    next: () => move(1),
    previous: () => move(-1),
    open: () => {
      if (selectedId === null) move(0);
      document.getElementById("approval-detail")?.focus();
    },
    approve: () => requestAction("approve"),
    reject: () => requestAction("reject"),
    toggle: () => {
      if (selectedId !== null) toggleChecked([selectedId]);
    },
    search: () => listRef.current?.focusSearch(),
    help: () => setHelpOpen(true),
    clear: () => setChecked(new Set()),
    newApproval: () => {
      if (canSubmit) compose(null);
    },
  });

  const accountList = accounts ?? [];
  const checkedItems = useMemo(() => inbox.items.filter((i) => checked.has(i.id)), [inbox.items, checked]);

  return (
    <VendorsContext.Provider value={vendors}>
      <Layout className="app-layout">
        <Layout.Sider width={232} theme="light" className="app-sider">
          <Sidebar
            box={inbox.box}
            counts={inbox.counts}
            onSelectBox={(b) => {
              setChecked(new Set());
              inbox.setBox(b);
            }}
            accounts={accountList}
            syncing={syncing}
            progress={progress}
            onStopSync={(id) => {
              api.stopSync(id).catch((err) => message.error(errorText(err)));
            }}
            syncRequesting={syncRequesting}
            onSyncNow={syncAll}
            onOpenSettings={() => setSettingsOpen(true)}
            onNewApproval={() => compose(null)}
            canSubmit={canSubmit}
            draftCount={drafts.length}
            outbox={{ open: outbox.length, failed: outbox.some((e) => e.state === "failed") }}
            onOpenOutbox={() => {
              loadOutbox();
              setOutboxOpen(true);
            }}
            onOpenDrafts={() => {
              loadDrafts();
              setDraftsOpen(true);
            }}
            onShowUnreadable={(accountId) => inbox.setFilters({ account_id: accountId, unreadable: true })}
            now={now}
            lang={lang}
            onLang={onLang}
          />
        </Layout.Sider>
        <Layout className="app-main">
          {damaged && (
            <Alert
              type="error"
              showIcon
              banner
              data-testid="cache-damaged"
              title={t("本地缓存文件已损坏，不再同步到其中")}
              description={t("SQLite 检查发现：{problem}。请关闭应用，把数据目录中的 cache.sqlite3 移走（留给支持人员），再重新打开并添加账号；密钥仍在系统钥匙串中。", { problem: damaged })}
            />
          )}
          <Layout.Content className="app-content">
            <ApprovalList
              ref={listRef}
              box={inbox.box}
              items={inbox.items}
              total={inbox.total}
              loading={inbox.loading}
              loadingMore={inbox.loadingMore}
              error={inbox.error}
              selectedId={selectedId}
              checked={checked}
              onRowClick={onRowClick}
              onLoadMore={inbox.loadMore}
              search={inbox.search}
              onSearch={inbox.setSearch}
              filters={inbox.filters}
              onFilters={inbox.setFilters}
              facets={facets}
              accounts={accountList}
              syncing={syncing.size > 0}
              noAccounts={accounts !== null && accounts.length === 0}
              onOpenSettings={() => setSettingsOpen(true)}
              now={now}
              batchBar={
                  <BatchActions
                    items={checkedItems}
                    onClear={() => setChecked(new Set())}
                    onSelectAll={() => toggleChecked(inbox.items.map((i) => i.id), true)}
                    onDone={() => {
                      setChecked(new Set());
                      inbox.refresh();
                      if (selectedId !== null) void loadDetail(selectedId, true);
                    }}
                  />
              }
            />
            <ErrorBoundary key={selectedId ?? "none"}>
              <ApprovalDetail
                approval={selectedId === null ? null : detail}
                loading={detailLoading}
                error={selectedId === null ? null : detailError}
                onActed={onActed}
                request={request}
              />
            </ErrorBoundary>
          </Layout.Content>
          <Layout.Footer className="app-footer" data-testid="status-bar">
            {info?.demo && (
              <Tag color="gold" icon={<ExperimentOutlined />} data-testid="demo-mode">
                {t("演示模式 — 数据来自本地模拟器")}
              </Tag>
            )}
            {syncing.size > 0 && (
              <Typography.Text type="secondary">
                <SyncOutlined spin /> {t("正在同步 {n} 个账号…", { n: syncing.size })}
              </Typography.Text>
            )}
            <span className="footer-spacer" />
            <Typography.Text type="secondary" className="footer-hint">
              <kbd className="kbd">?</kbd> {t("键盘快捷键")}
            </Typography.Text>
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
      <ShortcutHelp open={helpOpen} onClose={() => setHelpOpen(false)} />
      <NewApprovalDrawer
        open={composeOpen}
        onClose={() => {
          setComposeOpen(false);
          loadDrafts();
        }}
        accounts={accountList}
        vendors={vendors}
        draft={composeDraft}
        onSent={onSent}
        onDraftsChanged={loadDrafts}
      />
      <OutboxDrawer
        open={outboxOpen}
        onClose={() => setOutboxOpen(false)}
        entries={outbox}
        accounts={accountList}
        now={now}
        onOpenApproval={(id) => {
          setOutboxOpen(false);
          select(id);
        }}
        onChanged={loadOutbox}
      />
      <DraftsDrawer
        open={draftsOpen}
        onClose={() => setDraftsOpen(false)}
        drafts={drafts}
        accounts={accountList}
        now={now}
        onOpenDraft={compose}
        onSent={onSent}
        onChanged={loadDrafts}
      />
    </VendorsContext.Provider>
  );
}

/** Whether the system asks for dark colors, kept current when it changes. */
function useSystemDark(): boolean {
  const query = "(prefers-color-scheme: dark)";
  const [dark, setDark] = useState(() => window.matchMedia?.(query).matches ?? false);
  useEffect(() => {
    const mq = window.matchMedia?.(query);
    if (!mq) return;
    const onChange = (e: MediaQueryListEvent) => setDark(e.matches);
    mq.addEventListener?.("change", onChange);
    return () => mq.removeEventListener?.("change", onChange);
  }, []);
  return dark;
}

/** Providers (language, colors following the system, antd's message context) and the top-level error boundary. */
export default function Root() {
  const [lang, setLangState] = useState<Lang>(getLang);
  const dark = useSystemDark();
  const changeLang = (next: Lang) => {
    setLang(next);
    setLangState(next);
  };
  useEffect(() => {
    setLang(lang);
    dayjs.locale(lang === "zh" ? "zh-cn" : "en");
  }, [lang]);
  return (
    <ConfigProvider
      locale={lang === "zh" ? zhCN : enUS}
      theme={{ token: { borderRadius: 6 }, algorithm: dark ? theme.darkAlgorithm : theme.defaultAlgorithm }}
      button={{ autoInsertSpace: false }}
    >
      <AntApp className={`app-root${dark ? " app-dark" : ""}`} data-theme={dark ? "dark" : "light"}>
        <ErrorBoundary>
          <InboxApp lang={lang} onLang={changeLang} />
        </ErrorBoundary>
      </AntApp>
    </ConfigProvider>
  );
}
