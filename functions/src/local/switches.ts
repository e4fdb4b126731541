/**
 * The on/off switches `npm start` reads from its environment, each with its value when unset or empty.
 * Each takes 1 or true, 0 or false, in any case. Anything else is refused at start (`switchProblems`),
 * as a param that does not parse is: read as the default, `DEMO_JOBS=no` would submit the demo jobs anyway.
 */
const START_SWITCHES = {
  DEMO_JOBS: true,
  EXIT_WHEN_DONE: false,
  RUN_SCHEDULES: false,
  SEED_DEMO: false,
  VERBOSE: false,
} as const satisfies Record<string, boolean>;

type StartSwitch = keyof typeof START_SWITCHES;

const ON = ["1", "true"];
const OFF = ["0", "false"];

/** `raw` as a switch: `fallback` when unset or empty, undefined when it is neither on nor off. */
export function parseSwitch(raw: string | undefined, fallback: boolean): boolean | undefined {
  if (raw === undefined || raw === "") return fallback;
  const value = raw.toLowerCase();
  return ON.includes(value) ? true : OFF.includes(value) ? false : undefined;
}

/**
 * Switch `name` with `fallback` as its default in `env`: whether it is on (the default when its value
 * does not parse) and why it does not parse, naming the values it takes (null when it does). Each reader
 * decides what a problem costs: `npm start` and the bench refuse to run, the CLI warns.
 */
export function readSwitch(name: string, fallback: boolean, env: NodeJS.ProcessEnv = process.env): { on: boolean; problem: string | null } {
  const parsed = parseSwitch(env[name], fallback);
  return parsed === undefined
    ? { on: fallback, problem: `${name} must be 1 or true, 0 or false (unset: ${fallback ? "on" : "off"}), not "${env[name]}"` }
    : { on: parsed, problem: null };
}

/** The switch's value in `env`; its default when the value does not parse, which `switchProblems` refuses at start. */
export function startSwitch(name: StartSwitch, env: NodeJS.ProcessEnv = process.env): boolean {
  return readSwitch(name, START_SWITCHES[name], env).on;
}

/** A line for each of `npm start`'s switches whose value in `env` does not parse (`readSwitch`). */
export function switchProblems(env: NodeJS.ProcessEnv = process.env): string[] {
  return (Object.entries(START_SWITCHES) as Array<[StartSwitch, boolean]>).flatMap(
    ([name, fallback]) => readSwitch(name, fallback, env).problem ?? [],
  );
}
