/**
 * Waits for `work` until `deadline` (epoch ms), whichever comes first. The timer is cleared when the
 * work settles first: a pending timer would keep the benchmark's process alive after its report.
 */
export async function untilDeadline(work: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
