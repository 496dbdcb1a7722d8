// ESLint for the portal (plain ES modules in the browser, no build step) and for its
// unit tests (node --test). `make jslint` runs it; so does `make test`
// (tests/unit/test_portal_js.py). Versions are pinned in package.json / package-lock.json.
import js from "@eslint/js";
import globals from "globals";

// The portal puts user content into the page as text only (dom.js); the linter keeps
// the HTML-parsing sinks out, as tests/e2e/test_portal_browser.py checks the source does.
const NO_HTML_SINKS = [
  { selector: "MemberExpression[property.name=/^(innerHTML|outerHTML)$/]",
    message: "Put content into the page as text (dom.js h() or textContent), never as HTML." },
  { selector: "CallExpression[callee.property.name=/^(insertAdjacentHTML|write|writeln)$/]",
    message: "Put content into the page as text (dom.js h() or textContent), never as HTML." },
];

export default [
  { ignores: ["node_modules/", ".venv/", "build/", ".tools/"] },
  js.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      eqeqeq: ["error", "always"],
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-var": "error",
      "prefer-const": "error",
      "no-shadow": ["error", { builtinGlobals: false }],
      "no-unused-vars": ["error", { args: "after-used", ignoreRestSiblings: true, caughtErrors: "none" }],
      "no-restricted-syntax": ["error", ...NO_HTML_SINKS],
    },
  },
  {
    files: ["portal/js/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.browser },
  },
  {
    files: ["tests/portal/**/*.js", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
  },
];
