/**
 * Google's auth libraries (gaxios) load their HTTP client with a dynamic `import()`, which jest runs
 * only when Node has --experimental-vm-modules; `npm test` sets it. Fails fast with that hint.
 */
export function requireVmModules(): void {
  const flag = "--experimental-vm-modules";
  if (!process.execArgv.includes(flag) && !(process.env.NODE_OPTIONS ?? "").includes(flag)) {
    throw new Error(`these tests run Google's client libraries: start jest with NODE_OPTIONS=${flag} (npm test does)`);
  }
}
