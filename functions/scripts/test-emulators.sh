#!/usr/bin/env bash
# The deployed shape under the official Firebase Emulator Suite: build the functions and the
# console, start firestore, functions, tasks, pubsub, auth and hosting, and run against them
#   scripts/emulator-smoke.ts   trigger → task → worker, invalid documents, the scheduled watchdog;
#   scripts/client-flow.ts      a client app on the firebase JS SDK: write, listen, read; refusals;
#   console/test/browser.ts     the operator console in Chromium, served by the Hosting emulator.
# Uses ../shared/tools/firebase-emulators when present (it brings Java/jar shims), else `firebase`.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(dirname "$here")
cd "$root"
npm --prefix functions run build
npm --prefix console run build
runner=${FIREBASE_EMULATORS:-}
if [ -z "$runner" ]; then
  if [ -x "$root/../shared/tools/firebase-emulators" ]; then runner="$root/../shared/tools/firebase-emulators"
  else runner=firebase; fi
fi
tsx=functions/node_modules/.bin/tsx
exec "$runner" emulators:exec --only firestore,functions,tasks,pubsub,auth,hosting --project demo-catalog-jobs \
  "$tsx functions/scripts/emulator-smoke.ts && $tsx functions/scripts/client-flow.ts && npm --prefix console run test:browser"
