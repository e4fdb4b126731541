/** Set by vite.config.ts from firebase.json. */
declare const __EMULATOR_PORTS__: { auth: number; firestore: number; functions: number };
