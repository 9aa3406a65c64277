/**
 * The demo `npm start` runs on first start: a Tianjin-shaped tree of 40 orgs (city,
 * 3 districts, 9 units, 27 branches), a campaign over it and enough recorded work
 * that the Temporal UI shows the tree and the API shows progress at every level.
 * Everything goes through the public API, as an organiser would do it.
 */
import type { FastifyInstance } from 'fastify';
import { chinaDate } from '../domain/org-node.js';
import { generateTree, type FlatOrg } from '../domain/generate-tree.js';

export const DEMO_CAMPAIGN = 'demo-2019';

interface TreeNode {
  id: string;
  level: string;
  kind: string;
  name: string;
  children: TreeNode[];
}

export async function runDemo(app: FastifyInstance, adminToken: string): Promise<string> {
  const call = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const res = await app.inject({ method, url, payload: payload as object, headers: { authorization: `Bearer ${adminToken}` } });
    return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
  };
  if ((await call('GET', `/campaigns/${DEMO_CAMPAIGN}`)).status === 200) return `Demo campaign ${DEMO_CAMPAIGN} is there from an earlier start.`;

  const imported = await call('POST', '/orgs/import', nest(generateTree('small')));
  if (imported.status >= 300) return `Demo skipped: the org import answered ${imported.status} ${JSON.stringify(imported.body)}`;
  const day = 24 * 3600_000;
  const today = chinaDate(Date.now());
  const started = await call('POST', '/campaigns', {
    id: DEMO_CAMPAIGN,
    name: '“不忘初心、牢记使命”主题教育（演示）',
    batch: 2,
    rootOrgId: 'tj',
    phaseMode: 'integrated',
    startsOn: chinaDate(Date.now() - 30 * day),
    endsOn: chinaDate(Date.now() + 90 * day),
    rules: { minStudyDays: 6, mobiliseWithinDays: 4, autoMobiliseLevels: ['unit', 'branch'], progressReportSeconds: 5 },
  });
  if (started.status >= 300) return `Demo skipped: starting the campaign answered ${started.status} ${JSON.stringify(started.body)}`;

  const org = (id: string) => `/campaigns/${DEMO_CAMPAIGN}/orgs/${id}`;
  // An org's workflow exists once its parent has cascaded: retry until it answers.
  const act = async (url: string, payload: unknown) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const res = await call('POST', url, payload);
      if (res.status < 300 || (res.status !== 409 && res.status !== 404)) return res;
      if (!/cascade|not found|not reached/i.test(String(res.body.detail))) return res;
      await new Promise((r) => setTimeout(r, 300));
    }
    return call('POST', url, payload);
  };
  await act(`${org('tj')}/mobilisation`, { date: chinaDate(Date.now() - 28 * day), attendance: 320 });
  await act(`${org('tj-d1')}/mobilisation`, { date: chinaDate(Date.now() - 27 * day), attendance: 150 });
  await act(`${org('tj-d2')}/mobilisation`, { date: chinaDate(Date.now() - 26 * day), attendance: 130 });
  for (let d = 0; d < 4; d++) {
    await act(`${org('tj')}/study-sessions`, {
      sessionId: `demo-s${d}`,
      date: chinaDate(Date.now() - (20 - d) * day),
      kind: 'concentrated',
      hours: 4,
      attendance: 60,
    });
  }
  await act(`${org('tj')}/topics`, { topicId: 'demo-t1', leader: '市委书记', title: '关于为基层减负的调研' });
  await act(`${org('tj')}/topics`, { topicId: 'demo-t2', leader: '市长', title: '为基层减负调研' });
  await act(`${org('tj-d1-u1-b1')}/problems`, {
    problemId: 'demo-p1',
    source: 'democratic_life',
    category: '形式主义',
    description: '会议多、文件多，基层负担重',
  });
  await act(`${org('tj-d1-u1-b2')}/study-sessions`, { sessionId: 'demo-s1', date: today, kind: 'concentrated', hours: 3, attendance: 18 });
  return `Demo campaign ${DEMO_CAMPAIGN} started on 40 orgs (河西区, tj-d3, has not mobilised, so it shows as lagging).`;
}

/** The flat generated tree as the nested JSON the import route takes. */
function nest(orgs: readonly FlatOrg[]): TreeNode {
  const nodes = new Map(orgs.map((o) => [o.id, { id: o.id, level: o.level, kind: o.kind, name: o.name, children: [] as TreeNode[] }]));
  let root: TreeNode | undefined;
  for (const o of orgs) {
    const node = nodes.get(o.id)!;
    if (o.parentId) nodes.get(o.parentId)!.children.push(node);
    else root = node;
  }
  return root!;
}
