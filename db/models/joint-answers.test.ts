import { expect, test } from 'vitest';
import { placeParticipants } from './joint-answers.js';

test('a participant is refused when not in the directory, or outside the opener’s subtree', () => {
  const known = [
    { id: 'tj-d1', path: '/tj/tj-d1/' },
    { id: 'tj-d1-u1', path: '/tj/tj-d1/tj-d1-u1/' },
    { id: 'tj-d2', path: '/tj/tj-d2/' },
  ];
  expect(placeParticipants(known, ['tj-d1', 'tj-d1-u1', 'tj-d2', 'gone'], '/tj/tj-d1/')).toEqual({ unknown: ['gone'], outside: ['tj-d2'] });
  expect(placeParticipants(known, ['tj-d1', 'tj-d2'], '/tj/')).toEqual({ unknown: [], outside: [] });
});
