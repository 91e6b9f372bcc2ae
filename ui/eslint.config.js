// ESLint for the window's code (run by scripts/test.sh with `npm run lint`): the recommended
// JavaScript and TypeScript rules, and React's rules of hooks.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist", "node_modules", "src/bindings.ts"] },
  {
    files: ["src/**/*.{ts,tsx}"],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { globals: globals.browser },
    plugins: { "react-hooks": reactHooks },
    rules: {
      // The rules of hooks as the code is written today. The React Compiler's stricter rules of
      // react-hooks 7 (set-state-in-effect, refs, immutability) flag 13 places in App.tsx,
      // NewApprovalDrawer, useInbox and useShortcuts: they go with the move of the window's
      // state into small hooks (issue 18), not in a lint change.
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
      // `_name` marks a value left out on purpose (destructuring to drop a field).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Invariant "only api.ts calls the shell" (ARCHITECTURE.md): every command and event has
      // its typed wrapper there; components never invoke or listen themselves.
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@tauri-apps/*"], message: "Only src/api.ts talks to the shell: add a wrapper there." }] },
      ],
    },
  },
  { files: ["src/api.ts", "src/test/**"], rules: { "no-restricted-imports": "off" } },
);
