// ESLint for the window's code (run by scripts/test.sh with `npm run lint`): the recommended
// JavaScript and TypeScript rules, and React's.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist", "node_modules", "src/bindings.ts"] },
  {
    files: ["src/**/*.{ts,tsx}"],
    // react-hooks 7's recommended set: the rules of hooks and the React Compiler's rules
    // (set-state-in-effect, refs, immutability, purity, …). The window's state lives in small
    // hooks (src/hooks) written to them: state derived during render or set in event handlers and
    // callbacks, effects only to sync with the shell, the antd form or the DOM.
    extends: [js.configs.recommended, ...tseslint.configs.recommended, reactHooks.configs.flat.recommended],
    languageOptions: { globals: globals.browser },
    rules: {
      // A missing dependency is a stale value on screen: an error, not a warning to get used to.
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
