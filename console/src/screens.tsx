/**
 * The console's screens under an org, one line each: `#/c/<campaign>/o/<org>/<key>` shows
 * `Screen` for that org; the org's heading shows a tab for each screen whose `shows(me)` holds.
 * Adding a screen: its component in its own file, its calls in `<screen>-api.ts`, one line here.
 * (The overview is `#/c/<campaign>/o/<org>` itself, and the org's own page is the `page` screen.)
 */
import type { ReactElement } from 'react';
import type { Me } from './api.ts';
import { Ledger } from './Ledger.tsx';
import { OrgPage } from './OrgPage.tsx';
import { mayTriage, Triage } from './Triage.tsx';
import { RecordScreen } from './Record.tsx';
import { Escalations } from './Escalations.tsx';
import { Directives } from './Directives.tsx';
import { Reports, showsReports } from './Reports.tsx';
import { Inspections } from './Inspections.tsx';
import type { ScreenProps } from './screen-props.ts';

export type { ScreenProps } from './screen-props.ts';

export interface ScreenDef {
  key: string;
  /** The tab's label (zh-CN). */
  label: string;
  /** Who gets the tab (the API still decides what each may do). */
  shows: (me: Me) => boolean;
  Screen: (props: ScreenProps) => ReactElement;
}

const everyone = () => true;

/** In the order of the work: the org, what its secretary fills, its ledger, the cross-level answers, supervision, the office. */
export const SCREENS: ScreenDef[] = [
  { key: 'page', label: '本级详情', shows: everyone, Screen: OrgPage },
  { key: 'record', label: '填报', shows: (me) => me.role === 'secretary' || me.role === 'organiser' || me.role === 'admin', Screen: RecordScreen },
  { key: 'ledger', label: '整改台账', shows: everyone, Screen: Ledger },
  { key: 'escalations', label: '下题上答', shows: everyone, Screen: Escalations },
  { key: 'directives', label: '上题下答', shows: everyone, Screen: Directives },
  { key: 'inspections', label: '巡回督导', shows: everyone, Screen: Inspections },
  { key: 'reports', label: '情况通报/报告', shows: showsReports, Screen: Reports },
  { key: 'triage', label: '民意分办', shows: mayTriage, Screen: Triage },
];

export const screenOf = (key: string | undefined): ScreenDef | undefined => SCREENS.find((s) => s.key === key);
