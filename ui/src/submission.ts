// The new-approval form ↔ the generic submission of docs/ipc.md: what the form holds, what a
// draft stores. Pure functions, so the mapping is tested without a window.

import dayjs, { type Dayjs } from "dayjs";
import type { Draft, FieldKind, FieldValueInput, Submission, Template } from "./types";

export interface PairValue {
  key?: string;
  value?: string;
  kind?: FieldKind;
}

/** What the antd Form holds: template fields by key, and zeyi's extra items and conditions. */
export interface FormValues {
  fields?: Record<string, string | number | Dayjs | null | undefined>;
  extras?: PairValue[];
  conditions?: PairValue[];
}

const DATE_FORMAT = "YYYY-MM-DD";

function text(v: string | number | Dayjs | null | undefined): string {
  if (v === null || v === undefined) return "";
  if (dayjs.isDayjs(v)) return v.format(DATE_FORMAT);
  return String(v).trim();
}

function pairs(list: PairValue[] | undefined, withKind: boolean): FieldValueInput[] {
  return (list ?? [])
    .filter((p) => (p.key ?? "").trim() !== "")
    .map((p) => ({ key: (p.key ?? "").trim(), value: (p.value ?? "").trim(), ...(withKind ? { kind: p.kind ?? "text" } : {}) }));
}

/** The submission the form describes (blank optional fields are left out). */
export function toSubmission(template: Template, values: FormValues, target: string | null, attachments: string[]): Submission {
  const fields: FieldValueInput[] = template.fields
    .map((f) => ({ key: f.key, value: text(values.fields?.[f.key]), kind: f.kind }))
    .filter((f) => f.value !== "");
  if (template.open_fields) fields.push(...pairs(values.extras, true));
  const conditions = template.open_fields ? pairs(values.conditions, false) : [];
  return { template_id: template.id, target, fields, conditions, attachments: template.attachments === "none" ? [] : attachments };
}

/** The form values of a saved submission (a reopened draft). */
export function toFormValues(template: Template, s: Submission): FormValues {
  const fields: FormValues["fields"] = {};
  const extras: PairValue[] = [];
  for (const v of s.fields) {
    const f = template.fields.find((x) => x.key === v.key);
    if (!f) extras.push({ key: v.key, value: v.value, kind: v.kind ?? "text" });
    else if (f.kind === "date") fields[v.key] = dayjs(v.value, DATE_FORMAT);
    else fields[v.key] = v.value;
  }
  return { fields, extras, conditions: (s.conditions ?? []).map((c) => ({ key: c.key, value: c.value })) };
}

/** A draft of `submission` as save_draft takes it (the shell keeps request id and uploads). */
export function draftOf(id: number, accountId: number, submission: Submission): Draft {
  return { id, account_id: accountId, submission, uploads: [], state: "editing", error: null, error_field: null, updated_at: 0 };
}
