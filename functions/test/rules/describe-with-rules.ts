/** Only a real Firestore emulator evaluates security rules; the in-process fallback does not. */
export const describeWithRules: jest.Describe = (() => {
  const backend = process.env.CATALOG_TEST_BACKEND;
  if (backend !== "no-isolation") return describe;
  const skip = ((name: string, fn: jest.EmptyFunction) => {
    process.stderr.write(`SKIPPED "${name}": backend "${backend}" does not evaluate Firestore security rules\n`);
    describe.skip(name, fn);
  }) as jest.Describe;
  return skip;
})();
