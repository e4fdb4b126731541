#!/usr/bin/env bash
# The deployed shape under the official Firebase Emulator Suite: build, start firestore, functions,
# tasks and pubsub, and run scripts/emulator-smoke.ts against them.
# Uses ../shared/tools/firebase-emulators when present (it brings Java/jar shims), else `firebase`.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(dirname "$here")
cd "$root"
npm --prefix functions run build
runner=${FIREBASE_EMULATORS:-}
if [ -z "$runner" ]; then
  if [ -x "$root/../shared/tools/firebase-emulators" ]; then runner="$root/../shared/tools/firebase-emulators"
  else runner=firebase; fi
fi
exec "$runner" emulators:exec --only firestore,functions,tasks,pubsub --project demo-catalog-jobs \
  "functions/node_modules/.bin/tsx functions/scripts/emulator-smoke.ts"
