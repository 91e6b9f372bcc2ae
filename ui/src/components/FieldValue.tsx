import { PaperClipOutlined } from "@ant-design/icons";
import { Table, Typography } from "antd";
import { formatDateField, formatMoney } from "../format";
import type { Field } from "../types";

function tryJson(text: string): unknown {
  const t = text.trim();
  if (!t.startsWith("[") && !t.startsWith("{")) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

const cellText = (v: unknown): string =>
  v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);

/** A person (or people) as the vendor gave them: a name, a `{id, name}` object or a list of those. */
function userText(value: string): string {
  const parsed = tryJson(value);
  const name = (u: unknown) =>
    u && typeof u === "object" && "name" in u ? cellText((u as { name: unknown }).name) : cellText(u);
  if (Array.isArray(parsed)) return parsed.map(name).join("、");
  if (parsed && typeof parsed === "object") return name(parsed);
  return value;
}

/**
 * A `table` field. A JSON array of rows (objects or arrays) becomes an antd Table whose cells are
 * plain text; anything else (e.g. the vendor's HTML) is shown verbatim as text. Nothing here is
 * ever parsed as HTML.
 */
function TableValue({ value }: { value: string }) {
  const parsed = tryJson(value);
  if (Array.isArray(parsed) && parsed.length > 0 && parsed.every((r) => r && typeof r === "object")) {
    const isArrays = parsed.every(Array.isArray);
    const keys: string[] = isArrays
      ? Array.from({ length: Math.max(...(parsed as unknown[][]).map((r) => r.length)) }, (_, i) => String(i))
      : Array.from(new Set(parsed.flatMap((r) => Object.keys(r as object))));
    const rows = parsed.map((r, i) => {
      const row: Record<string, string> = { __key: String(i) };
      keys.forEach((k) => {
        row[k] = cellText((r as Record<string, unknown>)[k]);
      });
      return row;
    });
    return (
      <Table
        size="small"
        pagination={false}
        bordered
        rowKey="__key"
        showHeader={!isArrays}
        dataSource={rows}
        columns={keys.map((k) => ({ key: k, dataIndex: k, title: isArrays ? undefined : k }))}
        className="field-table"
      />
    );
  }
  return (
    <Typography.Paragraph className="field-text" data-kind="table">
      {value}
    </Typography.Paragraph>
  );
}

/** One form value rendered by its kind. */
export function FieldValue({ field }: { field: Field }) {
  const { kind, value } = field;
  switch (kind) {
    case "money":
      return <span className="field-money">{formatMoney(value)}</span>;
    case "date":
      return <span className="field-date">{formatDateField(value)}</span>;
    case "user":
      return <span>{userText(value)}</span>;
    case "file":
      return (
        <span>
          <PaperClipOutlined /> {value}
        </span>
      );
    case "select": {
      const parsed = tryJson(value);
      return <span>{Array.isArray(parsed) ? parsed.map(cellText).join("、") : value}</span>;
    }
    case "table":
      return <TableValue value={value} />;
    default:
      return <span className="field-text">{value}</span>;
  }
}
