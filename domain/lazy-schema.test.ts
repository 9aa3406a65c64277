import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { ClaimEscalationCommand, IssueDirectiveCommand } from './commands.js';
import { CampaignSpec } from './campaign.js';
import { lazySchema } from './lazy-schema.js';

const eagerPoint = () => z.object({ x: z.number().int(), label: z.string().min(1).optional() }).strict();

describe('lazySchema', () => {
  test('builds nothing until first used, then builds once', () => {
    let builds = 0;
    const Point = lazySchema(() => {
      builds++;
      return eagerPoint();
    });
    expect(builds).toBe(0);
    expect(Point.parse({ x: 1 })).toEqual({ x: 1 });
    expect(Point.safeParse({ x: 1.5 }).success).toBe(false);
    expect(Point.safeParse({ x: 1, extra: true }).success).toBe(false);
    expect(builds).toBe(1);
  });

  test('answers as the schema it builds: instanceof, shape, detached methods, derived schemas', () => {
    const Point = lazySchema(eagerPoint);
    expect(Point).toBeInstanceOf(z.ZodObject);
    expect(Object.keys(Point.shape)).toEqual(['x', 'label']);
    const { safeParse } = Point;
    expect(safeParse({ x: 2 }).success).toBe(true);
    expect(Point.optional().parse(undefined)).toBeUndefined();
    expect(Point.extend({ y: z.number() }).parse({ x: 1, y: 2 })).toEqual({ x: 1, y: 2 });
    expect(Point.pick({ x: true }).safeParse({ x: 1, label: 'a' }).success).toBe(false);
    expect('parse' in Point).toBe(true);
  });

  test('composes inside other schemas, lazily built or not', () => {
    const Point = lazySchema(eagerPoint);
    const Segment = lazySchema(() => z.object({ from: Point, to: Point }));
    expect(Segment.parse({ from: { x: 0 }, to: { x: 3, label: 'end' } })).toEqual({ from: { x: 0 }, to: { x: 3, label: 'end' } });
    const issue = Segment.safeParse({ from: { x: 0 }, to: { x: 'three' } }).error?.issues[0];
    expect(issue?.path).toEqual(['to', 'x']);
    expect(
      z
        .array(Point)
        .max(1)
        .safeParse([{ x: 1 }, { x: 2 }]).success,
    ).toBe(false);
  });

  test('converts to the same JSON Schema as the schema built eagerly (the API documents routes with it)', () => {
    expect(z.toJSONSchema(lazySchema(eagerPoint))).toEqual(z.toJSONSchema(eagerPoint()));
    const Segment = lazySchema(() => z.object({ from: lazySchema(eagerPoint) }));
    expect(z.toJSONSchema(Segment)).toEqual(z.toJSONSchema(z.object({ from: eagerPoint() })));
  });

  test("the domain's schemas still refine, default and explain as before", () => {
    const claim = ClaimEscalationCommand.safeParse({ escalationId: 'e', problemId: 'p', intoProblemId: 'q', by: 'a' });
    expect(claim.error?.issues[0]?.path).toEqual(['intoProblemId']);
    const directive = IssueDirectiveCommand.parse({ directiveId: 'd1', title: 't', instructions: 'i', deadline: '2026-12-31', by: 'a' });
    expect(directive).toMatchObject({ kind: 'task', targetLevels: [], targetOrgIds: [] });
    const spec = CampaignSpec.safeParse({
      id: 'c',
      name: 'n',
      batch: 1,
      rootOrgId: 'r',
      phaseMode: 'integrated',
      startsOn: '2026-02-30',
      endsOn: '2026-03-01',
    });
    expect(spec.error?.issues.map((i) => i.path.join('.'))).toEqual(['startsOn']);
  });
});
