import { SearchOutlined, SyncOutlined } from "@ant-design/icons";
import VirtualList, { type ListRef } from "@rc-component/virtual-list";
import { Alert, Button, Empty, Flex, Input, Skeleton, Spin, Typography } from "antd";
import type { InputRef } from "antd";
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from "react";
import { boxLabel } from "../format";
import { t } from "../i18n";
import type { Account, ApprovalSummary, Facets, Inbox } from "../types";
import { useHeight } from "../hooks/useHeight";
import type { Filters } from "../hooks/useInbox";
import { ApprovalRow, type RowClick } from "./ApprovalRow";
import { ListFilters } from "./ListFilters";

interface ApprovalListProps {
  box: Inbox;
  items: ApprovalSummary[];
  total: number;
  loading: boolean;
  loadingMore: boolean;
  error: string | null;
  selectedId: number | null;
  checked: ReadonlySet<number>;
  onRowClick: (id: number, how: RowClick) => void;
  onLoadMore: () => void;
  search: string;
  onSearch: (text: string) => void;
  filters: Filters;
  onFilters: (next: Filters) => void;
  facets: Facets | null;
  accounts: Account[];
  syncing: boolean;
  noAccounts: boolean;
  onOpenSettings: () => void;
  now: number;
  /** Shown above the list while rows are checked (the batch actions). */
  batchBar?: React.ReactNode;
}

/** What the window's shortcuts need from the list. */
export interface ApprovalListHandle {
  focusSearch: () => void;
  scrollToIndex: (index: number) => void;
}

const SEARCH_DELAY_MS = 300;
/** Height of one row; the virtual list keeps only the visible rows in the DOM. */
const ROW_HEIGHT = 64;
/** The performance mark set once the first page of the list is rendered. */
export const FIRST_PAGE_MARK = "inbox-first-page";
/** The pane height assumed until it is measured: 100 rows. */
const UNMEASURED_HEIGHT = ROW_HEIGHT * 100;

/** The middle pane: search, filters, sort and the virtualised list of the selected box. */
export const ApprovalList = forwardRef<ApprovalListHandle, ApprovalListProps>(function ApprovalList(props, ref) {
  const { items, total, loading, loadingMore, onLoadMore, onSearch, filters, onFilters } = props;
  const [text, setText] = useState(props.search);
  const listRef = useRef<ListRef>(null);
  const searchRef = useRef<InputRef>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  const height = useHeight(boxRef);
  const hasMore = items.length < total;
  const filtered = Object.entries(filters).some(([k, v]) => k !== "sort" && v !== undefined && v !== "");

  useImperativeHandle(ref, () => ({
    focusSearch: () => searchRef.current?.focus({ cursor: "all" }),
    scrollToIndex: (index) => listRef.current?.scrollTo({ index, align: "auto" }),
  }));

  // Search while typing, after a short pause.
  useEffect(() => {
    if (text === props.search) return;
    const timer = window.setTimeout(() => onSearch(text), SEARCH_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [text, props.search, onSearch]);

  // The first loaded page is on screen: a mark for the cold-start figure (tests/perf.rs).
  const firstPageMarked = useRef(false);
  useEffect(() => {
    if (loading || firstPageMarked.current) return;
    firstPageMarked.current = true;
    performance.mark(FIRST_PAGE_MARK);
  }, [loading]);

  // Back to the top when the box or the filters change.
  useEffect(() => {
    listRef.current?.scrollTo(0);
  }, [props.box, props.search, filters]);

  const onScroll = (e: React.UIEvent<HTMLElement>) => {
    const el = e.currentTarget;
    if (!hasMore || loadingMore || loading) return;
    if (el.scrollTop + el.clientHeight >= el.scrollHeight - 3 * ROW_HEIGHT) onLoadMore();
  };

  let body;
  if (props.noAccounts) {
    body = (
      <Empty
        className="pane-empty"
        description={
          <>
            <div>{t("还没有账号")}</div>
            <Typography.Text type="secondary">{t("在设置中添加一个厂商账号后，审批会出现在这里。")}</Typography.Text>
          </>
        }
      >
        <Button type="primary" onClick={props.onOpenSettings}>
          {t("打开设置添加账号")}
        </Button>
      </Empty>
    );
  } else if (loading && items.length === 0) {
    body = <Skeleton active paragraph={{ rows: 6 }} className="list-skeleton" />;
  } else if (items.length === 0) {
    body = (
      <Empty
        className="pane-empty"
        image={Empty.PRESENTED_IMAGE_SIMPLE}
        description={props.search || filtered ? t("没有符合条件的审批") : t("「{box}」里没有审批", { box: boxLabel(props.box) })}
      />
    );
  } else {
    body = (
      <VirtualList<ApprovalSummary>
        ref={listRef}
        data={items}
        itemKey="id"
        itemHeight={ROW_HEIGHT}
        // Before the pane is measured (and in unit tests, which have no layout) the list is
        // still virtual, over a tall pane: never every row of a 100k list at once.
        height={height > 0 ? height : UNMEASURED_HEIGHT}
        onScroll={onScroll}
      >
        {(item) => (
          <ApprovalRow
            item={item}
            selected={item.id === props.selectedId}
            checked={props.checked.has(item.id)}
            now={props.now}
            onClick={props.onRowClick}
          />
        )}
      </VirtualList>
    );
  }

  return (
    <Flex vertical className="list-pane">
      <div className="list-toolbar">
        <Flex align="center" justify="space-between" className="list-heading">
          <Typography.Title level={5} style={{ margin: 0 }}>
            {filters.unreadable ? t("无法读取的审批") : boxLabel(props.box)}
          </Typography.Title>
          {props.syncing && (
            <Typography.Text type="secondary" className="sync-indicator" data-testid="sync-indicator">
              <SyncOutlined spin /> {t("正在同步…")}
            </Typography.Text>
          )}
        </Flex>
        <Input
          ref={searchRef}
          allowClear
          placeholder={t("搜索标题、表单、提交人、意见")}
          prefix={<SearchOutlined />}
          suffix={<kbd className="kbd">/</kbd>}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onPressEnter={() => onSearch(text)}
          onKeyDown={(e) => {
            if (e.key === "Escape") (e.target as HTMLInputElement).blur();
          }}
          data-testid="search-input"
          aria-label={t("搜索审批")}
        />
        <ListFilters filters={filters} onFilters={onFilters} facets={props.facets} accounts={props.accounts} filtered={filtered} />
      </div>
      {props.batchBar}
      {props.error && <Alert type="error" showIcon title={props.error} className="pane-alert" />}
      <div className="list-scroll" ref={boxRef} role="listbox" aria-multiselectable aria-label={boxLabel(props.box)} data-testid="approval-list">
        {loading && items.length > 0 && (
          <div className="list-refreshing" data-testid="list-refreshing">
            <Spin size="small" />
          </div>
        )}
        {body}
      </div>
      {items.length > 0 && (
        <div className="list-foot" data-testid="list-foot">
          {hasMore ? (
            <Button type="link" size="small" loading={loadingMore} onClick={onLoadMore} data-testid="btn-load-more">
              {t("加载更多（已显示 {shown} / {total}）", { shown: items.length, total })}
            </Button>
          ) : (
            <Typography.Text type="secondary" data-testid="list-total">
              {t("共 {n} 条", { n: total })}
            </Typography.Text>
          )}
        </div>
      )}
    </Flex>
  );
});
