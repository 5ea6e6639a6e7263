// 修改密码: a member of staff changes his own password (a generated one given by the admin, or
// one he suspects is known). The other devices he is signed in on are signed out; this one
// stays signed in.
import { api } from '../api.js';
import { h, fill, notice } from '../dom.js';
import { refusedAccount, PASSWORD_RULE } from './accounts.js';

/** The server's 401 for a wrong current password (not an ended session). */
const wrongCurrent = (problem) => /current password is wrong/.test(problem?.detail ?? '');

export async function passwordPage(main, { session }) {
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  if (!session.login || session.actor.role === 'resident') {
    fill(main, h('h1', {}, '修改密码'), notice('info', '居民使用手机验证码登录，无需设置密码。'));
    return;
  }
  const current = h('input', { name: 'current_password', type: 'password', autocomplete: 'current-password', required: true, maxlength: 128 });
  // The server counts bytes (a Chinese character is 3): the browser does not check lengths.
  const next = h('input', { name: 'new_password', type: 'password', autocomplete: 'new-password', required: true });
  const again = h('input', { name: 'again', type: 'password', autocomplete: 'new-password', required: true });
  const form = h('form', { class: 'card password-form', 'aria-labelledby': 'password-title' },
    h('h2', { id: 'password-title' }, `登录名 ${session.login}`),
    h('label', {}, '当前密码', current),
    h('label', {}, '新密码', next),
    h('label', {}, '再次输入新密码', again),
    h('p', { class: 'meta' }, `新${PASSWORD_RULE}修改后，您在其他设备上的登录将退出。`),
    h('button', { type: 'submit', class: 'primary' }, '修改密码'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    fill(status);
    if (next.value !== again.value) {
      fill(status, notice('error', '两次输入的新密码不一致。'));
      again.focus();
      return;
    }
    try {
      await api('PUT', '/api/v1/session/password', { current_password: current.value, new_password: next.value },
        {}, { refusal401: wrongCurrent });
      form.reset();
      fill(status, notice('ok', '密码已修改。您在其他设备上的登录已退出。'));
    } catch (e) {
      fill(status, notice('error', e.status === 401 && wrongCurrent(e.problem) ? '当前密码不正确。' : refusedAccount(e)));
    }
  });
  fill(main, h('h1', {}, '修改密码'), status, form);
}
