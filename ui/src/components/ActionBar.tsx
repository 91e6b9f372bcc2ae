import { CheckOutlined, CloseOutlined, RollbackOutlined } from "@ant-design/icons";
import { Alert, App, Button, Flex, Input, Typography } from "antd";
import type { TextAreaRef } from "antd/es/input/TextArea";
import { useEffect, useEffectEvent, useRef, useState } from "react";
import { api, errorKind, errorText } from "../api";
import { actionLabel } from "../format";
import type { Action, Approval } from "../types";
import { t } from "../i18n";

interface ActionBarProps {
  approval: Approval;
  /** Called with the refreshed approval the shell returns after a successful action. */
  onActed: (updated: Approval, action: Action) => void;
  /** A keyboard shortcut's request: approve now, or open the reason box; `seq` makes each new. */
  request?: ActionRequest | null;
}

export interface ActionRequest {
  action: "approve" | "reject";
  /** The approval the request was made on. */
  id: number;
  seq: number;
}

/**
 * 同意 / 拒绝 / 撤回 for the actions the approval allows. Approve and cancel act at once with the
 * (optional) comment; reject first asks for a reason (the confirm stays disabled while it is
 * empty). A failure shows the vendor's reason and keeps the comment.
 */
export function ActionBar({ approval, onActed, request }: ActionBarProps) {
  const { message } = App.useApp();
  const [comment, setComment] = useState("");
  const [rejecting, setRejecting] = useState(false);
  const [running, setRunning] = useState<Action | null>(null);
  const [error, setError] = useState<string | null>(null);
  const inputRef = useRef<TextAreaRef>(null);
  const actions = approval.actions;

  useEffect(() => {
    if (rejecting) inputRef.current?.focus();
  }, [rejecting]);

  const run = async (action: Action) => {
    setRunning(action);
    setError(null);
    try {
      const updated = await api.act(approval.id, action, comment.trim());
      message.success(actionLabel(action).done);
      setComment("");
      setRejecting(false);
      onActed(updated, action);
    } catch (err) {
      const text = errorText(err);
      setError(text);
      // Unreachable vendor: the decision waits in the outbox and is retried by itself.
      if (errorKind(err) === "offline") message.warning(t("暂时无法连接厂商，已存入发件箱，将自动重试"));
      else message.error(text);
    } finally {
      setRunning(null);
    }
  };

  const busy = running !== null;

  // Shortcuts act like the buttons, and only where the buttons would. A request may be made
  // before this bar exists (a key pressed while the detail loads): it is acted on as it mounts.
  const handled = useRef(0);
  const onRequest = useEffectEvent((req: ActionRequest) => {
    if (req.seq === handled.current || req.id !== approval.id) return;
    handled.current = req.seq;
    if (busy || !actions.includes(req.action)) return;
    if (req.action === "approve") void run("approve");
    else {
      setError(null);
      setRejecting(true);
      inputRef.current?.focus();
    }
  });
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- a key's request arrives as a prop, maybe before this bar mounts; no event handler of ours sees it, so it is acted on here, once per seq
    if (request) onRequest(request);
  }, [request]);

  if (actions.length === 0) return null;

  return (
    <div className={`action-bar${rejecting ? " action-bar-rejecting" : ""}`}>
      {rejecting && (
        <Typography.Text strong className="reject-hint">
          {t("请填写拒绝理由（必填）")}
        </Typography.Text>
      )}
      <Input.TextArea
          ref={inputRef}
          value={comment}
          onChange={(e) => setComment(e.target.value)}
          placeholder={rejecting ? t("拒绝理由（Ctrl+Enter 确认，Esc 取消）") : t("审批意见（可选）")}
          autoSize={{ minRows: 2, maxRows: 6 }}
          maxLength={1000}
          status={rejecting && comment.trim() === "" ? "warning" : undefined}
          aria-label={rejecting ? t("拒绝理由") : t("审批意见")}
          data-testid="comment-input"
          onKeyDown={(e) => {
            if (!rejecting) return;
            if (e.key === "Escape") setRejecting(false);
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && comment.trim() !== "") {
              e.preventDefault();
              void run("reject");
            }
          }}
          disabled={busy}
      />
      {error && (
        <Alert
          type="error"
          showIcon
          title={t("操作没有成功")}
          description={error}
          className="action-error"
          data-testid="action-error"
          closable={{ onClose: () => setError(null) }}
        />
      )}
      <Flex gap={8} justify="flex-end" className="action-buttons">
        {rejecting ? (
          <>
            <Button onClick={() => setRejecting(false)} disabled={busy}>
              {t("取消")}
            </Button>
            <Button
              danger
              type="primary"
              icon={<CloseOutlined />}
              disabled={comment.trim() === ""}
              loading={running === "reject"}
              onClick={() => run("reject")}
              data-testid="btn-confirm-reject"
            >
              {t("确认拒绝")}
            </Button>
          </>
        ) : (
          <>
            {actions.includes("cancel") && (
              <Button
                icon={<RollbackOutlined />}
                loading={running === "cancel"}
                disabled={busy && running !== "cancel"}
                onClick={() => run("cancel")}
                data-testid="btn-cancel"
              >
                {t("撤回")}
              </Button>
            )}
            {actions.includes("reject") && (
              <Button
                danger
                icon={<CloseOutlined />}
                disabled={busy}
                onClick={() => {
                  setError(null);
                  setRejecting(true);
                }}
                data-testid="btn-reject"
              >
                {t("拒绝")}
              </Button>
            )}
            {actions.includes("approve") && (
              <Button
                type="primary"
                icon={<CheckOutlined />}
                loading={running === "approve"}
                disabled={busy && running !== "approve"}
                onClick={() => run("approve")}
                data-testid="btn-approve"
              >
                {t("同意")}
              </Button>
            )}
          </>
        )}
      </Flex>
    </div>
  );
}
