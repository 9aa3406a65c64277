/** 民意直通车's words (console/src/citizens-words.ts): the public addresses and the refusals in plain words. */
import { describe, expect, test } from 'vitest';
import { publicRoute, sendRefusal, trackHref, trackRefusal, triageRefusal, waitWords } from '../../console/src/citizens-words.js';

const refusal = (status: number, message = '', fields: string[] = [], retryAfterSeconds: number | null = null) => ({
  status,
  message,
  fields,
  retryAfterSeconds,
});

describe('citizens’ words', () => {
  test('the public addresses, and nothing else, are public', () => {
    expect(publicRoute('/public')).toEqual({ view: 'landing' });
    expect(publicRoute('/public/demo-2019')).toEqual({ view: 'send', campaignId: 'demo-2019' });
    expect(publicRoute('/public/demo-2019/track')).toEqual({ view: 'track', campaignId: 'demo-2019', code: '' });
    expect(publicRoute('/public/demo-2019/track/AbC_-0123456789abcdefghi')).toEqual({
      view: 'track',
      campaignId: 'demo-2019',
      code: 'AbC_-0123456789abcdefghi',
    });
    expect(publicRoute(trackHref('a b', 'x/y').slice(1))).toEqual({ view: 'track', campaignId: 'a b', code: 'x/y' });
    for (const console of ['/', '/c/demo/o/tj', '/c/demo/o/tj/triage', '/publicity', '/public/x/other']) expect(publicRoute(console)).toBeNull();
  });

  test('waits in seconds, minutes, hours', () => {
    expect([waitWords(0.2), waitWords(47), waitWords(60), waitWords(61), waitWords(3600), waitWords(3720)]).toEqual([
      '1 秒',
      '47 秒',
      '1 分钟',
      '2 分钟',
      '1 小时',
      '1 小时 2 分钟',
    ]);
  });

  test('a refusal is said beside the field it names, in plain words', () => {
    expect(sendRefusal(refusal(400, 'body.text: too small', ['body.text']))).toEqual({ field: 'text', text: expect.stringContaining('留言内容') });
    expect(sendRefusal(refusal(400, 'control characters are not allowed', ['body.area'])).text).toMatch(/所在区域里有无法识别的字符/);
    expect(sendRefusal(refusal(429, 'too many', [], 47)).text).toMatch(/请在 47 秒后再试/);
    expect(sendRefusal(refusal(409)).text).toMatch(/活动已经结束/);
    expect(trackRefusal(refusal(404)).field).toBe('code');
    expect(trackRefusal(refusal(429, '', [], 3)).text).toMatch(/3 秒后再查/);
    expect(triageRefusal(refusal(409, 'message 0123456789abcdef is already routed to tj-d1', ['body.toOrgId']))).toEqual({
      field: 'toOrgId',
      text: expect.stringContaining('已经分办给 tj-d1'),
    });
    expect(triageRefusal(refusal(409, 'org tj-d2-u1 is not reached by the campaign (its parent has not mobilised, or the campaign has closed)')).text).toMatch(
      /尚未被活动覆盖/,
    );
    expect(triageRefusal(refusal(409, 'only the campaign office (tj) triages public messages')).field).toBeUndefined();
    expect(triageRefusal(refusal(422, 'org x is outside the campaign', ['body.toOrgId'])).text).toMatch(/不在本活动范围内/);
  });
});
