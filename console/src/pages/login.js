// 登录: staff by login and password, residents by phone and a one-time SMS code.
import { api } from '../api.js';
import { h, fill, notice } from '../dom.js';
import { navigate, refreshSession, home } from '../main.js';

export async function loginPage(main, { query }) {
  const next = safeNext(query.get('next'));
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const done = async () => {
    await refreshSession();
    navigate(next || home(), { replace: true });
  };
  const fail = (e) => fill(status, notice('error', e.message));

  const staff = h('form', { class: 'card', 'aria-labelledby': 'staff-title' },
    h('h2', { id: 'staff-title' }, '工作人员登录'),
    h('label', {}, '登录名', h('input', { name: 'login', autocomplete: 'username', required: true, maxlength: 64 })),
    h('label', {}, '密码', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: 128 })),
    h('button', { type: 'submit', class: 'primary' }, '登录'));
  staff.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    fill(status);
    try {
      await api('POST', '/api/v1/session', { login: staff.login.value.trim(), password: staff.password.value });
      await done();
    } catch (e) {
      fail(e.status === 401 ? { message: '登录名或密码不正确。' } : e);
    }
  });

  const phone = h('input', { name: 'phone', type: 'tel', autocomplete: 'tel', inputmode: 'tel', required: true, maxlength: 32 });
  const code = h('input', { name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: 6, required: true });
  const send = h('button', { type: 'button' }, '获取验证码');
  send.addEventListener('click', async () => {
    fill(status);
    if (!phone.value.trim()) { phone.focus(); return; }
    try {
      const r = await api('POST', '/api/v1/session/code', { phone: phone.value.trim() });
      fill(status, notice('ok', `验证码已发送，${Math.round((r?.expires_in_s ?? 300) / 60)} 分钟内有效。`));
      countdown(send, r?.resend_after_s ?? 60);
      code.focus();
    } catch (e) { fail(e); }
  });
  const resident = h('form', { class: 'card', 'aria-labelledby': 'resident-title' },
    h('h2', { id: 'resident-title' }, '居民登录'),
    h('label', {}, '手机号', phone),
    h('div', { class: 'row' }, h('label', {}, '验证码', code), send),
    h('button', { type: 'submit', class: 'primary' }, '登录'));
  resident.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    fill(status);
    try {
      await api('POST', '/api/v1/session/phone', { phone: phone.value.trim(), code: code.value.trim() });
      await done();
    } catch (e) {
      fail(e.status === 401 ? { message: '验证码不正确或已过期。' } : e);
    }
  });

  fill(main, h('h1', {}, '登录'), status, h('div', { class: 'login-grid' }, resident, staff));
}

/** Only our own console paths: a crafted ?next= must not send anyone elsewhere. */
function safeNext(next) {
  return next && /^\/console\/[A-Za-z0-9/_.:?=&%#-]*$/.test(next) && !next.startsWith('/console/login') ? next : '';
}

function countdown(button, seconds) {
  button.disabled = true;
  let left = seconds;
  const tick = () => {
    if (left <= 0 || !button.isConnected) { button.disabled = false; button.textContent = '获取验证码'; return; }
    button.textContent = `${left--} 秒后可重发`;
    setTimeout(tick, 1000);
  };
  tick();
}
