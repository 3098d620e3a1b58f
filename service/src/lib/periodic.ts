// A task run every interval on this instance until stopped; a run still going when the next is
// due is not overlapped, and stopping waits for it.
export interface Periodic {
  stop(): Promise<void>;
}

export function startPeriodic(
  task: () => Promise<unknown>,
  intervalSeconds: number,
  onError: (error: unknown) => void,
): Periodic {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = task()
      .catch(onError)
      .finally(() => {
        running = null;
      });
  }, intervalSeconds * 1000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
