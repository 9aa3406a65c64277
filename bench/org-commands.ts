/**
 * Org commands sent the way the API sends them (api/org-command.ts): answered in the workflow
 * task that decided them, their events stored by the sender before it goes on. The scenarios
 * that drive workflows through the client (B2's escalations, B3's directive) use this, so
 * their call latencies are what a person pressing the button in the console waits for, less
 * the HTTP hop.
 */
import type { UpdateDefinition } from '@temporalio/common';
import { sendOrgCommand } from '../api/org-command.js';
import type { AnswerOptions, Answered } from '../workflows/org-node-messages.js';
import type { Infra } from './infra.js';
import { say } from './live.js';

const benchLog = { warn: (details: object, message: string) => say(`org command: ${message} ${JSON.stringify(details).slice(0, 300)}`) };

/** Sends one org command of the campaign as the API would. */
export type OrgCommandSender = <Result, Cmd>(
  orgId: string,
  update: UpdateDefinition<Answered<Result>, [Cmd, AnswerOptions?], string>,
  cmd: Cmd,
) => Promise<Result>;

export function orgCommandSender(infra: Pick<Infra, 'db' | 'client'>, campaignId: string): OrgCommandSender {
  const deps = { db: infra.db, temporal: { client: infra.client } };
  return (orgId, update, cmd) => sendOrgCommand(deps, benchLog, { campaignId, orgId }, update, cmd);
}
