import { Modal, Table } from "antd";
import { t } from "../i18n";

/** The keyboard shortcuts, as `?` shows them. */
export const SHORTCUTS: { keys: string; what: string }[] = [
  { keys: "j / ↓", what: "下一条 / 上一条" },
  { keys: "k / ↑", what: "下一条 / 上一条" },
  { keys: "Enter", what: "打开" },
  { keys: "a", what: "同意" },
  { keys: "r", what: "拒绝（填写理由）" },
  { keys: "x", what: "选中 / 取消选中" },
  { keys: "Shift / Ctrl + click", what: "选中 / 取消选中" },
  { keys: "/", what: "搜索" },
  { keys: "n", what: "发起审批" },
  { keys: "?", what: "显示快捷键" },
  { keys: "Esc", what: "关闭弹窗 / 离开输入框" },
];

export function ShortcutHelp({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Modal open={open} onCancel={onClose} footer={null} title={t("键盘快捷键")} data-testid="shortcut-help">
      <Table
        size="small"
        pagination={false}
        rowKey="keys"
        showHeader={false}
        dataSource={SHORTCUTS}
        columns={[
          { dataIndex: "keys", render: (k: string) => <kbd className="kbd">{k}</kbd>, width: 180 },
          { dataIndex: "what", render: (w: string) => t(w) },
        ]}
        data-testid="shortcut-table"
      />
    </Modal>
  );
}
