import { useEffect, useState } from 'react';
import { api, ApiError, type Me } from './api.ts';
import { SESSION_ENDED, useHash } from './hooks.ts';
import { Overview } from './Overview.tsx';
import { publicRoute } from './citizens-words.ts';
import { PublicPage } from './PublicPage.tsx';
import { overviewHref, screenHref } from './routes.ts';
import { SCREENS, screenOf } from './screens.tsx';
import { SignIn } from './SignIn.tsx';
import { CAMPAIGN_STATUS, ROLE } from './zh.ts';

/** The citizens' pages (民意直通车, `#/public/…`) need no sign-in: shown before, and without, any `/session` call. */
export function App() {
  const hash = useHash();
  return publicRoute(hash) ? <PublicPage hash={hash} /> : <Console />;
}

function Console() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [failure, setFailure] = useState<string>();
  const hash = useHash();

  useEffect(() => {
    api.me().then(setMe, (err: unknown) => {
      if (err instanceof ApiError && err.status === 401) setMe(null);
      else setFailure(err instanceof Error ? err.message : String(err));
    });
    const ended = () => setMe(null);
    window.addEventListener(SESSION_ENDED, ended);
    return () => window.removeEventListener(SESSION_ENDED, ended);
  }, []);

  if (failure)
    return (
      <main className="page">
        <p role="alert">无法连接服务：{failure}</p>
      </main>
    );
  if (me === undefined)
    return (
      <main className="page">
        <p>加载中…</p>
      </main>
    );
  if (me === null)
    return (
      <SignIn
        onSignedIn={(who) => {
          setMe(who);
          location.hash = '#/';
        }}
      />
    );

  // A screen may carry its own state after `?` (the ledger's open item): the route is what comes before it.
  const route = /^\/c\/([^/]+)\/o\/([^/]+)(?:\/([a-z-]+))?$/.exec(hash.split('?')[0]!);
  const screen = screenOf(route?.[3]);
  const campaignId = route ? decodeURIComponent(route[1]!) : me.campaigns[0]?.id;
  const campaign = me.campaigns.find((c) => c.id === campaignId);
  if (!route && campaign) {
    location.replace(overviewHref(campaign.id, campaign.startOrgId));
    return null;
  }

  const signOut = async () => {
    await api.signOut().catch(() => undefined);
    setMe(null);
    location.hash = '#/';
  };

  return (
    <>
      <header className="bar">
        <a className="brand" href="#/">
          主题教育工作台
        </a>
        {me.campaigns.length > 0 && (
          <label className="picker">
            <span>活动</span>
            <select
              value={campaignId}
              onChange={(e) => {
                const c = me.campaigns.find((x) => x.id === e.target.value)!;
                location.hash = overviewHref(c.id, c.startOrgId);
              }}
            >
              {me.campaigns.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}（{CAMPAIGN_STATUS[c.status] ?? c.status}）
                </option>
              ))}
            </select>
          </label>
        )}
        <span className="who" data-testid="who">
          {ROLE[me.role] ?? me.role}
          {me.orgName ? ` · ${me.orgName}` : ''}
        </span>
        <button type="button" className="secondary" onClick={() => void signOut()}>
          退出登录
        </button>
      </header>
      <main className="page">
        {campaign && route && (
          <nav className="tabs" aria-label="本级功能">
            <a href={overviewHref(campaign.id, decodeURIComponent(route[2]!))} aria-current={!screen ? 'page' : undefined}>
              总览
            </a>
            {SCREENS.filter((s) => s.shows(me)).map((s) => (
              <a key={s.key} href={screenHref(campaign.id, decodeURIComponent(route[2]!), s.key)} aria-current={screen?.key === s.key ? 'page' : undefined}>
                {s.label}
              </a>
            ))}
          </nav>
        )}
        {!campaign || !route ? (
          <p>没有可查看的活动：令牌所属组织不在任何活动的范围内。</p>
        ) : screen ? (
          <screen.Screen me={me} campaignId={campaign.id} orgId={decodeURIComponent(route[2]!)} />
        ) : (
          <Overview me={me} campaignId={campaign.id} orgId={decodeURIComponent(route[2]!)} />
        )}
      </main>
    </>
  );
}
