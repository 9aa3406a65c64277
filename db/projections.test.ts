/**
 * The projection map's composition (db/projections.ts): each event type is read by one model
 * at most (a second would be silently overwritten by the spread), or listed as unread. That
 * every event type has an entry is checked by the compiler (`Handlers`).
 */
import { expect, test } from 'vitest';
import { modelProjections } from './projections.js';

test('no event type is in two models’ maps', () => {
  const owners = new Map<string, string[]>();
  for (const [model, handlers] of Object.entries(modelProjections)) {
    for (const type of Object.keys(handlers)) owners.set(type, [...(owners.get(type) ?? []), model]);
  }
  const twice = [...owners].filter(([, models]) => models.length > 1);
  expect(twice).toEqual([]);
  expect(owners.size).toBeGreaterThan(50);
});

test('an unread event is applied as nothing', async () => {
  const { unread: unreadEvents } = modelProjections;
  for (const handler of Object.values(unreadEvents)) {
    expect(handler.unread.length).toBeGreaterThan(10);
    await expect(handler(undefined as never, undefined as never)).resolves.toBeUndefined();
  }
});
