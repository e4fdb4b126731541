/**
 * The identity of wake-up tasks: Cloud Tasks mints an OIDC token for this service account when it
 * calls a lane function. It is `TASKS_SERVICE_ACCOUNT` when set, else the runtime service account of
 * the function that enqueues (2nd-gen functions run as the Compute Engine default account unless
 * configured otherwise), found the way firebase-admin's task queue client finds it: Application
 * Default Credentials, which on Google Cloud ask the metadata server for
 * `instance/service-accounts/default/email`.
 */
const TASKS_SERVICE_ACCOUNT_ENV = "TASKS_SERVICE_ACCOUNT";

/** Resolves the service account email; looked up on first use, then cached. */
export type ServiceAccountSource = () => Promise<string>;

/** TASKS_SERVICE_ACCOUNT, trimmed, when it names one. */
export function configuredTaskServiceAccount(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const email = env[TASKS_SERVICE_ACCOUNT_ENV]?.trim();
  return email ? email : undefined;
}

async function discoverRuntimeServiceAccount(): Promise<string> {
  const { GoogleAuth } = await import("google-auth-library");
  const { client_email: email } = await new GoogleAuth().getCredentials();
  if (!email) throw new Error("the application default credentials name no service account");
  return email;
}

/**
 * The OIDC identity for task requests. Discovery runs lazily (the first enqueue, not the cold start)
 * and once; a failure is not cached, so the next enqueue asks again.
 */
export function taskServiceAccount(env: NodeJS.ProcessEnv = process.env, discover = discoverRuntimeServiceAccount): ServiceAccountSource {
  const email = configuredTaskServiceAccount(env);
  if (email) return () => Promise.resolve(email);
  let found: Promise<string> | undefined;
  return () => {
    found ??= discover().catch((err: unknown) => {
      found = undefined;
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`cannot determine the service account for Cloud Tasks OIDC tokens (${reason}); set ${TASKS_SERVICE_ACCOUNT_ENV}`, {
        cause: err,
      });
    });
    return found;
  };
}

/**
 * `invoker` of the lane task functions, read when the functions are loaded for deploy (functions/.env).
 * Firebase grants the named accounts `roles/cloudtasks.enqueuer` on the queue and `roles/run.invoker`
 * on the function; without it, only principals granted both by hand may enqueue and invoke.
 */
export function laneTaskInvoker(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const email = configuredTaskServiceAccount(env);
  return email ? [email] : undefined;
}
