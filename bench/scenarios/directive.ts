/**
 * B3, a directive to every branch (上题下答): after the cascade, the root issues one
 * directive targeting the branch level; it is relayed level by level. Once every branch
 * holds its item (coverage `targeted` = branches at the root), every branch completes it
 * the way test/cross-level/directive.test.ts does — start, submit evidence, an inspector
 * verifies — with `--in-flight` branches at a time. The clock stops when the issuer's read
 * model (`rm_org_progress.directives` of the root, what `GET …/directives/:id` shows)
 * says 100% done.
 *
 * Reported: seconds to full relay, seconds to 100% coverage (both from the issue call),
 * branch completions per second, each command's latency, and how long the last
 * completion took to show at the top (the debounced reports climbing the levels).
 */
import { directiveItemId } from '../../domain/directive.js';
import { orgWorkflowId } from '../../domain/workflow-ids.js';
import { readOrgProgress } from '../../db/models/org-progress.js';
import { issueDirectiveUpdate, startRectificationUpdate, submitRectificationUpdate, verifyRectificationUpdate } from '../../workflows/messages.js';
import { orgCommandSender } from '../org-commands.js';
import type { RunContext, ScenarioOutput } from '../context.js';
import { COST_SETTLE_MS, scanCost } from '../histories.js';
import { monitor, say, sleep } from '../live.js';
import type { Chart } from '../report.js';
import { bins, pool, round1, round2, summarise } from '../stats.js';
import { cascadeEngine } from './cascade.js';

type Coverage = { targeted: number; done: number; overdue: number };

export async function runDirective(ctx: RunContext): Promise<ScenarioOutput> {
  const { infra, orgs, args } = ctx;
  const cascade = await cascadeEngine(ctx, 'prepare');
  const campaignId = cascade.spec.id;
  const rootId = cascade.spec.rootOrgId;
  const send = orgCommandSender(infra, campaignId);
  const branches = orgs.filter((o) => o.level === 'branch');
  const directiveId = 'jianfu-bench';
  const itemId = directiveItemId(directiveId);

  const coverage = async (): Promise<Coverage> => {
    const row = await readOrgProgress(infra.db, campaignId, rootId);
    const c = (row?.directives as Record<string, Coverage> | null | undefined)?.[directiveId];
    return c ?? { targeted: 0, done: 0, overdue: 0 };
  };

  let seen: Coverage = { targeted: 0, done: 0, overdue: 0 };
  let completed = 0;
  const failures: string[] = [];
  const t0 = Date.now();
  const m = monitor('directive', t0, async () => {
    seen = await coverage();
    return { targeted: seen.targeted, completedCalls: completed, done: seen.done, branches: branches.length, failed: failures.length };
  });
  const deadline = t0 + args.timeoutSeconds * 1000;
  const waitFor = async (ok: (c: Coverage) => boolean, what: string): Promise<number> => {
    for (;;) {
      const c = await coverage();
      if (ok(c)) return Date.now();
      if (Date.now() > deadline) throw new Error(`directive: timed out waiting for ${what}; coverage ${JSON.stringify(c)}`);
      await sleep(200);
    }
  };

  try {
    say(`directive: ${rootId} issues a directive to all ${branches.length} branches`);
    await send(rootId, issueDirectiveUpdate, {
      directiveId,
      title: '清理规范督查检查考核',
      instructions: '本周内自查上报的表格并停用重复报表',
      deadline: '2099-12-31',
      targetLevels: ['branch'],
      by: `organiser:${rootId}`,
    });
    const issuedMs = Date.now() - t0;
    const relayedAt = await waitFor((c) => c.targeted >= branches.length, 'every branch targeted');
    say(`directive: every branch holds its item after ${((relayedAt - t0) / 1000).toFixed(1)} s; completing them, ${args.inFlight} at a time`);

    const completions: Array<{ t: number; v: number }> = [];
    const commandMs: number[] = [];
    const timed = async <T>(p: () => Promise<T>): Promise<T> => {
      const s = Date.now();
      const r = await p();
      commandMs.push(Date.now() - s);
      return r;
    };
    const completeStart = Date.now();
    await pool(branches, args.inFlight, async (b) => {
      const s = Date.now();
      try {
        await timed(() => send(b.id, startRectificationUpdate, { problemId: itemId, by: 'secretary:bench' }));
        await timed(() => send(b.id, submitRectificationUpdate, { problemId: itemId, evidence: '已停用重复报表', by: 'secretary:bench' }));
        await timed(() =>
          send(b.id, verifyRectificationUpdate, {
            problemId: itemId,
            decision: 'verified',
            by: 'inspector:bench',
            verifierRole: 'inspector',
            verifierOrgId: rootId,
          }),
        );
        completed += 1;
        completions.push({ t: Date.now(), v: Date.now() - s });
      } catch (error) {
        failures.push(`${b.id}: ${String(error)}`);
      }
    });
    const lastCallAt = Date.now();
    if (failures.length) throw new Error(`directive: ${failures.length} branches could not complete their item, e.g. ${failures[0]}`);
    const doneAt = await waitFor((c) => c.done >= branches.length, '100% coverage at the issuer');
    await m.stop();

    const seconds = (doneAt - t0) / 1000;
    // The cost in the histories, in two windows: the issue and its relay to every branch (per
    // branch reached), then the branches' three commands each (per command) until the reports settle.
    const query = `CampaignId="${campaignId}"`;
    const issueCost = await scanCost(
      infra.client,
      query,
      'branch reached (1 issueDirective update at the root, relayed)',
      branches.length,
      { from: t0, to: completeStart - 1 },
      new Set([orgWorkflowId(campaignId, rootId)]),
    );
    await sleep(COST_SETTLE_MS);
    const completionCost = await scanCost(
      infra.client,
      query,
      'command (startRectification, submitRectification, verifyRectification)',
      commandMs.length,
      { from: completeStart, to: Date.now() },
      new Set(branches.map((b) => orgWorkflowId(campaignId, b.id))),
    );
    const figures: Record<string, unknown> = {
      branches: branches.length,
      seconds: round2(seconds),
      issueCallMs: issuedMs,
      relaySeconds: round2((relayedAt - t0) / 1000),
      completionSeconds: round2((doneAt - completeStart) / 1000),
      branchCompletionsPerSecond: round1(branches.length / ((lastCallAt - completeStart) / 1000)),
      commandsPerSecond: round1(commandMs.length / ((lastCallAt - completeStart) / 1000)),
      commandLatencyMs: summarise(commandMs),
      branchCompletionMs: summarise(completions.map((c) => c.v)),
      lastCompletionToFullCoverageMs: doneAt - lastCallAt,
      inFlight: args.inFlight,
      campaignId,
      prepareCascadeSeconds: round2(cascade.seconds),
      issueCost,
      completionCost,
    };
    const charts: Chart[] = [
      {
        title: 'Directive coverage at the issuer',
        yLabel: 'branches',
        lines: [
          { name: 'targeted', points: m.samples.map((s) => [s.t, s.targeted!]) },
          { name: 'completed (calls returned)', points: m.samples.map((s) => [s.t, s.completedCalls!]) },
          { name: 'done (seen at the root)', points: m.samples.map((s) => [s.t, s.done!]) },
        ],
      },
      {
        title: 'Throughput: branch items completed per second',
        yLabel: 'branches/s',
        lines: [{ name: 'completed/s', points: bins(completions, t0).map((b): [number, number] => [b.t, b.count]) }],
      },
      {
        title: 'Latency of one branch completion (3 updates), by second it finished',
        yLabel: 'ms',
        lines: [
          {
            name: 'mean',
            points: bins(completions, t0)
              .filter((b) => b.values.length)
              .map((b): [number, number] => [b.t, b.values.reduce((a, v) => a + v, 0) / b.values.length]),
          },
        ],
      },
    ];
    say(`directive: 100% coverage seen by the issuer after ${seconds.toFixed(1)} s (relay ${round2((relayedAt - t0) / 1000)} s)`);
    return { figures, charts };
  } finally {
    await m.stop();
  }
}
