/** One Firestore emulator per run (test/setup/global-setup.ts), tests in band: the machine has 2 cores. */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  globalSetup: "<rootDir>/test/setup/global-setup.ts",
  globalTeardown: "<rootDir>/test/setup/global-teardown.ts",
  setupFilesAfterEnv: ["<rootDir>/test/setup/per-file.ts"],
  testTimeout: 60000,
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
};
