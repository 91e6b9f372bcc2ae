import { ExportOutlined } from "@ant-design/icons";
import { App, Button } from "antd";
import { useState } from "react";
import { api, errorText } from "../api";
import { t } from "../i18n";
import type { Approval } from "../types";
import { useVendors } from "../vendors";

/** "Open in vendor": the approval's page in the vendor's own console, where the vendor has one. */
export function OpenInVendor({ approval }: { approval: Approval }) {
  const vendors = useVendors();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  if (!vendors.find((v) => v.id === approval.vendor)?.capabilities.vendor_link) return null;
  // A list item without a vendor id (named by the sync, `unreadable:…`) has no page to open.
  if (approval.unreadable && approval.remote_id.startsWith("unreadable:")) return null;
  const open = async () => {
    setBusy(true);
    try {
      await api.openInVendor(approval.id);
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button size="small" icon={<ExportOutlined />} loading={busy} onClick={open} data-testid="btn-open-in-vendor">
      {t("在厂商中打开")}
    </Button>
  );
}
