/**
 * The CLI on an emulator without a tasks emulator (no CLOUD_TASKS_EMULATOR_HOST): it sends no wake-up,
 * and the job waits for the local engine (`npm start`), which takes in created jobs as their create
 * trigger would (on an external emulator, jobs queued again too) and whose watchdog wakes the queued ones nothing woke.
 */
import { PARAMS } from "../config";
import type { EnqueueResult, TaskQueuePort } from "../jobs/task-queue";

export const NO_TASKS_EMULATOR = "CLOUD_TASKS_EMULATOR_HOST is not set";

/** Why a wake-up was not sent, told apart from a tasks service that failed. */
export class NoTasksEmulatorError extends Error {
  constructor() {
    super(`${NO_TASKS_EMULATOR}: the job waits for the local engine, npm start`);
    this.name = "NoTasksEmulatorError";
  }
}

/** Sends nothing; counts what it did not send, so a watchdog sweep's errors can be told apart from these. */
export class LocalEngineWakeups implements TaskQueuePort {
  unsent = 0;

  enqueueWakeup(): Promise<EnqueueResult> {
    this.unsent++;
    return Promise.reject(new NoTasksEmulatorError());
  }
}

/**
 * What takes in a created job whose wake-up was not sent: the local engine's intake (a listener on queued jobs, or
 * the emulator's create trigger), as the create trigger would, and wakes it; at its start it takes in every job
 * written while none ran. Said in a few words: unlike a queued job's, the wait lasts only while no engine runs.
 */
export const LOCAL_ENGINE_TAKES_IT_IN = "the local engine (npm start) takes the job in: at once while it runs, else at its next start";

const { watchdogIntervalMinutes: interval, staleQueuedMs: stale } = PARAMS;

/**
 * When the local engine (`npm start`) runs a queued job whose wake-up was not sent (`retry`'s, a watchdog
 * sweep's): its intake decides it, and the CLI cannot tell which engine runs, so it says each case. On an
 * external emulator the intake is a listener on queued jobs, which sees a job that enters the queue (not one
 * that was in it already); on the emulator npm start started it is the create trigger, so the job waits as
 * any queued job nothing woke.
 */
export const LOCAL_ENGINE_RUNS_IT =
  "when the local engine (npm start) wakes it: on an external emulator (FIRESTORE_EMULATOR_HOST) its listener takes " +
  "in at once a job that enters the queue (a retry's, an expired lease recovered); otherwise (a job queued already, a " +
  "waiting parent made due, or on the emulator npm start started, whose trigger delivers only created jobs), a wake-up " +
  `of a job after it in its lane that drains past it, or the engine's next watchdog sweep (every ${interval.param.name}, ` +
  `${interval.defaultValue} minutes by default) once the job has waited ${stale.param.name} (${stale.defaultValue / 1000} ` +
  "seconds by default) among its lane's last ready jobs; where none runs, its next start, which takes in every queued job";
