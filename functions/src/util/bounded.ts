/**
 * Runs `work` for each item with at most `limit` running at once. Once an item throws or `shouldStop`
 * says so, no further item starts; those running finish (their work is kept), then the first error
 * is rethrown.
 */
export async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
  shouldStop: () => boolean = () => false,
): Promise<void> {
  const errors: unknown[] = [];
  let next = 0;
  const runner = async (): Promise<void> => {
    while (errors.length === 0 && !shouldStop() && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, runner));
  if (errors.length > 0) throw errors[0];
}
