/**
 * 民意直通车 for the citizen: no sign-in, no session (App renders this before it asks
 * `/session`). `#/public/<campaign>` sends a message and shows its tracking code;
 * `#/public/<campaign>/track[/<code>]` shows what became of it. Phone first.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactElement } from 'react';
import { citizensApi, newKey, Refusal, type PublicCampaign, type Tracked } from './citizens-api.ts';
import { publicHref, publicRoute, SENDER_STATUS, sendRefusal, TRACK_STEPS, trackHref, trackRefusal, type Words } from './citizens-words.ts';
import { cst } from './time.ts';

/** Suggested categories (the office's routing rules match the words exactly; any other is triaged by hand). */
const CATEGORIES = ['形式主义', '官僚主义', '作风纪律', '民生服务', '环境卫生', '交通出行', '教育医疗', '其他'];
const TEXT_MAX = 2000;
/** How often an open tracking page asks again (the route allows one request every 2 s per address). */
const TRACK_POLL_MS = 10_000;

export function PublicPage({ hash }: { hash: string }) {
  const route = publicRoute(hash)!;
  useEffect(() => {
    const before = document.title;
    document.title = '民意直通车';
    return () => {
      document.title = before;
    };
  }, []);
  return (
    <div className="public">
      <header className="public-bar">
        <span className="brand">民意直通车</span>
        <span className="public-sub">主题教育 · 群众意见反映</span>
      </header>
      <main className="public-page">
        {route.view === 'landing' ? (
          <Landing />
        ) : route.view === 'send' ? (
          <Send campaignId={route.campaignId} />
        ) : (
          <Track key={route.code} campaignId={route.campaignId} code={route.code} />
        )}
        <footer className="public-foot">
          <p>
            不需要注册或登录，页面不会记录您的身份。
            {route.view !== 'landing' && (
              <>
                活动编号：<code>{route.campaignId}</code>。
              </>
            )}
          </p>
          <p>
            <a href="#/">工作人员登录工作台</a>
          </p>
        </footer>
      </main>
    </div>
  );
}

/** `#/public` with no campaign: the campaigns taking messages now, by name; an id typed by hand as a fallback. */
function Landing() {
  const [id, setId] = useState('');
  const [campaigns, setCampaigns] = useState<PublicCampaign[]>();
  useEffect(() => {
    citizensApi.campaigns().then(setCampaigns, () => setCampaigns([]));
  }, []);
  return (
    <section className="card" aria-labelledby="landing-title">
      <h1 id="landing-title">给主题教育办公室留言</h1>
      {campaigns === undefined ? (
        <p>正在查询可以留言的活动…</p>
      ) : campaigns.length > 0 ? (
        <>
          <p>请选择您要留言的活动：</p>
          <ul className="campaign-list" data-testid="public-campaigns">
            {campaigns.map((c) => (
              <li key={c.id}>
                <a className="button-link big" href={publicHref(c.id)}>
                  {c.name}
                </a>
                <span className="hint">
                  {' '}
                  {c.startsOn} 至 {c.endsOn}
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>目前没有正在接受留言的活动。</p>
      )}
      <details>
        <summary>已有活动办公室公布的活动编号？</summary>
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            if (id.trim()) location.hash = publicHref(id.trim());
          }}
        >
          <label>
            活动编号
            <input value={id} onChange={(e) => setId(e.target.value)} required autoComplete="off" spellCheck={false} />
          </label>
          <button type="submit">前往留言</button>
        </form>
      </details>
    </section>
  );
}

/** A field's refusal, beside it; its id is what the field's `aria-describedby` names. */
function FieldError({ id, words }: { id: string; words: Words | undefined }) {
  return words ? (
    <span id={id} className="error field-error" role="alert">
      {words.text}
    </span>
  ) : null;
}

function Send({ campaignId }: { campaignId: string }) {
  const [category, setCategory] = useState('');
  const [area, setArea] = useState('');
  const [text, setText] = useState('');
  const [contact, setContact] = useState('');
  // One key per message as typed: a retry of the same message (a dropped connection, a second tap) sends it once.
  const [key, setKey] = useState(newKey);
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<Words>();
  const [sent, setSent] = useState<{ code: string; receivedAt: string }>();
  const edit = (set: (v: string) => void) => (v: string) => {
    set(v);
    setKey(newKey());
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setRefused(undefined);
    try {
      const answer = await citizensApi.send(
        campaignId,
        { category: category.trim(), area: area.trim(), text: text.trim(), ...(contact.trim() ? { contact: contact.trim() } : {}) },
        key,
      );
      setSent({ code: answer.trackingCode, receivedAt: answer.receivedAt });
    } catch (err) {
      setRefused(err instanceof Refusal ? sendRefusal(err) : { text: String(err) });
    } finally {
      setBusy(false);
    }
  };
  if (sent) {
    return (
      <Sent
        campaignId={campaignId}
        code={sent.code}
        receivedAt={sent.receivedAt}
        onAnother={() => {
          setSent(undefined);
          setText('');
          setKey(newKey());
        }}
      />
    );
  }
  const on = (field: string) => (refused?.field === field ? refused : undefined);
  const described = (field: string) => (on(field) ? { 'aria-describedby': `err-${field}`, 'aria-invalid': true as const } : {});
  return (
    <>
      <section className="card" aria-labelledby="send-title">
        <h1 id="send-title">给主题教育办公室留言</h1>
        <ol className="next-steps" aria-label="提交后会怎样">
          <li>
            提交后您会得到一个<strong>查询码</strong>，凭它随时查看办理进度。
          </li>
          <li>
            活动办公室<strong>当天</strong>把留言交给负责的单位。
          </li>
          <li>
            该单位把它列入<strong>整改台账</strong>，整改完成并经上级核验后才销号（不整改不销号）。
          </li>
        </ol>
        <p className="hint">
          已经留过言？<a href={trackHref(campaignId)}>用查询码查看办理进度</a>
        </p>
      </section>
      <form className="card form public-form" aria-labelledby="send-form-title" onSubmit={(e) => void submit(e)}>
        <h2 id="send-form-title">填写留言</h2>
        <label>
          类别（必填）
          <input
            list="public-categories"
            value={category}
            onChange={(e) => edit(setCategory)(e.target.value)}
            required
            maxLength={64}
            autoComplete="off"
            placeholder="如：形式主义、民生服务"
            {...described('category')}
          />
          <datalist id="public-categories">
            {CATEGORIES.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
          <FieldError id="err-category" words={on('category')} />
        </label>
        <label>
          所在区域（必填）
          <input
            value={area}
            onChange={(e) => edit(setArea)(e.target.value)}
            required
            maxLength={64}
            autoComplete="address-level2"
            placeholder="如：和平区、某街道"
            {...described('area')}
          />
          <FieldError id="err-area" words={on('area')} />
        </label>
        <label>
          留言内容（必填）
          <textarea
            value={text}
            onChange={(e) => edit(setText)(e.target.value)}
            required
            maxLength={TEXT_MAX}
            rows={6}
            placeholder="请写清楚是什么事、在哪里、从什么时候开始。"
            {...described('text')}
          />
          <span className="counter" aria-live="polite">
            {text.length} / {TEXT_MAX} 字
          </span>
          <FieldError id="err-text" words={on('text')} />
        </label>
        <label>
          联系方式（选填：电话或邮箱，便于回访；可匿名）
          <input
            value={contact}
            onChange={(e) => edit(setContact)(e.target.value)}
            maxLength={200}
            autoComplete="tel"
            inputMode="text"
            {...described('contact')}
          />
          <FieldError id="err-contact" words={on('contact')} />
        </label>
        {refused && !refused.field && (
          <p role="alert" className="error" data-testid="send-refusal">
            {refused.text}
          </p>
        )}
        <button type="submit" className="big" disabled={busy}>
          {busy ? '正在提交…' : '提交留言'}
        </button>
      </form>
    </>
  );
}

/** The answer: the code, large, with a copy button, and what to do with it. */
function Sent({ campaignId, code, receivedAt, onAnother }: { campaignId: string; code: string; receivedAt: string; onAnother: () => void }) {
  const [copied, setCopied] = useState<string>();
  const field = useRef<HTMLInputElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code);
      setCopied('已复制查询码，请粘贴保存到备忘录或短信里。');
    } catch {
      // Over plain http (no secure context) there is no clipboard API: select it for the phone's own copy.
      field.current?.select();
      const ok = document.execCommand?.('copy');
      setCopied(ok ? '已复制查询码，请粘贴保存。' : '已选中查询码，请长按或按 Ctrl+C 复制。');
    }
  };
  return (
    <section className="card sent" aria-labelledby="sent-title">
      <h1 id="sent-title" tabIndex={-1} ref={heading}>
        留言已收到
      </h1>
      <p>收到时间：{cst(receivedAt)}（北京时间）</p>
      <label className="code-label" htmlFor="tracking-code">
        您的查询码
      </label>
      <input
        id="tracking-code"
        className="code"
        readOnly
        value={code}
        ref={field}
        data-testid="tracking-code"
        onFocus={(e) => e.target.select()}
        spellCheck={false}
      />
      <div className="inline">
        <button type="button" className="big" onClick={() => void copy()}>
          复制查询码
        </button>
        <a className="button-link big" href={trackHref(campaignId, code)}>
          查看办理进度
        </a>
      </div>
      {copied && (
        <p role="status" className="ok">
          {copied}
        </p>
      )}
      <p className="warn">
        <strong>请务必保存好查询码。</strong>它是查看进度的唯一凭证：我们只保存它的加密摘要，丢失后无法找回，也不能凭手机号查询。
      </p>
      <h2>接下来会怎样</h2>
      <p>活动办公室会在今天之内把留言交给负责的单位；该单位把它列入整改台账，整改并经上级核验后销号。每一步都可以用查询码查看。</p>
      <button type="button" className="secondary" onClick={onAnother}>
        再写一条留言
      </button>
    </section>
  );
}

function Track({ campaignId, code }: { campaignId: string; code: string }) {
  const [typed, setTyped] = useState(code);
  const [state, setState] = useState<{ tracked?: Tracked; refused?: Words; at?: number; busy?: boolean }>({});
  const load = useCallback(async () => {
    if (!code) return;
    setState((s) => ({ ...s, busy: true }));
    try {
      setState({ tracked: await citizensApi.track(campaignId, code), at: Date.now() });
    } catch (err) {
      const refused = err instanceof Refusal ? trackRefusal(err) : { text: String(err) };
      // A refusal to ask again (429, offline) keeps the last answer on screen.
      setState((s) => ({ ...(err instanceof Refusal && err.status === 404 ? {} : s), refused, busy: false }));
    }
  }, [campaignId, code]);
  useEffect(() => {
    void load();
    const timer = setInterval(() => {
      if (!document.hidden) void load();
    }, TRACK_POLL_MS);
    return () => clearInterval(timer);
  }, [load]);
  const go = (e: FormEvent) => {
    e.preventDefault();
    const c = typed.trim();
    if (c === code) void load();
    else location.hash = trackHref(campaignId, c);
  };
  const { tracked, refused } = state;
  const words = tracked ? SENDER_STATUS[tracked.status] : undefined;
  return (
    <>
      <form className="card form public-form" aria-labelledby="track-title" onSubmit={go}>
        <h1 id="track-title">查询办理进度</h1>
        <label>
          查询码
          <input
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            required
            maxLength={64}
            autoComplete="off"
            spellCheck={false}
            className="code-input"
            placeholder="提交留言后得到的 24 位查询码"
            {...(refused?.field === 'code' ? { 'aria-describedby': 'err-code', 'aria-invalid': true } : {})}
          />
          {refused?.field === 'code' && (
            <span id="err-code" className="error field-error" role="alert">
              {refused.text}
            </span>
          )}
        </label>
        <button type="submit" className="big" disabled={state.busy}>
          {state.busy ? '正在查询…' : '查询'}
        </button>
        {refused && !refused.field && (
          <p role="alert" className="error">
            {refused.text}
          </p>
        )}
      </form>
      {tracked && words && (
        <section className="card" aria-labelledby="status-title" aria-live="polite">
          <h2 id="status-title">办理进度</h2>
          <p className={`status-big s-${tracked.status}`} data-testid="tracked-status">
            {words.label}
          </p>
          <p>{words.says}</p>
          <Steps tracked={tracked} />
          <p className="hint">
            每 10 秒自动更新{state.at && `，更新于 ${cst(state.at)}（北京时间）`}。为保护隐私，这里只显示进度和日期，不显示留言内容和办理单位。
          </p>
          <p className="hint">可以把本页加入书签，下次直接打开查看；网址里含有您的查询码，请不要转发给他人。</p>
        </section>
      )}
      <p>
        <a href={publicHref(campaignId)}>写一条新留言</a>
      </p>
    </>
  );
}

function Steps({ tracked }: { tracked: Tracked }) {
  const items: ReactElement[] = TRACK_STEPS.map((s) => {
    const at = tracked[s.key];
    return (
      <li key={s.key} className={at ? 'done' : 'todo'}>
        <span className="step">{s.label}</span>
        <span className="when">{at ? cst(at) : '尚未'}</span>
      </li>
    );
  });
  if (tracked.flaggedAt) {
    items.splice(
      1,
      0,
      <li key="flagged" className="flagged">
        <span className="step">当天未分办，已标记超时</span>
        <span className="when">{cst(tracked.flaggedAt)}</span>
      </li>,
    );
  }
  return (
    <ol className="track-steps" aria-label="办理步骤">
      {items}
    </ol>
  );
}
