// Photos: a file input that on a phone opens the camera, previews before sending, and uploads
// each chosen photo (POST /api/v1/media) into the ids a report or action cites.
import { api } from './api.js';
import { h, fill } from './dom.js';

/** @p camera: a phone opens its camera at once (a worker's on-site photo); else the gallery too. */
export function photoInput({ required = false, label = '照片', camera = false } = {}) {
  const input = h('input', { type: 'file', name: 'photo', accept: 'image/jpeg,image/png,image/webp', capture: camera ? 'environment' : null, multiple: true, required });
  const previews = h('div', { class: 'photos small' });
  input.addEventListener('change', () => {
    fill(previews, [...input.files].slice(0, 10).map((f) => {
      const url = URL.createObjectURL(f);
      return h('img', { src: url, alt: `待上传：${f.name}`, onload: () => URL.revokeObjectURL(url) });
    }));
  });
  const element = label == null ? h('span') : h('label', { class: 'photo-input' }, `${label}${required ? '（必填）' : '（可选）'}`, input, previews);
  return { element, files: () => [...(input.files ?? [])].slice(0, 10) };
}

/** Uploads @p files in turn; answers their media ids. @throws ApiError naming the failure. */
export async function uploadPhotos(files) {
  const ids = [];
  for (const f of files) {
    const body = new FormData();
    body.append('file', f, f.name);
    const m = await api('POST', '/api/v1/media', body);
    ids.push(m.id);
  }
  return ids;
}
