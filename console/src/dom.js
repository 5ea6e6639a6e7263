// Building the page: elements from tags, attributes and children. Text is always a text node
// (a report's "<script>" is shown, never run); no innerHTML anywhere.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);  // CSSOM: allowed by the CSP
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces the children of @p el. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A message strip: role=alert for errors, status for news. */
export function notice(kind, text) {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

/** Keeps what is typed in @p form (its named fields) across a lost session or connection:
 *  saved on each input under @p key in this tab, restored when the form is built again. */
export function keepDraft(form, key) {
  const store = window.sessionStorage;
  const saved = JSON.parse(store.getItem(`draft:${key}`) || '{}');
  for (const el of form.elements) {
    if (el.name && el.type !== 'file' && el.type !== 'password' && saved[el.name] != null) {
      if (el.type === 'radio') el.checked = saved[el.name] === el.value;
      else el.value = saved[el.name];
    }
  }
  form.addEventListener('input', () => {
    const data = {};
    for (const el of form.elements) {
      if (!el.name || el.type === 'file' || el.type === 'password') continue;
      if (el.type === 'radio') { if (el.checked) data[el.name] = el.value; } else data[el.name] = el.value;
    }
    store.setItem(`draft:${key}`, JSON.stringify(data));
  });
  return () => store.removeItem(`draft:${key}`);
}
