import { App as AntApp, ConfigProvider, Layout, theme } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import dayjs from "dayjs";
import "dayjs/locale/zh-cn";
import { useEffect, useEffectEvent, useRef, useState } from "react";
import { subscribeInboxEvents } from "./api";
import { ApprovalDetail } from "./components/ApprovalDetail";
import { ApprovalList, type ApprovalListHandle } from "./components/ApprovalList";
import { BatchActions } from "./components/BatchActions";
import { DraftsDrawer } from "./components/DraftsDrawer";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { NewApprovalDrawer } from "./components/NewApprovalDrawer";
import { OutboxDrawer } from "./components/OutboxDrawer";
import { SettingsDrawer } from "./components/SettingsDrawer";
import { ShortcutHelp } from "./components/ShortcutHelp";
import { Sidebar } from "./components/Sidebar";
import { CacheDamaged, StatusBar } from "./components/StatusBar";
import { useAccounts } from "./hooks/useAccounts";
import { useChecked } from "./hooks/useChecked";
import { useDetail } from "./hooks/useDetail";
import { useDrafts } from "./hooks/useDrafts";
import { useFacets } from "./hooks/useFacets";
import { useInbox } from "./hooks/useInbox";
import { useNow } from "./hooks/useNow";
import { useOutbox } from "./hooks/useOutbox";
import { useShortcuts } from "./hooks/useShortcuts";
import { useSystemDark } from "./hooks/useSystemDark";
import { getLang, setLang, type Lang } from "./i18n";
import type { Account, Approval } from "./types";
import { VendorsContext } from "./vendors";

/**
 * The window: boxes on the left, the list in the middle, the selected approval on the right.
 * Its state is in hooks (src/hooks); this puts them together and says what each event does.
 */
export function InboxApp({ lang, onLang }: { lang: Lang; onLang: (lang: Lang) => void }) {
  const inbox = useInbox();
  const now = useNow();
  const listRef = useRef<ApprovalListHandle>(null);
  const { facets, reload: reloadFacets } = useFacets(inbox.box);
  const accounts = useAccounts();
  const detail = useDetail(accounts.accounts);
  const checked = useChecked(inbox.items);
  const drafts = useDrafts();
  const outbox = useOutbox();
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);

  // A sync or a change from elsewhere (callback, the command line): what shows is read again.
  const shownChanged = useEffectEvent(() => {
    inbox.refresh();
    reloadFacets();
    detail.reload();
  });
  useEffect(() => subscribeInboxEvents({ onSyncFinished: () => shownChanged(), onInboxChanged: () => shownChanged() }), []);

  /** A confirmed new approval: shown in 我提交的, selected. */
  const onSent = (approval: Approval) => {
    drafts.sent();
    checked.clear();
    if (inbox.box !== "submitted") inbox.setBox("submitted");
    else inbox.refresh();
    detail.show(approval);
  };

  const onAccountsChanged = () => {
    void accounts.load();
    inbox.refresh();
    reloadFacets();
  };

  // Keyboard triage (see ShortcutHelp for the list).
  const move = (step: number) => {
    const items = inbox.items;
    if (items.length === 0) return;
    const at = items.findIndex((i) => i.id === detail.selectedId);
    const next = at < 0 ? 0 : Math.min(items.length - 1, Math.max(0, at + step));
    detail.select(items[next].id);
    listRef.current?.scrollToIndex(next);
    if (next >= items.length - 5) inbox.loadMore();
  };
  useShortcuts(!settingsOpen && !helpOpen && !drafts.compose.open && !drafts.listOpen && !outbox.open, {
    next: () => move(1),
    previous: () => move(-1),
    open: () => {
      if (detail.selectedId === null) move(0);
      document.getElementById("approval-detail")?.focus();
    },
    approve: () => detail.requestAction("approve"),
    reject: () => detail.requestAction("reject"),
    toggle: () => {
      if (detail.selectedId !== null) checked.toggle([detail.selectedId]);
    },
    search: () => listRef.current?.focusSearch(),
    help: () => setHelpOpen(true),
    clear: checked.clear,
    newApproval: () => {
      if (accounts.canSubmit) drafts.startCompose(null);
    },
  });

  return (
    <VendorsContext.Provider value={accounts.vendors}>
      <Layout className="app-layout">
        <Layout.Sider width={232} theme="light" className="app-sider">
          <Sidebar
            box={inbox.box}
            counts={inbox.counts}
            onSelectBox={(b) => {
              checked.clear();
              inbox.setBox(b);
            }}
            accounts={accounts.list}
            syncing={accounts.syncing}
            progress={accounts.progress}
            onStopSync={accounts.stop}
            syncRequesting={accounts.syncRequesting}
            onSyncNow={accounts.syncAll}
            onOpenSettings={() => setSettingsOpen(true)}
            onNewApproval={() => drafts.startCompose(null)}
            canSubmit={accounts.canSubmit}
            draftCount={drafts.list.length}
            outbox={outbox.summary}
            onOpenOutbox={outbox.show}
            onOpenDrafts={drafts.openList}
            onShowUnreadable={(accountId) => inbox.setFilters({ account_id: accountId, unreadable: true })}
            now={now}
            lang={lang}
            onLang={onLang}
          />
        </Layout.Sider>
        <Layout className="app-main">
          <CacheDamaged problem={accounts.damaged} />
          <Layout.Content className="app-content">
            <ApprovalList
              ref={listRef}
              box={inbox.box}
              items={inbox.items}
              total={inbox.total}
              loading={inbox.loading}
              loadingMore={inbox.loadingMore}
              error={inbox.error}
              selectedId={detail.selectedId}
              checked={checked.checked}
              onRowClick={(id, how) => {
                if (!checked.click(id, how)) detail.select(id);
              }}
              onLoadMore={inbox.loadMore}
              search={inbox.search}
              onSearch={inbox.setSearch}
              filters={inbox.filters}
              onFilters={inbox.setFilters}
              facets={facets}
              accounts={accounts.list}
              syncing={accounts.syncing.size > 0}
              noAccounts={accounts.accounts !== null && accounts.accounts.length === 0}
              onOpenSettings={() => setSettingsOpen(true)}
              now={now}
              batchBar={
                <BatchActions
                  items={checked.checkedItems}
                  onClear={checked.clear}
                  onSelectAll={checked.selectAll}
                  onDone={() => {
                    checked.clear();
                    inbox.refresh();
                    detail.reload();
                  }}
                />
              }
            />
            <ErrorBoundary key={detail.selectedId ?? "none"}>
              <ApprovalDetail
                approval={detail.approval}
                loading={detail.loading}
                error={detail.error}
                onActed={(updated) => {
                  detail.acted(updated);
                  inbox.refresh();
                }}
                request={detail.request}
              />
            </ErrorBoundary>
          </Layout.Content>
          <StatusBar info={accounts.info} syncing={accounts.syncing.size} />
        </Layout>
      </Layout>
      <SettingsDrawer
        open={settingsOpen}
        onClose={() => setSettingsOpen(false)}
        accounts={accounts.list}
        vendors={accounts.vendors}
        syncing={accounts.syncing}
        info={accounts.info}
        now={now}
        onAccountsChanged={onAccountsChanged}
        onAccountAdded={(account: Account) => {
          onAccountsChanged();
          accounts.syncNew(account.id);
        }}
      />
      <ShortcutHelp open={helpOpen} onClose={() => setHelpOpen(false)} />
      <NewApprovalDrawer
        key={drafts.compose.key}
        open={drafts.compose.open}
        onClose={drafts.closeCompose}
        accounts={accounts.list}
        vendors={accounts.vendors}
        draft={drafts.compose.draft}
        onSent={onSent}
        onDraftsChanged={drafts.load}
      />
      <OutboxDrawer
        open={outbox.open}
        onClose={outbox.close}
        entries={outbox.entries}
        accounts={accounts.list}
        now={now}
        onOpenApproval={(id) => {
          outbox.close();
          detail.select(id);
        }}
        onChanged={outbox.load}
      />
      <DraftsDrawer
        open={drafts.listOpen}
        onClose={drafts.closeList}
        drafts={drafts.list}
        accounts={accounts.list}
        now={now}
        onOpenDraft={drafts.startCompose}
        onSent={onSent}
        onChanged={drafts.load}
      />
    </VendorsContext.Provider>
  );
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
