import { describe, expect, test } from 'vitest';
import { orgColour } from './colour.js';

const own = (o: Record<string, number>) => ({ studyDone: 1, overdue: 0, dueSoon: 0, studyDays: 6, ...o });

describe('the colour rule (三色督办)', () => {
  test('green when mobilised, studied and nothing due', () => {
    expect(orgColour({ mobilised: true, own: own({}) })).toEqual({ colour: 'green', reasons: [] });
  });
  test('red for an overdue item, whatever else', () => {
    expect(orgColour({ mobilised: true, own: own({ overdue: 2, dueSoon: 1 }) })).toEqual({ colour: 'red', reasons: ['2 overdue', '1 due soon'] });
    expect(orgColour({ mobilised: false, own: own({ overdue: 1, studyDone: 0, studyDays: 0 }) }).colour).toBe('red');
  });
  test('yellow when lagging (not mobilised, study not done) or items due soon', () => {
    expect(orgColour({ mobilised: false, own: own({}) })).toEqual({ colour: 'yellow', reasons: ['not mobilised'] });
    expect(orgColour({ mobilised: true, own: own({ studyDone: 0, studyDays: 2 }) })).toEqual({ colour: 'yellow', reasons: ['study 2 days'] });
    expect(orgColour({ mobilised: true, own: own({ dueSoon: 3 }) })).toEqual({ colour: 'yellow', reasons: ['3 due soon'] });
  });
});
