/**
 * The params whose default on this machine's Firestore emulator is not the deployed one. `npm start` and
 * the CLI on the emulator both take them from here, so the two agree: a scheduled scan's period has one
 * job, made in the mode of whichever runs first.
 */
import { PARAMS } from "../config";

/** Apply is allowed: the catalog written is the emulator's, not a real one. */
const EMULATOR_DEFAULTS: Readonly<Record<string, string>> = { [PARAMS.applyEnabled.param.name]: "true" };

/**
 * Sets in `env` each emulator default it holds no value for, or an empty one (which the params read as unset): call
 * it after the `.env` files are read, which win over it.
 */
export function useEmulatorDefaults(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(EMULATOR_DEFAULTS)) if (!env[name]) env[name] = value;
}
