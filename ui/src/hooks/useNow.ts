// The current time for relative times ("3 分钟前"), re-read on an interval so they do not go stale.
import { useEffect, useState } from "react";

/** The current time in ms, refreshed every `intervalMs` so relative times stay true. */
export function useNow(intervalMs = 60_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}
