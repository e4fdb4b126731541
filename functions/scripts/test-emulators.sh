#!/usr/bin/env bash
# The deployed shape under the official Firebase Emulator Suite: build the functions and the
# console, start firestore, functions, tasks, pubsub, auth and hosting, and run against them
#   scripts/emulator-smoke.ts   trigger → task → worker, invalid documents, the scheduled watchdog;
#   scripts/client-flow.ts      a client app on the firebase JS SDK: write, listen, read; refusals;
#   console/test/browser.ts     the operator console in Chromium, served by the Hosting emulator.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$(dirname "$here")"
source functions/scripts/emulator-suite.sh
tsx=functions/node_modules/.bin/tsx
emulator_suite "$tsx functions/scripts/emulator-smoke.ts && $tsx functions/scripts/client-flow.ts && npm --prefix console run test:browser"
