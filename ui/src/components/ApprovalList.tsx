import { SearchOutlined, SyncOutlined } from "@ant-design/icons";
import { Alert, Button, Empty, Flex, Input, Select, Skeleton, Spin, Typography } from "antd";
import { useEffect, useRef, useState } from "react";
import { BOX_LABELS, shortVendorName } from "../format";
import type { ApprovalSummary, Inbox, Vendor } from "../types";
import { useVendors } from "../vendors";
import { ApprovalRow } from "./ApprovalRow";

interface ApprovalListProps {
  box: Inbox;
  items: ApprovalSummary[];
  total: number;
  loading: boolean;
  loadingMore: boolean;
  error: string | null;
  selectedId: number | null;
  onSelect: (id: number) => void;
  onLoadMore: () => void;
  search: string;
  onSearch: (text: string) => void;
  vendor: Vendor | undefined;
  onVendor: (vendor: Vendor | undefined) => void;
  syncing: boolean;
  noAccounts: boolean;
  onOpenSettings: () => void;
  now: number;
}

const SEARCH_DELAY_MS = 300;

/** The middle pane: search, vendor filter and the paged list of the selected box. */
export function ApprovalList(props: ApprovalListProps) {
  const { items, total, loading, loadingMore, onLoadMore, onSearch } = props;
  const vendors = useVendors();
  const [text, setText] = useState(props.search);
  const scrollRef = useRef<HTMLDivElement>(null);
  const hasMore = items.length < total;

  // Search while typing, after a short pause.
  useEffect(() => {
    if (text === props.search) return;
    const timer = window.setTimeout(() => onSearch(text), SEARCH_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [text, props.search, onSearch]);

  // Back to the top when the box or the filters change.
  useEffect(() => {
    scrollRef.current?.scrollTo?.({ top: 0 });
  }, [props.box, props.search, props.vendor]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el || !hasMore || loadingMore || loading) return;
    if (el.scrollTop + el.clientHeight >= el.scrollHeight - 120) onLoadMore();
  };

  let body;
  if (props.noAccounts) {
    body = (
      <Empty
        className="pane-empty"
        description={
          <>
            <div>还没有账号</div>
            <Typography.Text type="secondary">在设置中添加一个厂商账号后，审批会出现在这里。</Typography.Text>
          </>
        }
      >
        <Button type="primary" onClick={props.onOpenSettings}>
          打开设置添加账号
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
        description={props.search || props.vendor ? "没有符合条件的审批" : `「${BOX_LABELS[props.box]}」里没有审批`}
      />
    );
  } else {
    body = (
      <>
        {items.map((item) => (
          <ApprovalRow
            key={item.id}
            item={item}
            selected={item.id === props.selectedId}
            now={props.now}
            onSelect={props.onSelect}
          />
        ))}
        <div className="list-foot">
          {hasMore ? (
            <Button type="link" loading={loadingMore} onClick={onLoadMore} data-testid="btn-load-more">
              加载更多（已显示 {items.length} / {total}）
            </Button>
          ) : (
            <Typography.Text type="secondary">共 {total} 条</Typography.Text>
          )}
        </div>
      </>
    );
  }

  return (
    <Flex vertical className="list-pane">
      <div className="list-toolbar">
        <Flex align="center" justify="space-between" className="list-heading">
          <Typography.Title level={5} style={{ margin: 0 }}>
            {BOX_LABELS[props.box]}
          </Typography.Title>
          {props.syncing && (
            <Typography.Text type="secondary" className="sync-indicator" data-testid="sync-indicator">
              <SyncOutlined spin /> 正在同步…
            </Typography.Text>
          )}
        </Flex>
        <Flex gap={8}>
          <Input
            allowClear
            placeholder="搜索标题、表单、提交人"
            prefix={<SearchOutlined />}
            value={text}
            onChange={(e) => setText(e.target.value)}
            onPressEnter={() => onSearch(text)}
            data-testid="search-input"
            aria-label="搜索审批"
          />
          <Select<Vendor>
            allowClear
            placeholder="全部厂商"
            className="vendor-filter"
            value={props.vendor}
            onChange={(v) => props.onVendor(v ?? undefined)}
            options={vendors.map((v) => ({ value: v.id, label: shortVendorName(v.name, v.id), "data-vendor": v.id }))}
            popupMatchSelectWidth={false}
            aria-label="按厂商筛选"
            data-testid="vendor-filter"
          />
        </Flex>
      </div>
      {props.error && <Alert type="error" showIcon title={props.error} className="pane-alert" />}
      <div
        className="list-scroll"
        ref={scrollRef}
        onScroll={onScroll}
        role="listbox"
        aria-label={BOX_LABELS[props.box]}
        data-testid="approval-list"
      >
        {loading && items.length > 0 && (
          <div className="list-refreshing">
            <Spin size="small" />
          </div>
        )}
        {body}
      </div>
    </Flex>
  );
}
