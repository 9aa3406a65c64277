/**
 * B7, the secretaries' commands: after the cascade, `--secretaries` N secretaries, each at a
 * branch of their own (picked at random, seeded), record study sessions and problems through
 * the HTTP API as the console does — a secretary's bearer token, a fresh `Idempotency-Key`
 * per write, `POST …/study-sessions` and `POST …/problems` in turn — in a closed loop (the
 * next call as soon as the last one answered, no think time) for `--duration` seconds.
 *
 * Two latencies per command:
 *   - the HTTP call, from the request to the answer (the workflow has decided and recorded);
 *   - the figure reaching the root: from the call's answer until the root's read model
 *     (`rm_org_progress.subtree` of the root, what `GET /campaigns/:id/orgs/:root` shows)
 *     counts it. The root's counts are read every 100 ms; the k-th counted study day (or
 *     problem) is paired with the k-th call that answered with one, since a count says how
 *     many, not which. A pair can come out a little negative when a later call was counted
 *     before an earlier call's answer arrived.
 * Then the cost per command from the histories (bench/histories.ts): every event of the
 * campaign's runs from the first call until the root has counted the last figure and the
 * reports have settled.
 *
 * Then the organiser at the root issues a directive to every branch through the API and, once
 * the root counts them all targeted (or after 2 minutes), cancels it; `--directives` K times
 * (default 1). Each call's latency; the relay follows the answer and is not in the cost above.
 *
 * Last, unless `--no-baseline`, the same number of minimal workflows on the same server, each
 * answering an update in the workflow task that accepted it (bench/baseline/update-workflow.ts),
 * sent updates through the client for up to 30 s: their cost per update is the floor.
 *
 * The API runs as its own process (`api/main.ts`), as in B4.
 */
import { randomBytes } from 'node:crypto';
import { prng } from '../../domain/generate-tree.js';
import { runUpdateBaseline } from '../baseline/updates.js';
import { cpuBetween, describeCpu, readCpu } from '../cpu-ledger.js';
import { orgWorkflowId } from '../../domain/workflow-ids.js';
import { readOrgProgress, readRootProgress } from '../../db/models/org-progress.js';
import type { RunContext, ScenarioOutput } from '../context.js';
import { COST_SETTLE_MS, eventTimeMs, scanCost } from '../histories.js';
import { failureText, monitor, say, sleep, until } from '../live.js';
import { percentileLines, type Chart } from '../report.js';
import { bins, round1, round2, summarise } from '../stats.js';
import { cascadeEngine } from './cascade.js';
import { startApi } from './reads.js';

type Kind = 'study' | 'problem';
type Call = { kind: Kind; sentAt: number; answeredAt: number; ms: number; counts: boolean };
type RootCounts = { studyDays: number; problems: number };

/** The campaign starts on 2019-09-01 (bench/scenarios/cascade.ts); the k-th session of a secretary is on its k-th day, so each counts one study day. */
function studyDate(k: number): string {
  return new Date(Date.UTC(2019, 8, 1) + k * 86_400_000).toISOString().slice(0, 10);
}

export async function runCommands(ctx: RunContext): Promise<ScenarioOutput> {
  const { orgs, args, infra } = ctx;
  const cascade = await cascadeEngine(ctx, 'prepare');
  const campaignId = cascade.spec.id;
  const rootId = cascade.spec.rootOrgId;
  const api = await startApi(ctx);

  // N distinct branches, seeded: each secretary acts at an org of their own.
  const branches = orgs.filter((o) => o.level === 'branch');
  if (args.secretaries > branches.length) throw new Error(`commands: ${args.secretaries} secretaries, but the shape has ${branches.length} branches`);
  const rnd = prng(args.seed);
  const picked = new Set<string>();
  while (picked.size < args.secretaries) picked.add(branches[Math.floor(rnd() * branches.length)]!.id);
  const post = async (path: string, token: string, body: unknown, key?: string): Promise<{ status: number; body: string }> => {
    const res = await fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.text() };
  };
  const secretaries = await Promise.all(
    [...picked].map(async (orgId) => {
      const res = await post('/tokens', api.token, { role: 'secretary', orgId, label: 'bench secretary' });
      if (res.status !== 201) throw new Error(`commands: issuing a secretary token for ${orgId} answered ${res.status}: ${res.body}`);
      return { orgId, token: (JSON.parse(res.body) as { token: string }).token };
    }),
  );

  const rootCounts = async (): Promise<RootCounts> => {
    const row = await readRootProgress(infra.db, campaignId, rootId);
    const subtree = (row?.subtree ?? {}) as Partial<RootCounts>;
    return { studyDays: subtree.studyDays ?? 0, problems: subtree.problems ?? 0 };
  };
  // Let the cascade's last reports settle, so that what the root counts from here on is the commands'.
  await sleep(COST_SETTLE_MS);
  const before = await rootCounts();

  const calls: Call[] = [];
  const failures: string[] = [];
  // The root's counts, read every 100 ms: [ms since the epoch, counts].
  const seen: Array<[number, RootCounts]> = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const at = Date.now();
      seen.push([at, await rootCounts()]);
      await sleep(Math.max(0, 100 - (Date.now() - at)));
    }
  })();
  const cpuAtStart = readCpu(infra.databaseUrl);
  const t0 = Date.now();
  const endAt = t0 + args.durationSeconds * 1000;
  const m = monitor('commands', t0, async () => {
    const last = seen.at(-1)?.[1] ?? before;
    return {
      calls: calls.length,
      failed: failures.length,
      studyDaysAtRoot: last.studyDays - before.studyDays,
      problemsAtRoot: last.problems - before.problems,
    };
  });
  say(`commands: ${secretaries.length} secretaries at their branches, closed loop for ${args.durationSeconds} s, through ${api.url}`);
  const loop = async ({ orgId, token }: (typeof secretaries)[number]): Promise<void> => {
    for (let i = 0; Date.now() < endAt; i++) {
      const kind: Kind = i % 2 === 0 ? 'study' : 'problem';
      const k = Math.floor(i / 2);
      const body =
        kind === 'study'
          ? { date: studyDate(k), kind: 'concentrated', hours: 2, attendance: 12 }
          : { source: 'self_inspection', category: '形式主义', description: `会议多、文件多、表格多（${orgId} 第 ${k + 1} 条）` };
      const sentAt = Date.now();
      const s = performance.now();
      try {
        const res = await post(
          `/campaigns/${campaignId}/orgs/${encodeURIComponent(orgId)}/${kind === 'study' ? 'study-sessions' : 'problems'}`,
          token,
          body,
          randomBytes(16).toString('hex'),
        );
        const ms = performance.now() - s;
        if (res.status !== 200) throw new Error(`${res.status} ${res.body.slice(0, 300)}`);
        // A study session counts a day only if it is concentrated and on a new date (all of these are); the answer says.
        const counts = kind === 'problem' || (JSON.parse(res.body) as { counted: boolean }).counted;
        calls.push({ kind, sentAt, answeredAt: Date.now(), ms, counts });
      } catch (error) {
        failures.push(`${orgId} ${kind}: ${String(error)}`);
        if (failures.length === 1) say(`commands: first failure ${failures[0]}`);
      }
    }
  };
  try {
    await Promise.all(secretaries.map(loop));
    const lastAnswerAt = Date.now();
    // The window's CPU by process (the API runs in the harness), per command answered.
    const cpu = cpuBetween(cpuAtStart, readCpu(infra.databaseUrl), calls.length);
    say(describeCpu('commands', cpu, 'command'));
    const expected = (kind: Kind) => calls.filter((c) => c.kind === kind && c.counts).length;
    const want = { studyDays: before.studyDays + expected('study'), problems: before.problems + expected('problem') };
    // Every counted figure reaches the root, or the run fails: a figure that never arrives is not a latency.
    await until(
      async () => seen.at(-1)?.[1] ?? before,
      (c) => c.studyDays >= want.studyDays && c.problems >= want.problems,
      args.timeoutSeconds * 1000,
      `the root to count ${JSON.stringify(want)}`,
    );
    const allCountedAt = Date.now();
    polling = false;
    await poller;
    await m.stop();

    // The k-th answer that carried a figure, paired with the first reading of the root that counts k of them.
    const toRoot = (kind: Kind, key: keyof RootCounts): Array<{ t: number; v: number }> => {
      const answered = calls.filter((c) => c.kind === kind && c.counts).sort((a, b) => a.answeredAt - b.answeredAt);
      const out: Array<{ t: number; v: number }> = [];
      let r = 0;
      answered.forEach((c, k) => {
        while (r < seen.length && seen[r]![1][key] - before[key] < k + 1) r++;
        if (r < seen.length) out.push({ t: c.answeredAt, v: seen[r]![0] - c.answeredAt });
      });
      return out;
    };
    const studyToRoot = toRoot('study', 'studyDays');
    const problemsToRoot = toRoot('problem', 'problems');
    const loadSeconds = (lastAnswerAt - t0) / 1000;

    await sleep(COST_SETTLE_MS);
    const cost = await scanCost(
      infra.client,
      `CampaignId="${campaignId}"`,
      'command (recordStudySession or recordProblem, via HTTP)',
      calls.length,
      { from: t0, to: Date.now() },
      new Set(secretaries.map((s) => orgWorkflowId(campaignId, s.orgId))),
    );

    const answered = summarise(calls.map((c) => c.ms));
    say(`commands: the secretaries' ${calls.length} calls, HTTP p50 ${answered.p50} ms, p99 ${answered.p99} ms`);
    const coverageAtRoot = async (directiveId: string): Promise<number> => {
      const row = await readOrgProgress(infra.db, campaignId, rootId);
      return (row?.directives as Record<string, { targeted: number }> | null | undefined)?.[directiveId]?.targeted ?? 0;
    };
    const rootHandle = infra.client.workflow.getHandle(orgWorkflowId(campaignId, rootId));
    const directiveMs = await issueAndCancelDirectives(post, api, coverageAtRoot, branches.length, campaignId, rootId, args.directives, () =>
      rootHandle.fetchHistory().then((h) => (h.events ?? []) as Array<Record<string, unknown>>),
    );
    await api.stop();
    // The floor on the same server: as many minimal workflows, each answering an update in one workflow task (--no-baseline skips it).
    const baseline = args.baseline ? await runUpdateBaseline(infra, secretaries.length, Math.min(args.durationSeconds, 30)) : null;

    const callMs = calls.map((c) => c.ms);
    const figures: Record<string, unknown> = {
      secretaries: secretaries.length,
      durationSeconds: args.durationSeconds,
      seconds: round2(loadSeconds),
      commands: calls.length,
      failed: failures.length,
      failureSamples: failures.slice(0, 3),
      commandsPerSecond: round1(calls.length / loadSeconds),
      httpLatencyMs: summarise(callMs),
      httpLatencyMsByCommand: {
        recordStudySession: summarise(calls.filter((c) => c.kind === 'study').map((c) => c.ms)),
        recordProblem: summarise(calls.filter((c) => c.kind === 'problem').map((c) => c.ms)),
      },
      toRootLatencyMs: summarise([...studyToRoot, ...problemsToRoot].map((l) => l.v)),
      toRootLatencyMsByFigure: { studyDays: summarise(studyToRoot.map((l) => l.v)), problems: summarise(problemsToRoot.map((l) => l.v)) },
      lastAnswerToAllCountedMs: allCountedAt - lastAnswerAt,
      directiveAtRootLatencyMs: { issue: summarise(directiveMs.issue), cancel: summarise(directiveMs.cancel) },
      directiveFailures: directiveMs.failures,
      directiveBranchesTargetedWhenCancelled: directiveMs.targetedWhenCancelled,
      directiveCancelInRootHistory: directiveMs.cancelInHistory,
      rootCounted: { studyDays: want.studyDays - before.studyDays, problems: want.problems - before.problems },
      campaignId,
      prepareCascadeSeconds: round2(cascade.seconds),
      cost,
      cpu,
      baseline,
    };
    const callBins = bins(
      calls.map((c) => ({ t: c.answeredAt, v: c.ms })),
      t0,
    );
    const rootBins = bins([...studyToRoot, ...problemsToRoot], t0);
    const charts: Chart[] = [
      {
        title: 'Throughput: commands answered per second',
        yLabel: 'commands/s',
        lines: [{ name: 'commands/s', points: callBins.map((b): [number, number] => [b.t, b.count]) }],
      },
      {
        title: 'HTTP latency by second the call answered',
        yLabel: 'ms',
        lines: percentileLines(callBins),
      },
      {
        title: 'Answer → counted at the root, by second the call answered',
        yLabel: 'ms',
        lines: percentileLines(rootBins),
      },
      {
        title: 'Figures counted at the root',
        yLabel: 'count',
        lines: [
          { name: 'study days', points: m.samples.map((s) => [s.t, s.studyDaysAtRoot!]) },
          { name: 'problems', points: m.samples.map((s) => [s.t, s.problemsAtRoot!]) },
        ],
      },
    ];
    const http = figures.httpLatencyMs as { p50: number; p99: number };
    const root = figures.toRootLatencyMs as { p50: number; p99: number };
    say(
      `commands: ${calls.length} in ${loadSeconds.toFixed(1)} s (${round1(calls.length / loadSeconds)}/s, ${failures.length} failed); ` +
        `HTTP p50 ${http.p50} ms, p99 ${http.p99} ms; to the root p50 ${root.p50} ms, p99 ${root.p99} ms`,
    );
    return { figures, charts };
  } finally {
    polling = false;
    await poller;
    await m.stop();
  }
}

type Post = (path: string, token: string, body: unknown, key?: string) => Promise<{ status: number; body: string }>;

/** How long the organiser waits for a directive's relay before cancelling it. */
const RELAY_WAIT_MS = 120_000;

/**
 * The organiser at the root issues a directive to every branch, waits until the root counts
 * every branch targeted (at most 2 minutes), and cancels it; `times` times. Each call's latency,
 * in ms, and how far the relay had got when the cancel was sent: a call made while the relay's
 * workflow tasks fill the task queue waits behind them (the queue is first come, first served).
 */
async function issueAndCancelDirectives(
  post: Post,
  api: { token: string },
  coverageAtRoot: (directiveId: string) => Promise<number>,
  branches: number,
  campaignId: string,
  rootId: string,
  times: number,
  rootHistory: () => Promise<Array<Record<string, unknown>>>,
): Promise<{ issue: number[]; cancel: number[]; targetedWhenCancelled: number[]; failures: string[]; cancelInHistory: UpdateTimes[] }> {
  const out = {
    issue: [] as number[],
    cancel: [] as number[],
    targetedWhenCancelled: [] as number[],
    failures: [] as string[],
    cancelInHistory: [] as UpdateTimes[],
  };
  const timed = async (into: number[], path: string, body: unknown): Promise<void> => {
    const s = performance.now();
    try {
      const res = await post(path, api.token, body);
      if (res.status !== 200) throw new Error(`answered ${res.status}: ${res.body.slice(0, 300)}`);
      into.push(performance.now() - s);
    } catch (error) {
      // Kept with the result rather than failing the run: the secretaries' figures are already in.
      out.failures.push(`POST ${path} after ${Math.round(performance.now() - s)} ms: ${failureText(error)}`);
      say(`commands: ${out.failures.at(-1)}`);
    }
  };
  const base = `/campaigns/${campaignId}/orgs/${encodeURIComponent(rootId)}/directives`;
  for (let i = 0; i < times; i++) {
    const directiveId = `bench-directive-${i + 1}`;
    const body = { directiveId, title: `减负措施 ${i + 1}`, instructions: '清理重复报表，合并同类会议', deadline: '2099-12-31', targetLevels: ['branch'] };
    await timed(out.issue, base, body);
    const relayUntil = Date.now() + RELAY_WAIT_MS;
    let targeted = 0;
    while (Date.now() < relayUntil && (targeted = await coverageAtRoot(directiveId)) < branches) await sleep(500);
    out.targetedWhenCancelled.push(targeted);
    const sentAt = Date.now();
    await timed(out.cancel, `${base}/${directiveId}/cancel`, {});
    // Where the cancel's time went, from the root's history: until its update was accepted (the
    // workflow task that took it waited in the queue), and from there until it completed (the
    // answer waited in the workflow). Waits up to 5 minutes for an answer the caller gave up on.
    const times = await until(
      async () => cancelTimes(await rootHistory(), directiveId, sentAt),
      (t) => t.completedAfterMs !== null,
      300_000,
      'the cancel to complete in the root’s history',
    ).catch(async () => cancelTimes(await rootHistory(), directiveId, sentAt));
    out.cancelInHistory.push(times);
    say(`commands: the cancel in the root's history: ${JSON.stringify(times)}`);
  }
  say(
    `commands: directives at the root, issue ${JSON.stringify(summarise(out.issue))} ms, cancel ${JSON.stringify(summarise(out.cancel))} ms ` +
      `(branches targeted when cancelled: ${out.targetedWhenCancelled.join(', ')} of ${branches})`,
  );
  return out;
}

interface UpdateTimes {
  /** From the call until the update was accepted, and until it completed, in the root's history (server clock, this machine's); null if not there. */
  acceptedAfterMs: number | null;
  completedAfterMs: number | null;
  /**
   * The workflow task that accepted it: when it was scheduled (negative when it was queued before
   * the call) and when a worker started it, so the wait splits into the task queue's share
   * (scheduled → started) and the worker's (started → accepted).
   */
  taskScheduledAfterMs: number | null;
  taskStartedAfterMs: number | null;
}

/** The cancel of `directiveId` in the root's history: when its update was accepted and completed, after `sentAt`. */
function cancelTimes(events: Array<Record<string, unknown>>, directiveId: string, sentAt: number): UpdateTimes {
  type Accepted = { acceptedRequest?: { meta?: { updateId?: string }; input?: { name?: string; args?: { payloads?: Array<{ data?: Uint8Array }> } } } };
  type Completed = { meta?: { updateId?: string } };
  let updateId: string | undefined;
  const times: UpdateTimes = { acceptedAfterMs: null, completedAfterMs: null, taskScheduledAfterMs: null, taskStartedAfterMs: null };
  let scheduledAt = NaN;
  let startedAt = NaN;
  for (const e of events) {
    if (e.workflowTaskScheduledEventAttributes) scheduledAt = eventTimeMs(e);
    if (e.workflowTaskStartedEventAttributes) startedAt = eventTimeMs(e);
    const accepted = e.workflowExecutionUpdateAcceptedEventAttributes as Accepted | undefined;
    const input = accepted?.acceptedRequest?.input;
    const payload = input?.args?.payloads?.[0]?.data;
    if (input?.name === 'cancelDirective' && payload && Buffer.from(payload).toString().includes(directiveId)) {
      updateId = accepted?.acceptedRequest?.meta?.updateId;
      times.acceptedAfterMs = Math.round(eventTimeMs(e) - sentAt);
      times.taskScheduledAfterMs = Number.isNaN(scheduledAt) ? null : Math.round(scheduledAt - sentAt);
      times.taskStartedAfterMs = Number.isNaN(startedAt) ? null : Math.round(startedAt - sentAt);
    }
    const completed = e.workflowExecutionUpdateCompletedEventAttributes as Completed | undefined;
    if (updateId && completed?.meta?.updateId === updateId) times.completedAfterMs = Math.round(eventTimeMs(e) - sentAt);
  }
  return times;
}
