// The strip of filters under the search box; its choices go to useInbox as Filters.
import { Button, DatePicker, Flex, Select, Tag } from "antd";
import dayjs from "dayjs";
import { STATUSES, shortVendorName, statusLabel } from "../format";
import type { Filters } from "../hooks/useInbox";
import { t } from "../i18n";
import type { Account, Facets, Sort, Status, Vendor } from "../types";
import { useVendors } from "../vendors";

interface ListFiltersProps {
  filters: Filters;
  onFilters: (next: Filters) => void;
  facets: Facets | null;
  accounts: Account[];
  /** Whether any filter but the sort is set (清除筛选 is offered then). */
  filtered: boolean;
}

const option = (v: { value: string; count: number }) => ({ value: v.value, label: `${v.value} (${v.count})` });

/** The filters above the list: vendor, account, status, form, submitter, dates and the sort. */
export function ListFilters({ filters, onFilters, facets, accounts, filtered }: ListFiltersProps) {
  const vendors = useVendors();
  return (
    <Flex gap={6} wrap className="list-filters">
      {filters.unreadable && (
        <Tag closable color="warning" onClose={() => onFilters({ unreadable: undefined })} data-testid="unreadable-filter">
          {t("无法读取")}
        </Tag>
      )}
      <Select<Vendor>
        allowClear
        size="small"
        placeholder={t("全部厂商")}
        className="filter"
        value={filters.vendor}
        onChange={(v) => onFilters({ vendor: v ?? undefined })}
        options={vendors.map((v) => ({ value: v.id, label: shortVendorName(v.name, v.id), "data-vendor": v.id }))}
        popupMatchSelectWidth={false}
        aria-label={t("按厂商筛选")}
        data-testid="vendor-filter"
      />
      <Select<number>
        allowClear
        size="small"
        placeholder={t("全部账号")}
        className="filter"
        value={filters.account_id}
        onChange={(v) => onFilters({ account_id: v ?? undefined })}
        options={accounts.map((a) => ({ value: a.id, label: a.name }))}
        popupMatchSelectWidth={false}
        aria-label={t("按账号筛选")}
        data-testid="account-filter"
      />
      <Select<Status>
        allowClear
        size="small"
        placeholder={t("全部状态")}
        className="filter"
        value={filters.status}
        onChange={(v) => onFilters({ status: v ?? undefined })}
        options={STATUSES.map((s) => ({ value: s, label: statusLabel(s).text, "data-status": s }))}
        popupMatchSelectWidth={false}
        aria-label={t("按状态筛选")}
        data-testid="status-filter"
      />
      <Select<string>
        allowClear
        showSearch
        size="small"
        placeholder={t("全部表单")}
        className="filter"
        value={filters.form_name}
        onChange={(v) => onFilters({ form_name: v ?? undefined })}
        options={(facets?.form_names ?? []).map(option)}
        popupMatchSelectWidth={false}
        aria-label={t("按表单筛选")}
        data-testid="form-filter"
      />
      <Select<string>
        allowClear
        showSearch
        size="small"
        placeholder={t("全部提交人")}
        className="filter"
        value={filters.submitter}
        onChange={(v) => onFilters({ submitter: v ?? undefined })}
        options={(facets?.submitters ?? []).map(option)}
        popupMatchSelectWidth={false}
        aria-label={t("按提交人筛选")}
        data-testid="submitter-filter"
      />
      <DatePicker.RangePicker
        size="small"
        className="filter-dates"
        placeholder={[t("开始日期"), t("结束日期")]}
        value={[
          filters.since !== undefined ? dayjs.unix(filters.since) : null,
          filters.until !== undefined ? dayjs.unix(filters.until).subtract(1, "day") : null,
        ]}
        onChange={(range) =>
          onFilters({
            since: range?.[0] ? range[0].startOf("day").unix() : undefined,
            // The end day is included: until is the start of the next day.
            until: range?.[1] ? range[1].startOf("day").add(1, "day").unix() : undefined,
          })
        }
        allowEmpty={[true, true]}
        data-testid="date-filter"
      />
      <Select<Sort>
        size="small"
        className="filter"
        value={filters.sort ?? "newest"}
        onChange={(v) => onFilters({ sort: v })}
        options={[
          { value: "newest", label: t("最新优先") },
          { value: "oldest", label: t("最久优先") },
        ]}
        popupMatchSelectWidth={false}
        aria-label={t("排序")}
        data-testid="sort-select"
      />
      {filtered && (
        <Button
          size="small"
          type="link"
          onClick={() =>
            onFilters({ vendor: undefined, account_id: undefined, status: undefined, form_name: undefined, submitter: undefined, since: undefined, until: undefined })
          }
          data-testid="btn-clear-filters"
        >
          {t("清除筛选")}
        </Button>
      )}
    </Flex>
  );
}
