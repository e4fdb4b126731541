# Sourced by test-emulators.sh and console.sh: `emulator_suite <command>` runs <command> under the
# official Firebase Emulator Suite with every emulator the project uses, from the repository root.
# Uses ../shared/tools/firebase-emulators when present (it brings Java/jar shims), else `firebase`;
# FIREBASE_EMULATORS overrides. The project is DEMO_PROJECT_ID of src/local/project.ts (test/local/project.test.ts
# compares the two).
emulator_suite() {
  local root runner
  root=$(pwd)
  runner=${FIREBASE_EMULATORS:-}
  if [ -z "$runner" ]; then
    if [ -x "$root/../shared/tools/firebase-emulators" ]; then runner="$root/../shared/tools/firebase-emulators"
    else runner=firebase; fi
  fi
  exec "$runner" emulators:exec --only firestore,functions,tasks,pubsub,auth,hosting --project demo-catalog-jobs "$1"
}
