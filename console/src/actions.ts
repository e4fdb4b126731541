/**
 * Curator actions through the callable functions (functions/src/adapters/operator-actions.ts):
 * the browser never writes job state itself.
 */
import { type Functions, httpsCallable } from "firebase/functions";

export interface OperatorActions {
  retryJob(jobId: string): Promise<void>;
  cancelJob(jobId: string): Promise<void>;
  revertChange(changeId: string): Promise<void>;
}

export function operatorActions(functions: Functions): OperatorActions {
  const call = async (name: string, data: Record<string, string>) => {
    await httpsCallable(functions, name)(data);
  };
  return {
    retryJob: (jobId) => call("retryJob", { jobId }),
    cancelJob: (jobId) => call("cancelJob", { jobId }),
    revertChange: (changeId) => call("revertChange", { changeId }),
  };
}
