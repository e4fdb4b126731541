/**
 * The project a process on this machine works on: `npm start`, the CLI and the Emulator Suite
 * scripts all resolve it here, so they meet in the same emulator project.
 */
import { namedProject } from "../config";

/**
 * The emulator project unless one is named. A `demo-` id is one the Firebase tools never send to a
 * real project. Copies that cannot import this (the console, the Emulator Suite's shell script,
 * `.firebaserc`) are compared with it by test/local/project.test.ts.
 */
export const DEMO_PROJECT_ID = "demo-catalog-jobs";

/** The project to use on an emulator: the named one (`namedProject`), else the demo project. */
export function emulatorProject(env: NodeJS.ProcessEnv = process.env): string {
  return namedProject(env) ?? DEMO_PROJECT_ID;
}
