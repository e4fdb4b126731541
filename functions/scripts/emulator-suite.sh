# Sourced by test-emulators.sh and console.sh, from the repository root: `emulator_suite <command>` builds
# the functions and the console, and runs <command> under the official Firebase Emulator Suite with every
# emulator the project uses.
# Runs it with ../shared/tools/firebase-emulators when present (it brings Java/jar shims), else the firebase
# CLI `npm ci` installs in functions/node_modules, else `firebase` on PATH; FIREBASE_EMULATORS overrides.
# The project is DEMO_PROJECT_ID of src/local/project.ts (test/local/project.test.ts compares the two).
set -euo pipefail
EMULATOR_SUITE_PROJECT=demo-catalog-jobs
# The Java the Firebase CLI refuses to start its Java emulators without (firebase-tools' MIN_SUPPORTED_JAVA_MAJOR_VERSION).
EMULATOR_SUITE_JAVA=21

emulator_suite() {
  local root runner tasks_location
  root=$(pwd)
  # Checked before the minute of building, which a missing runner would waste.
  runner=$(emulator_suite_runner "$root") || return
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

# The program that runs the suite, on stdout; else one line on stderr saying what is missing and what to
# install, and status 1. The plain firebase CLI brings no Java of its own, so its Java is checked too.
emulator_suite_runner() {
  local root=$1 cli java_found
  if [ -n "${FIREBASE_EMULATORS:-}" ]; then
    command -v "$FIREBASE_EMULATORS" >/dev/null || { echo "emulator suite: FIREBASE_EMULATORS is $FIREBASE_EMULATORS, which is no program" >&2; return 1; }
    echo "$FIREBASE_EMULATORS"
    return
  fi
  if [ -x "$root/../shared/tools/firebase-emulators" ]; then
    echo "$root/../shared/tools/firebase-emulators"
    return
  fi
  if [ -x "$root/functions/node_modules/.bin/firebase" ]; then cli=$root/functions/node_modules/.bin/firebase
  elif ! cli=$(command -v firebase); then
    echo "emulator suite: no Firebase CLI: run npm --prefix functions ci (it installs firebase-tools), or install firebase-tools (npm install -g firebase-tools)" >&2
    return 1
  fi
  # `java -version` says `openjdk version "21.0.2" …`, or `java version "1.8.0_…"` for Java 8 and older.
  if ! command -v java >/dev/null; then java_found="there is no java on PATH"
  elif [[ $(java -version 2>&1) =~ version\ \"(1\.)?([0-9]+) ]]; then
    [ "${BASH_REMATCH[2]}" -lt "$EMULATOR_SUITE_JAVA" ] || { echo "$cli"; return; }
    java_found="java on PATH is Java ${BASH_REMATCH[2]}"
  else java_found="java -version names no version"
  fi
  echo "emulator suite: the Firebase CLI's emulators need Java $EMULATOR_SUITE_JAVA or newer, and $java_found: install Java $EMULATOR_SUITE_JAVA+ (e.g. openjdk-$EMULATOR_SUITE_JAVA-jre-headless or Temurin $EMULATOR_SUITE_JAVA) and put it first on PATH" >&2
  return 1
}
