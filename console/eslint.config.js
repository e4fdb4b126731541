// ESLint flat config: typescript-eslint's type-checked rules over the whole package with the rules
// functions/ adds too, plus the rules of hooks (Preact's hooks follow React's).
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";
import { typeScriptRules } from "../eslint.shared.mjs";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "test-results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      // useLive and useRead take their dependencies as useEffect does: the same check applies to their callers.
      "react-hooks/exhaustive-deps": ["error", { additionalHooks: "^(useLive|useRead)$" }],
      ...typeScriptRules,
    },
  },
  {
    // node:test's describe and it return promises the runner itself awaits.
    files: ["test/unit/**/*.ts"],
    rules: { "@typescript-eslint/no-floating-promises": "off" },
  },
  {
    files: ["**/*.js"],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
