// The state of 发起审批 (NewApprovalDrawer): the account and template looked up, the form the
// template describes, the draft it is saved as while the user types, and sending it. One form per
// opening: the window remounts the drawer (its key), so the state starts from `draft` each time.
import { App, Form } from "antd";
import { useEffect, useEffectEvent, useMemo, useRef, useState } from "react";
import { api, errorText } from "../api";
import { fieldName } from "../components/TemplateFields";
import { t } from "../i18n";
import { draftOf, toFormValues, toSubmission, type FormValues } from "../submission";
import type { Account, Approval, Draft, Template, VendorInfo } from "../types";
import { useAttachments } from "./useAttachments";
import { useStaleGuard } from "./useStaleGuard";

/** How long typing pauses before the draft is saved. */
const SAVE_DELAY_MS = 600;

export interface NewApprovalProps {
  open: boolean;
  onClose: () => void;
  accounts: Account[];
  vendors: VendorInfo[];
  /** A saved draft to reopen; null for a new approval. */
  draft: Draft | null;
  /** The vendor confirmed it: the approval as now in the submitted box. */
  onSent: (approval: Approval) => void;
  /** A draft was saved, sent or failed: the drafts list should be read again. */
  onDraftsChanged: () => void;
}

export function useNewApproval(props: NewApprovalProps) {
  const { open, vendors, draft, onDraftsChanged } = props;
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const submitters = useMemo(
    () => props.accounts.filter((a) => vendors.find((v) => v.id === a.vendor)?.capabilities.submit),
    [props.accounts, vendors],
  );

  // A new form starts on the first account that can submit; a reopened draft where it was.
  const [accountId, setAccountId] = useState<number | null>(() => draft?.account_id ?? submitters[0]?.id ?? null);
  const [templateId, setTemplateId] = useState(draft?.submission.template_id ?? "");
  const [target, setTarget] = useState(draft?.submission.target ?? "");
  const [templates, setTemplates] = useState<Template[] | null>(null);
  const [template, setTemplate] = useState<Template | null>(null);
  // A reopened draft's template is being looked up from the first render on.
  const [finding, setFinding] = useState(draft !== null);
  const [findError, setFindError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [sendError, setSendError] = useState<string | null>(null);
  // A refusal naming a field of the form; shown by the effect below once that field's input exists.
  const [fieldError, setFieldError] = useState<{ error: string; field: string } | null>(null);

  const draftId = useRef(draft?.id ?? 0);
  const saving = useRef<Promise<unknown>>(Promise.resolve());
  const saveTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // Only the latest lookup fills the form (another account or template may have been asked since).
  const lookups = useStaleGuard();

  const account = submitters.find((a) => a.id === accountId) ?? null;
  const capabilities = vendors.find((v) => v.id === account?.vendor)?.capabilities;
  // Whether a submission is about a file or folder the user names (yomicloud: its file id).
  const targeted = capabilities?.submit_target ?? false;
  const effectiveTarget = (targeted ? target.trim() : "") || template?.target || null;
  const acceptsFiles = open && template !== null && template.attachments !== "none" && !sending;
  const attachments = useAttachments(draftId, draft?.uploads ?? [], acceptsFiles);

  const choose = (next: Template | null) => {
    setTemplate(next);
    setSendError(null);
    setFieldError(null);
  };

  /** The vendor's reason, next to its field when it names one of the form, else at the top. */
  const showError = (error: string, field: string | null, tpl: Template | null) => {
    if (field === "attachments") attachments.setError(error);
    else if (field && tpl?.fields.some((f) => f.key === field)) setFieldError({ error, field });
    else setSendError(error);
  };

  // The antd form keeps field errors in its own store, which can only take them once mounted.
  useEffect(() => {
    if (!template || !fieldError) return;
    form.setFields([{ name: fieldName(fieldError.field), errors: [fieldError.error] }]);
    form.scrollToField(fieldName(fieldError.field));
  }, [form, template, fieldError]);

  /**
   * Looks templates up (`list_templates`); reopening a draft fills the form from it. The caller
   * says it is `finding`; what comes back is applied in the promise's callbacks.
   */
  const lookUp = (accountId: number, id: string, on: string, reopen?: Draft) => {
    const current = lookups.begin();
    const query = { ...(id.trim() ? { template_id: id.trim() } : {}), ...(on.trim() ? { target: on.trim() } : {}) };
    api
      .listTemplates(accountId, query)
      .then(async (found) => {
        if (!current()) return;
        setTemplates(found);
        const chosen = reopen ? (found.find((x) => x.id === reopen.submission.template_id) ?? null) : found.length === 1 ? found[0] : null;
        choose(chosen);
        if (reopen && chosen) {
          form.setFieldsValue(toFormValues(chosen, reopen.submission));
          await attachments.describe(reopen.submission.attachments ?? []);
          if (reopen.state === "failed" && reopen.error) showError(reopen.error, reopen.error_field, chosen);
        }
        if (found.length === 0) setFindError(t("没有找到可用的审批模板"));
      })
      .catch((err) => {
        if (!current()) return;
        setTemplates(null);
        choose(null);
        setFindError(errorText(err));
      })
      .finally(() => {
        if (current()) setFinding(false);
      });
  };

  // Opening a draft: its template is looked up once, as the form mounts (already `finding`).
  const reopen = useEffectEvent(() => {
    if (draft) lookUp(draft.account_id, draft.submission.template_id, draft.submission.target ?? "", draft);
  });
  useEffect(() => reopen(), []);

  /** Saves the draft now (one save at a time, so a new draft is created once). */
  const saveNow = (): Promise<number> => {
    if (saveTimer.current) clearTimeout(saveTimer.current);
    saveTimer.current = null;
    const paths = attachments.files.map((f) => f.path);
    const s = template ? toSubmission(template, form.getFieldsValue(true), effectiveTarget, paths) : null;
    if (!s || accountId === null) return Promise.resolve(draftId.current);
    const run = saving.current.then(async () => {
      draftId.current = await api.saveDraft(draftOf(draftId.current, accountId, s));
      onDraftsChanged();
      return draftId.current;
    });
    saving.current = run.catch(() => undefined);
    return run;
  };

  const saveSoon = () => {
    if (saveTimer.current) clearTimeout(saveTimer.current);
    saveTimer.current = setTimeout(() => saveNow().catch((err) => console.error("save_draft failed:", err)), SAVE_DELAY_MS);
  };

  // Nothing is saved after the form is gone (closing saved what was pending).
  useEffect(
    () => () => {
      if (saveTimer.current) clearTimeout(saveTimer.current);
    },
    [],
  );

  // A changed file list or template is saved like typing (not while it is being sent).
  const changed = useEffectEvent(() => {
    if (open && template && !sending) saveSoon();
  });
  useEffect(() => changed(), [attachments.files, template, effectiveTarget]);

  const send = async () => {
    if (!template || accountId === null) return;
    setSendError(null);
    attachments.setError(null);
    try {
      await form.validateFields();
    } catch {
      return; // antd shows each field's problem
    }
    if (template.attachments === "required" && attachments.files.length === 0) {
      attachments.setError(t("此审批需要上传文件"));
      return;
    }
    if (targeted && !effectiveTarget) {
      setSendError(t("请填写文件或文件夹 ID"));
      return;
    }
    setSending(true);
    attachments.setUploads([]);
    try {
      const id = await saveNow();
      const approval = await api.submitDraft(id);
      onDraftsChanged();
      message.success(t("已发起审批「{title}」", { title: approval.title }));
      draftId.current = 0;
      props.onSent(approval);
    } catch (err) {
      onDraftsChanged();
      const kept = (await api.listDrafts().catch(() => [] as Draft[])).find((d) => d.id === draftId.current);
      showError(kept?.error ?? errorText(err), kept?.error_field ?? null, template);
      if (kept) attachments.setUploads(kept.uploads);
    } finally {
      setSending(false);
    }
  };

  return {
    form,
    submitters,
    accountId,
    /** Another account: its templates are looked up anew, into a new draft. */
    changeAccount: (id: number) => {
      setAccountId(id);
      setTemplates(null);
      choose(null);
      draftId.current = 0;
    },
    templateLabel: capabilities?.template_label ?? null,
    targeted,
    templateId,
    setTemplateId,
    target,
    setTarget,
    find: () => {
      if (accountId === null) return;
      setFinding(true);
      setFindError(null);
      lookUp(accountId, templateId, target);
    },
    finding,
    findError,
    templates,
    template,
    choose,
    effectiveTarget,
    attachments,
    sending,
    sendError,
    /** Typing in the form: saved after a pause. */
    saveSoon,
    send,
    /** Closing keeps what was typed: the pending save goes out now. */
    close: () => {
      if (saveTimer.current) saveNow().catch((err) => console.error("save_draft failed:", err));
      props.onClose();
    },
  };
}
