import { Tag, Tooltip } from "antd";
import { shortVendorName } from "../format";
import type { Vendor } from "../types";
import { useVendors } from "../vendors";

/** A colored badge naming the vendor of an approval or account. */
export function VendorTag({ vendor }: { vendor: Vendor }) {
  const info = useVendors().find((v) => v.id === vendor);
  const full = info?.name ?? vendor;
  return (
    <Tooltip title={full}>
      <Tag color={info?.color ?? "default"} className="vendor-tag" data-vendor={vendor}>
        {shortVendorName(full, vendor)}
      </Tag>
    </Tooltip>
  );
}
