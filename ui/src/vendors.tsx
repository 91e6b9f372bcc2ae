import { createContext, useContext } from "react";
import type { VendorInfo } from "./types";

/** The vendors the shell knows (`list_vendors`), shared for badges and filters. */
export const VendorsContext = createContext<VendorInfo[]>([]);

export function useVendors(): VendorInfo[] {
  return useContext(VendorsContext);
}
