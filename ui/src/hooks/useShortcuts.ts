// The window's keyboard triage: which key does what, and when the keys are the user's instead.
import { useEffect, useEffectEvent } from "react";

/** What each triage key does; see ShortcutHelp for the keys. */
export interface ShortcutActions {
  next: () => void;
  previous: () => void;
  open: () => void;
  approve: () => void;
  reject: () => void;
  toggle: () => void;
  search: () => void;
  help: () => void;
  clear: () => void;
  newApproval: () => void;
}

/** The key (as KeyboardEvent.key) → action name. */
const KEYS: Record<string, keyof ShortcutActions> = {
  j: "next",
  ArrowDown: "next",
  k: "previous",
  ArrowUp: "previous",
  Enter: "open",
  a: "approve",
  r: "reject",
  x: "toggle",
  "/": "search",
  "?": "help",
  n: "newApproval",
  Escape: "clear",
};

/** True while typing somewhere or while a dialog has the keyboard: the keys are the user's then. */
function typingOrDialog(e: KeyboardEvent): boolean {
  const el = e.target as HTMLElement | null;
  // An open dialog holds the focus (antd traps it), so its keys land inside it.
  return Boolean(el?.closest?.("input, textarea, select, [contenteditable=true], .ant-select, .ant-picker, .ant-modal-wrap, .ant-drawer"));
}

/**
 * Keyboard triage on the whole window: j/k or arrows move, Enter opens, a approves, r rejects,
 * x checks, / searches, n starts a new approval, ? lists the shortcuts. Off while `enabled` is false.
 */
export function useShortcuts(enabled: boolean, actions: ShortcutActions) {
  // A key runs the action as of now, without listening again on every render.
  const run = useEffectEvent((name: keyof ShortcutActions) => actions[name]());
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
      const name = KEYS[e.key];
      if (!name || typingOrDialog(e)) return;
      // A focused button or row handles its own Enter.
      if (name === "open" && (e.target as HTMLElement)?.closest?.("button, a")) return;
      e.preventDefault();
      run(name);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [enabled]);
}
