/**
 * The Firebase CLI's env-file reader (firebase-tools 15, src/functions/env.ts) as scripts/emulator-params.ts
 * uses it, so that script reads the files the way the Functions emulator does; the package ships no type
 * declarations. Merges with test/types/firebase-tools.d.ts.
 */
declare module "firebase-tools/lib/functions/env" {
  /** Which files to read: `.env`, `.env.<projectId>`, and `.env.local` too when `isEmulator`, from `functionsSource`. */
  export interface UserEnvsOptions {
    functionsSource: string;
    projectId: string;
    projectDir: string;
    isEmulator: boolean;
  }

  /** The values of those files, each file overriding the ones before it (throws on a line that does not parse). */
  export function loadUserEnvs(options: UserEnvsOptions): Record<string, string>;

  /** One file's text: its values, and the lines that are neither an assignment nor a comment. */
  export function parse(data: string): { envs: Record<string, string>; errors: string[] };

  /** parse, throwing on a line that does not parse or a key the CLI reserves. */
  export function parseStrict(data: string): Record<string, string>;
}
