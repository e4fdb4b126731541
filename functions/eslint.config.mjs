// ESLint flat config: typescript-eslint's type-checked rules over the whole package.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import { typeScriptRules } from "../eslint.shared.mjs";

export default tseslint.config(
  { ignores: ["lib/", "node_modules/", "coverage/", "src/local/no-isolation-emulator.js", "src/local/trigger-receiver.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: typeScriptRules,
  },
  {
    // Tests read stored documents (Firestore's DocumentData is `any` by design) and stub handlers
    // with async functions that need no await; the engine's own code gets no such leeway.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
    },
  },
  {
    files: ["**/*.mjs", "**/*.cjs", "**/*.js"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { module: "readonly", require: "readonly", process: "readonly", __dirname: "readonly" } },
  },
);
