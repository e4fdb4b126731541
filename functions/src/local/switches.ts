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

/** The switch's value in `env`; its default when the value does not parse, which `switchProblems` refuses at start. */
export function startSwitch(name: StartSwitch, env: NodeJS.ProcessEnv = process.env): boolean {
  return parseSwitch(env[name], START_SWITCHES[name]) ?? START_SWITCHES[name];
}

/** A line for each switch whose value in `env` does not parse, naming it and the values it takes. */
export function switchProblems(env: NodeJS.ProcessEnv = process.env): string[] {
  return (Object.entries(START_SWITCHES) as Array<[StartSwitch, boolean]>)
    .filter(([name, fallback]) => parseSwitch(env[name], fallback) === undefined)
    .map(([name, fallback]) => `${name} must be 1 or true, 0 or false (unset: ${fallback ? "on" : "off"}), not "${env[name]}"`);
}
