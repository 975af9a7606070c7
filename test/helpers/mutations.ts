import { expect } from '@jest/globals';

/** Sends a mutation and returns its payload, failing the test on any error or userError. */
export async function must<P extends { userErrors: unknown[] }>(
  res: Promise<{ data?: Record<string, P> | null; errors?: unknown[] }>,
): Promise<P> {
  const { data, errors } = await res;
  expect(errors).toBeUndefined();
  const payload = Object.values(data!)[0];
  expect(payload.userErrors).toEqual([]);
  return payload;
}

/** Runs `work` over `items` with at most `width` in flight. */
export async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}
