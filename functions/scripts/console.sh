#!/usr/bin/env bash
# `npm run console`: the operator console on this machine. Builds the functions and the console,
# starts the Emulator Suite (console served by the Hosting emulator), seeds a demo catalog, demo
# accounts and demo jobs, and prints the address and the sign-in. Ctrl-C stops everything.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$(dirname "$here")"
source functions/scripts/emulator-suite.sh
emulator_suite "functions/node_modules/.bin/tsx functions/scripts/console-demo.ts"
