import { useState, type FormEvent } from 'react';
import { api, type Me } from './api.ts';

/** Paste the token an organiser issued; the browser then keeps only an HttpOnly session cookie. */
export function SignIn({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await api.signIn(token.trim()));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="page signin">
      <h1>主题教育工作台 · 登录</h1>
      <form onSubmit={(e) => void submit(e)} className="card">
        <label htmlFor="token">访问令牌</label>
        <input
          id="token"
          name="token"
          type="password"
          autoFocus
          autoComplete="off"
          spellCheck={false}
          required
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="ce_xxxxxxxxxxxx_…"
        />
        <p className="hint">
          令牌由上级组织者签发（绑定一个组织和一个角色：支部书记、组织者、督导或运维），形如 <code>ce_</code> 开头的一串字符；管理员令牌见{' '}
          <code>npm start</code> 的输出。 登录后浏览器只保存一个会话 Cookie（脚本无法读取），不保存令牌；退出登录即在服务器端结束会话。
        </p>
        {error && (
          <p role="alert" className="error">
            登录失败：{error}
          </p>
        )}
        <button type="submit" disabled={busy || !token.trim()}>
          {busy ? '正在登录…' : '登录'}
        </button>
      </form>
      <p className="public-link">
        群众反映意见不需要登录：请使用 <a href="#/public">民意直通车</a>（给活动办公室留言，凭查询码查看办理进度）。
      </p>
    </main>
  );
}
