# Sourced by test-emulators.sh and console.sh, from the repository root: `emulator_suite <command>` builds
# the functions and the console, and runs <command> under the official Firebase Emulator Suite with every
# emulator the project uses.
# Uses ../shared/tools/firebase-emulators when present (it brings Java/jar shims), else `firebase`;
# FIREBASE_EMULATORS overrides. The project is DEMO_PROJECT_ID of src/local/project.ts (test/local/project.test.ts
# compares the two).
set -euo pipefail
EMULATOR_SUITE_PROJECT=demo-catalog-jobs

emulator_suite() {
  local root runner tasks_location
  root=$(pwd)
  runner=${FIREBASE_EMULATORS:-}
  if [ -z "$runner" ]; then
    if [ -x "$root/../shared/tools/firebase-emulators" ]; then runner="$root/../shared/tools/firebase-emulators"
    else runner=firebase; fi
  fi
  [ -d console/node_modules ] || npm --prefix console ci --no-audit --no-fund
  npm --prefix functions run build
  # Every param gets a value in functions/.env.local's generated block first: the Functions emulator would
  # ask for each one missing, then pin what it got there, over functions/.env and .env.<project>.
  tasks_location=$(functions/node_modules/.bin/tsx functions/scripts/emulator-params.ts "$EMULATOR_SUITE_PROJECT" TASKS_LOCATION)
  # The console calls the functions in the region they are emulated in, whatever project or region this
  # shell names (console/vite.config.ts reads both).
  GCLOUD_PROJECT=$EMULATOR_SUITE_PROJECT TASKS_LOCATION=$tasks_location npm --prefix console run build
  exec "$runner" emulators:exec --only firestore,functions,tasks,pubsub,auth,hosting --project "$EMULATOR_SUITE_PROJECT" "$1"
}
