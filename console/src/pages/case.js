// One case (案件), for every role: what was reported, where and by whom (the reporter's contact
// only when the server gives it: staff in scope and the reporter), its timeline (流转记录), and
// as buttons exactly the actions the server allows this caller now (allowed_actions). An action
// that needs more (a reason, a department, a rating, a photo) opens its form; a 409 (someone
// else acted first) reloads the case and says so, keeping what was typed.
import { api, idempotencyKey } from '../api.js';
import { h, fill, notice, keepDraft } from '../dom.js';
import { STATE, STATE_PLAIN, ACTION, FIELD, CHANNEL, RATING, ROLE, when, span } from '../zh.js';
import { uploadPhotos, photoInput } from '../photos.js';

let referenceCache = null;
async function reference() {
  referenceCache ??= api('GET', '/api/v1/categories').catch((e) => { referenceCache = null; throw e; });
  return referenceCache;
}

export async function casePage(main, { session, params }) {
  const id = params[0];
  const resident = session.actor.role === 'resident';
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const body = h('div', { class: 'case' });
  const actions = h('section', { class: 'actions', 'aria-labelledby': 'actions-title' });
  fill(main, h('p', {}, h('a', { href: resident ? '/console/mine' : (session.actor.role === 'dispatcher' || session.actor.role === 'admin' ? '/console/dispatch' : '/console/worker'), 'data-link': '' }, '← 返回列表')),
    status, body);
  let report = null;

  const load = async () => {
    const [r, ev] = await Promise.all([
      api('GET', `/api/v1/reports/${encodeURIComponent(id)}`),
      api('GET', `/api/v1/reports/${encodeURIComponent(id)}/events`),
    ]);
    report = r;
    // The case and what to do with it first; its history beside (below, on a phone).
    fill(body, h('div', {}, details(r, resident), actions), timeline(ev.events ?? [], resident));
    drawActions();
  };

  const run = async (action, fields, form) => {
    try {
      const out = await api('POST', `/api/v1/reports/${encodeURIComponent(id)}/actions`, { action, ...fields },
        { 'Idempotency-Key': idempotencyKey() });
      form?.dispatchEvent(new CustomEvent('wangge:done'));
      fill(status, notice('ok', `${ACTION[action] ?? action}成功：${STATE[out.state] ?? out.state}。`));
      await load();
    } catch (e) {
      fill(status, notice('error', e.message));
      if (e.status === 409 || e.status === 404) await load().catch(() => {});
    }
  };

  const drawActions = () => {
    const allowed = report.allowed_actions ?? [];
    const slot = h('div', { class: 'action-form' });
    fill(actions, h('h2', { id: 'actions-title' }, '操作'),
      allowed.length ? h('div', { class: 'buttons' }, allowed.map((a) => {
        const label = a.action === 'dispatch' && report.responsible?.name ? `派遣给 ${report.responsible.name}` : (ACTION[a.action] ?? a.action);
        return h('button', { type: 'button', class: a.action === allowed[0].action ? 'primary' : '', dataset: { action: a.action },
          onclick: () => open(a, slot) }, label);
      })) : h('p', { class: 'muted' }, resident ? '目前无需您操作。' : '当前没有可执行的操作。'),
      slot);
  };

  /** An action: at once when it needs nothing and is not destructive, else its form. */
  const open = (a, slot) => {
    const simple = a.needs.length === 0 && !['supervise', 'handle', 'cancel'].includes(a.action);
    if (simple) return run(a.action, {});
    fill(slot, actionForm(a, report, session, run));
    slot.querySelector('textarea, input, select')?.focus();
  };

  const onKey = (ev) => {
    if (ev.target.closest('input, textarea, select') || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const map = { r: 'register', d: 'dispatch', a: 'accept' };
    const action = map[ev.key];
    if (!action || !report) return;
    const button = actions.querySelector(`button[data-action="${action}"]`);
    if (button) { ev.preventDefault(); button.click(); }
  };
  document.addEventListener('keydown', onKey);
  await load();
  // A message's rating link (…/cases/{id}#evaluate) opens the rating form at once.
  if (location.hash === '#evaluate') actions.querySelector('button[data-action="evaluate"]')?.click();
  return () => document.removeEventListener('keydown', onKey);
}

function details(r, resident) {
  const overdue = r.overdue && r.due_at ? Date.now() - new Date(r.due_at).getTime() : 0;
  const a = r.assignment ?? {};
  return h('section', { class: 'card details', 'aria-labelledby': 'case-title' },
    h('h1', { id: 'case-title' }, r.category?.name ?? '案件', ' ',
      h('span', { class: `state s-${r.state}` }, STATE[r.state] ?? r.state),
      overdue > 0 && h('span', { class: 'flag late' }, `超期 ${span(overdue)}`),
      r.supervision?.label && h('span', { class: 'flag sup' }, r.supervision.label),
      r.duplicate_of && h('span', { class: 'flag dup' }, '疑似重复')),
    resident && h('p', { class: 'plain' }, STATE_PLAIN[r.state] ?? ''),
    h('p', { class: 'report-text' }, r.text || '（无文字描述）'),
    h('dl', {},
      r.address && [h('dt', {}, '地点'), h('dd', {}, r.address)],
      [h('dt', {}, '编号'), h('dd', {}, r.id)],
      [h('dt', {}, '来源'), h('dd', {}, `${CHANNEL[r.channel] ?? r.channel ?? ''} · ${when(r.created_at)}`)],
      a.leader?.name && [h('dt', {}, '网格'), h('dd', {}, `${a.grid ?? ''} · ${a.leader.role ?? ''} ${a.leader.name}`)],
      r.responsible?.name && [h('dt', {}, '责任方'), h('dd', {}, r.responsible.name)],
      r.assignee?.name && [h('dt', {}, '处理人'), h('dd', {}, r.assignee.name)],
      r.due_at && [h('dt', {}, '办理时限'), h('dd', {}, when(r.due_at))],
      r.duplicate_of && [h('dt', {}, '疑似重复'), h('dd', {}, h('a', { href: `/console/cases/${r.duplicate_of}`, 'data-link': '' }, r.duplicate_of))],
      r.reporter && (r.reporter.name || r.reporter.phone) && [h('dt', {}, '上报人'), h('dd', { class: 'contact' }, [r.reporter.name, r.reporter.phone].filter(Boolean).join(' '))],
      r.rating != null && [h('dt', {}, '评价'), h('dd', {}, `${RATING[r.rating] ?? r.rating}${r.rating_comment ? '：' + r.rating_comment : ''}`)]),
    (r.photos ?? []).length > 0 && h('div', { class: 'photos' }, r.photos.map((p, i) =>
      h('a', { href: p.url, target: '_blank', rel: 'noopener' }, h('img', { src: p.thumbnail_url || p.url, alt: `现场照片 ${i + 1}`, loading: 'lazy' })))));
}

function timeline(events, resident) {
  return h('section', { class: 'card', 'aria-labelledby': 'timeline-title' },
    h('h2', { id: 'timeline-title' }, resident ? '办理进度' : '流转记录'),
    h('ol', { class: 'timeline' }, events.map((e) => h('li', {},
      h('time', { datetime: e.at }, when(e.at)), ' ',
      h('strong', {}, e.action === 'evaluate' && e.to && !['closed', 'evaluated'].includes(e.to)
        ? '评价：不满意，退回重新处理' : (ACTION[e.action] ?? e.state_label ?? e.action)),
      e.to && ` → ${STATE[e.to] ?? e.to}`,
      e.role && !resident && h('span', { class: 'muted' }, ` （${ROLE[e.role] ?? e.role}${e.actor && e.role !== 'resident' ? ' ' + e.actor : ''}）`),
      e.public_reply && h('p', { class: 'reply' }, `答复：${e.public_reply}`),
      e.note && h('p', { class: 'note' }, `备注：${e.note}`),
      (e.photos ?? []).length > 0 && h('div', { class: 'photos small' }, e.photos.map((p, i) =>
        h('a', { href: p.url, target: '_blank', rel: 'noopener' }, h('img', { src: p.thumbnail_url || p.url, alt: `处置照片 ${i + 1}`, loading: 'lazy' }))))))));
}

/** The form of an action: its required fields, and for staff a note and a reply. */
function actionForm(a, report, session, run) {
  const staff = session.actor.role !== 'resident';
  const needs = new Set(a.needs);
  if (a.action === 'supervise') needs.add('note');
  const form = h('form', { class: 'card', 'aria-label': ACTION[a.action] ?? a.action });
  const parts = [h('h3', {}, ACTION[a.action] ?? a.action)];
  const photos = photoInput({ required: needs.has('media'), label: a.action === 'evaluate' ? null : '现场照片', camera: staff });
  if (needs.has('rating')) {
    parts.push(h('fieldset', {}, h('legend', {}, '您对处理结果满意吗？'),
      [5, 4, 3, 2, 1].map((n) => h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'rating', value: String(n), required: true }), RATING[n]))),
      h('label', {}, '评价（可选）', h('textarea', { name: 'comment', maxlength: 1000, rows: 2 })));
  }
  if (needs.has('to')) {
    const select = h('select', { name: 'to', required: true }, h('option', { value: '' }, '请选择部门'));
    parts.push(h('label', {}, a.action === 'escalate' ? '牵头部门（吹哨）' : '交给', select));
    reference().then((ref) => {
      for (const d of ref.departments ?? []) select.append(h('option', { value: d.id }, d.name));
      if (a.action === 'escalate') {
        const co = h('fieldset', { class: 'co' }, h('legend', {}, '协办部门（可多选）'),
          (ref.departments ?? []).map((d) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'co', value: d.id }), d.name)));
        select.closest('label').after(co);
      }
    }).catch(() => {});
  }
  if (needs.has('extension_work_hours')) parts.push(h('label', {}, '延期工时（小时）', h('input', { name: 'extension_work_hours', type: 'number', min: 1, max: 2000, required: true })));
  if (needs.has('reason')) parts.push(h('label', {}, FIELD.reason, h('textarea', { name: 'reason', maxlength: 1000, rows: 3, required: true })));
  if (['handle', 'self_handle', 'accept', 'close'].includes(a.action) || needs.has('media')) parts.push(photos.element);
  if (staff) {
    parts.push(h('label', {}, needs.has('note') ? (a.action === 'supervise' ? '督办意见' : FIELD.note) : `${FIELD.note}（可选，居民看不到）`,
      h('textarea', { name: 'note', maxlength: 4000, rows: 2, required: needs.has('note') })));
    if (['handle', 'close', 'cancel', 'self_handle', 'return'].includes(a.action))
      parts.push(h('label', {}, `${FIELD.public_reply}（可选，居民可见）`, h('textarea', { name: 'public_reply', maxlength: 4000, rows: 2 })));
  }
  parts.push(h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, `确认${ACTION[a.action] ?? ''}`)));
  form.append(...parts);
  const forget = keepDraft(form, `${report.id}:${a.action}`);
  form.addEventListener('wangge:done', forget);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const submit = form.querySelector('button[type=submit]');
    submit.disabled = true;
    try {
      const fields = {};
      const v = (name) => form.elements[name]?.value?.trim();
      if (needs.has('reason')) fields.reason = v('reason');
      if (needs.has('to')) fields.to = { kind: 'department', id: v('to') };
      if (a.action === 'escalate') fields.co = [...form.querySelectorAll('input[name=co]:checked')].map((x) => x.value).filter((x) => x !== v('to'));
      if (needs.has('rating')) {
        fields.rating = Number(form.querySelector('input[name=rating]:checked')?.value);
        if (v('comment')) fields.note = v('comment');
      }
      if (needs.has('extension_work_hours')) fields.extension_work_hours = Number(v('extension_work_hours'));
      if (staff && v('note')) fields.note = v('note');  // a resident's is his rating comment
      if (staff && v('public_reply')) fields.public_reply = v('public_reply');
      const media = await uploadPhotos(photos.files());
      if (media.length) fields.media = media;
      await run(a.action, fields, form);
    } catch (e) {
      form.prepend(notice('error', e.message));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
