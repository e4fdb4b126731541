/** Set by vite.config.ts from firebase.json. */
declare const __EMULATOR_PORTS__: { auth: number; firestore: number; functions: number };
/** Set by vite.config.ts: the region the engine's functions are deployed in (its TASKS_LOCATION). */
declare const __FUNCTIONS_REGION__: string;
