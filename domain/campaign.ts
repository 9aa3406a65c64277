/**
 * A campaign's specification, as an organiser submits it and as every org workflow
 * carries it, and the workflow ids derived from business ids.
 */
import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';
import { Level } from './levels.js';

export const IsoDate = lazySchema(() =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
    .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a calendar date'),
);

const WeeklyCap = lazySchema(() => z.number().int().min(0).max(1000));

export const Rules = lazySchema(() =>
  z
    .object({
      /** Distinct concentrated-study days an org needs (the seeds: at least 6). */
      minStudyDays: z.number().int().min(1).max(60).default(6),
      /** Research topics need approval (把关) before reports count. */
      topicsMustBeVetted: z.boolean().default(true),
      /** Days a target has to claim an escalation before it is forwarded upward (fractions allowed, for short test runs). */
      claimDeadlineDays: z.number().positive().max(90).default(7),
      /** Default days to rectify a problem once planned. */
      rectificationDeadlineDays: z.number().int().min(1).max(365).default(30),
      /** Days before a rectification deadline that the item turns yellow (fractions allowed, for short test runs). */
      warningDays: z.number().min(0).max(60).default(3),
      /** Longest deadline, in days, of an immediate-rectification item (立行立改). */
      immediateDays: z.number().int().min(1).max(60).default(7),
      /**
       * 动员部署 on time: days an org has to mobilise once the cascade reached it (its workflow
       * started, i.e. its parent mobilised; the root: the campaign started). Past them, still
       * not mobilised, it is red (三色督办, `domain/colour.ts`). Unset, no deadline: not
       * mobilised is only yellow. Fractions allowed, for short test runs.
       */
      mobiliseWithinDays: z.number().positive().max(90).optional(),
      /** Levels whose mobilisation is recorded automatically when the cascade reaches them. */
      autoMobiliseLevels: z.array(Level).max(4).default([]),
      /** Least seconds between two progress reports of one org to its parent (phase changes go at once). */
      progressReportSeconds: z.number().int().min(1).max(3600).default(30),
      /** 民意直通车: seconds a public message may stay unrouted before it is flagged; unset, the end of its day in UTC+8 (short test runs set it). */
      publicMessageTriageSeconds: z.number().int().min(1).max(86_400).optional(),
      /**
       * 为基层减负: the most requests for information (directives of kind `information_request`)
       * one org of each level may send down in a week (Monday to Sunday in UTC+8). Per sending
       * org, not per level as a whole; a level left out is not capped; 0 forbids them. Over
       * the cap a request is refused and the refusal recorded (`domain/burden.ts`).
       */
      informationRequestsPerWeek: z.object({ city: WeeklyCap, district: WeeklyCap, unit: WeeklyCap }).partial().strict().optional(),
    })
    .strict(),
);
export type Rules = z.infer<typeof Rules>;

export const PhaseMode = lazySchema(() => z.enum(['integrated', 'sequential']));
export type PhaseMode = z.infer<typeof PhaseMode>;

export const CampaignId = lazySchema(() => z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, at most 63'));

/**
 * The spec's fields, without the rule between two of them (`endsOn` on or after `startsOn`):
 * the HTTP route validates these by schema (400) and the rule as a 422, as JSON Schema cannot
 * compare two fields and a request the document calls valid is then refused by a rule.
 */
export const CampaignSpecFields = lazySchema(() =>
  z
    .object({
      id: CampaignId,
      name: z.string().trim().min(1).max(200),
      batch: z.number().int().min(1).max(9),
      rootOrgId: z.string().min(1).max(64),
      phaseMode: PhaseMode,
      startsOn: IsoDate,
      endsOn: IsoDate,
      rules: Rules.default(Rules.parse({})),
    })
    .strict(),
);

/** `endsOn` on or after `startsOn`: the message {@link CampaignSpec} refuses with. */
export const ENDS_BEFORE_STARTS = 'endsOn is before startsOn';

export const CampaignSpec = lazySchema(() => CampaignSpecFields.refine((s) => s.endsOn >= s.startsOn, { message: ENDS_BEFORE_STARTS, path: ['endsOn'] }));
export type CampaignSpec = z.infer<typeof CampaignSpec>;

/** Kept for older importers; the ids live in `domain/workflow-ids.ts`. */
export { campaignWorkflowId, orgWorkflowId, parseOrgWorkflowId } from './workflow-ids.js';

/** Two specs are the same campaign when they are equal field by field (rules included). */
export function sameSpec(a: CampaignSpec, b: CampaignSpec): boolean {
  return stableJson(a) === stableJson(b);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
