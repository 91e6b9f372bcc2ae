import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Field } from "../types";
import { FieldValue } from "./FieldValue";

const show = (field: Field) => render(<FieldValue field={field} />);

describe("FieldValue", () => {
  it("formats money and dates", () => {
    show({ label: "金额", value: "25000", kind: "money" });
    expect(screen.getByText("¥25,000.00")).toBeInTheDocument();
    show({ label: "日期", value: "1714528800", kind: "date" });
    expect(screen.getByText("2024-05-01 10:00")).toBeInTheDocument();
  });

  it("names users and joins selections", () => {
    show({ label: "人", value: '[{"id":"1","name":"张三"},{"id":"2","name":"李四"}]', kind: "user" });
    expect(screen.getByText("张三、李四")).toBeInTheDocument();
    show({ label: "人", value: "王五", kind: "user" });
    expect(screen.getByText("王五")).toBeInTheDocument();
    show({ label: "选项", value: '["A","B"]', kind: "select" });
    expect(screen.getByText("A、B")).toBeInTheDocument();
  });

  it("shows HTML in a table field as text", () => {
    const { container } = show({ label: "明细", value: "<table><tr><td><img src=x onerror=alert(1)></td></tr></table>", kind: "table" });
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("table")).toBeNull();
    expect(container).toHaveTextContent("<table><tr><td><img src=x onerror=alert(1)></td></tr></table>");
  });

  it("shows JSON rows as a table of text cells", () => {
    const { container } = show({
      label: "明细",
      value: '[{"项目":"机票","金额":"<img src=y>"},{"项目":"酒店","金额":"800"}]',
      kind: "table",
    });
    expect(container.querySelectorAll("tbody tr")).toHaveLength(2);
    expect(screen.getByText("<img src=y>")).toBeInTheDocument();
    expect(container.querySelector("img")).toBeNull();
    expect(screen.getByText("项目")).toBeInTheDocument();
  });
});
