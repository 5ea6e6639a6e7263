// 居民 (H5): report a problem with a pin on the map (or "use my location"), a category, words
// and photos; see my reports and their progress in plain words; rate a closed case (不满意
// reopens it); see who my grid's leaders are (三亮: name and role, as on a 公示牌).
import { api, idempotencyKey } from '../api.js';
import { h, fill, notice, keepDraft } from '../dom.js';
import { STATE, STATE_PLAIN, when } from '../zh.js';
import { makeMap, mapDatum, datumQuery, fromWgs84 } from '../map.js';
import { photoInput, uploadPhotos } from '../photos.js';
import { followed, followButton, followedSection } from '../follow.js';

export async function reportPage(main) {
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  fill(main, h('h1', {}, '我要上报'), status);
  main.append(await reportForm({
    channel: 'app',
    onDone: (r) => fill(status, notice('ok', `上报成功，编号 ${r.id}。${STATE_PLAIN[r.state] ?? ''}`),
      h('a', { href: `/console/cases/${r.id}`, 'data-link': '' }, '查看办理进度 →')),
  }));
}

/** The report form (居民上报, or a grid worker's 巡查发现 with @p channel "patrol"). */
export async function reportForm({ channel, onDone }) {
  const { categories } = await api('GET', '/api/v1/categories');
  const reportable = categories.filter((c) => c.reportable);
  const byParent = new Map();
  for (const c of reportable) {
    const parent = categories.find((p) => p.code === c.parent)?.name ?? '其他';
    if (!byParent.has(parent)) byParent.set(parent, []);
    byParent.get(parent).push(c);
  }
  const category = h('select', { name: 'category', required: true },
    h('option', { value: '' }, '请选择问题类别'),
    [...byParent].map(([parent, list]) => h('optgroup', { label: parent }, list.map((c) => h('option', { value: c.code }, c.name)))));
  const where = h('p', { class: 'where muted' }, '请在地图上点选问题位置，或使用我的位置。');
  const leaders = h('div', { class: 'leaders', 'aria-live': 'polite' });
  const mapBox = h('div', { class: 'map pick', role: 'region', 'aria-label': '选择问题位置的地图' });
  const lon = h('input', { type: 'hidden', name: 'lon' });
  const lat = h('input', { type: 'hidden', name: 'lat' });
  const locate = h('button', { type: 'button' }, '使用我的位置');
  const photos = photoInput({ label: '照片' });
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const form = h('form', { class: 'card report-form', 'aria-label': '上报问题' },
    status,
    h('label', {}, '问题类别', category),
    h('label', {}, '问题描述', h('textarea', { name: 'text', maxlength: 4000, rows: 4, placeholder: '发生了什么？（有照片时可不填）' })),
    h('label', {}, '地点说明（可选）', h('input', { name: 'address', maxlength: 400, placeholder: '如：3栋2单元门口' })),
    h('div', { class: 'row' }, h('span', {}, '位置'), locate), where, mapBox, lon, lat, leaders,
    photos.element,
    h('button', { type: 'submit', class: 'primary' }, '提交上报'));
  const forget = keepDraft(form, `report:${channel}`);

  let map = null, marker = null;
  let follows = null;  // the grids the caller follows, read once the first place is picked
  const place = async (lngLat, { fly = false } = {}) => {
    lon.value = lngLat.lng.toFixed(6);
    lat.value = lngLat.lat.toFixed(6);
    form.dispatchEvent(new Event('input'));
    if (map) {
      marker ??= new window.maplibregl.Marker({ color: '#c0392b' });
      marker.setLngLat(lngLat).addTo(map);
      if (fly) map.jumpTo({ center: lngLat, zoom: Math.max(map.getZoom(), 16) });
    }
    where.textContent = `已选位置：${lon.value}, ${lat.value}`;
    try {
      const at = await api('GET', `/api/v1/locate?lon=${lon.value}&lat=${lat.value}${await datumQuery('&')}`);
      follows ??= await followed().catch(() => new Map());
      const said = h('div', { class: 'status', 'aria-live': 'polite' });
      fill(leaders, at.status === 'inside'
        ? h('div', { class: 'sanliang' }, h('strong', {}, '本网格负责人（三亮）'),
          h('ul', {}, (at.chain ?? []).slice().reverse().map((g) =>
            h('li', {}, `${g.level_name ?? ''} ${g.name}：`, h('strong', {}, g.leader?.name ?? '—'), ` ${g.leader?.role ?? ''} `,
              followButton(g.id, g.name, follows, said)))),
          said)
        : notice('error', '该位置不在本街道的网格内，请重新选择。'));
    } catch (e) { fill(leaders, notice('error', e.message)); }
  };
  locate.addEventListener('click', () => {
    if (!navigator.geolocation) return fill(status, notice('error', '此浏览器不能定位，请在地图上点选。'));
    navigator.geolocation.getCurrentPosition(
      // GPS is WGS-84: moved onto the map's datum (GCJ-02 under an AMap basemap).
      async (p) => place(fromWgs84({ lng: p.coords.longitude, lat: p.coords.latitude }, await mapDatum()), { fly: true }),
      () => fill(status, notice('error', '无法获取您的位置，请在地图上点选。')),
      { enableHighAccuracy: true, timeout: 10000 });
  });

  makeMap(mapBox).then((m) => {
    map = m;
    window.__wanggeMap = m;
    m.on('click', (e) => place(e.lngLat));
    if (lon.value && lat.value) place({ lng: Number(lon.value), lat: Number(lat.value) }, { fly: true });
  }, (e) => fill(mapBox, notice('error', e.message)));

  let key = idempotencyKey();  // one report per intent: a retry after a lost answer is the same one
  form.addEventListener('input', () => { key = idempotencyKey(); });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    fill(status);
    if (!lon.value) return fill(status, notice('error', '请先在地图上点选问题位置。'));
    const submit = form.querySelector('button[type=submit]');
    submit.disabled = true;
    try {
      const media = await uploadPhotos(photos.files());
      const body = {
        // In the map's datum, which the server turns into WGS-84.
        location: { lon: Number(lon.value), lat: Number(lat.value), datum: await mapDatum() },
        category: category.value,
        channel,
      };
      const text = form.elements.text.value.trim();
      const address = form.elements.address.value.trim();
      if (text) body.text = text;
      if (address) body.address = address;
      if (media.length) body.media = media;
      const r = await api('POST', '/api/v1/reports', body, { 'Idempotency-Key': key });
      forget();
      form.reset();
      lon.value = lat.value = '';
      marker?.remove();
      marker = null;
      onDone(r);
    } catch (e) {
      fill(status, notice('error', e.message));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export async function minePage(main) {
  const list = h('ul', { class: 'cards' });
  fill(main, h('h1', {}, '我的上报'), list);
  followedSection().then((s) => main.append(s), (e) => main.append(notice('error', e.message)));
  const page = await api('GET', '/api/v1/reports?limit=100');
  const mine = page.reports;  // a resident lists his own reports (and those he follows)
  fill(list, mine.length ? mine.map((r) => h('li', {}, h('a', { href: `/console/cases/${r.id}`, 'data-link': '', class: 'case-card' },
    h('span', { class: `state s-${r.state}` }, STATE[r.state] ?? r.state), ' ',
    h('strong', {}, r.category?.name ?? ''),
    h('span', { class: 'text' }, STATE_PLAIN[r.state] ?? ''),
    h('span', { class: 'meta' }, when(r.created_at)),
    (r.allowed_actions ?? []).some((a) => a.action === 'evaluate') && h('span', { class: 'flag sup' }, '待评价'))))
    : h('li', { class: 'empty' }, '您还没有上报过问题。', h('a', { href: '/console/report', 'data-link': '' }, '去上报 →')));
}
