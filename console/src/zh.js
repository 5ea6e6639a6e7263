// The words the console shows (zh-CN): states, actions, roles, the fields an action asks for.
// The server's codes are English (the API's); a person reads these.

export const STATE = {
  received: '待受理', registered: '已立案', cancelled: '已取消', dispatched: '已派遣',
  accepted: '处置中', handled: '已处置', closed: '已结案', evaluated: '已评价', suspended: '已挂起',
};

/** What a resident reads of his case's progress, in plain words. */
export const STATE_PLAIN = {
  received: '已收到，等待网格中心受理', registered: '已受理，正在安排处理人',
  cancelled: '未予受理', dispatched: '已交给负责人，等待接单', accepted: '负责人正在处理',
  handled: '已处理完毕，等待核查', closed: '已办结，请您评价', evaluated: '已办结并评价',
  suspended: '暂时挂起',
};

export const ACTION = {
  register: '受理', cancel: '不予受理', dispatch: '派遣', accept: '接单', handle: '处置反馈',
  close: '核查结案', rework: '返工', evaluate: '评价', escalate: '吹哨', reassign: '改派',
  request_extension: '申请延期', approve_extension: '批准延期', reject_extension: '驳回延期',
  suspend: '挂起', resume: '恢复', self_handle: '即报即办', supervise: '督办', report_in: '报到',
  return: '退回', submit: '上报', merge: '合并为重复',
};

export const ROLE = {
  resident: '居民', grid_worker: '网格员', department_staff: '职能部门', dispatcher: '网格中心',
  supervisor: '网格总长', admin: '管理员', party_member: '党员',
};

export const FIELD = {
  reason: '原因', to: '交给', rating: '满意度', media: '照片', note: '内部备注',
  public_reply: '答复居民', extension_work_hours: '延期工时',
};

export const CHANNEL = { app: '居民上报', mini_program: '小程序', patrol: '巡查发现', hotline: '12345 热线' };

/** A ledger entry's kind, as the points page names it. */
export const POINTS_KIND = { earn: '获得', award: '表彰', redeem: '兑换', expire: '过期', reverse: '冲正' };

export const RATING = { 1: '很不满意', 2: '不满意', 3: '基本满意', 4: '满意', 5: '非常满意' };

/** The fields a refusal may name (the server's detail names them in English, in quotes). */
const FIELD_NAMES = {
  ...FIELD, text: '问题描述', category: '问题类别', location: '位置', lon: '位置', lat: '位置',
  address: '地点说明', phone: '手机号', code: '验证码', password: '密码', login: '登录名',
  attributes: '补充信息', comment: '评价意见', photos: '照片', file: '照片',
};

/** What a 400/422 says, in Chinese: the field it names, else the server's words. */
function refusal(problem) {
  const detail = problem && typeof problem.detail === 'string' ? problem.detail : '';
  if (problem?.code === 'invalid-coordinate') return '所选位置无效，请在地图上重新点选。';
  const named = [...detail.matchAll(/'([a-z_.]+)'/g)].map((m) => FIELD_NAMES[m[1].split('.').pop()]).find(Boolean);
  if (named) return `提交的内容有误：“${named}”不符合要求，请修改后重试。`;
  return '提交的内容有误' + (detail ? `（${detail}）` : '') + '，请修改后重试。';
}

/** The message a person reads for a failed request: never the server's internals. */
export function failure(status, problem) {
  switch (status) {
    case 0: return '网络连接中断，请检查网络后重试。您填写的内容已保留。';
    case 401: return '登录已过期或尚未登录，请重新登录。您填写的内容已保留。';
    case 403: return '您没有权限进行此操作。';
    case 404: return '没有找到该内容，或您无权查看。';
    case 409: return '该案件刚被他人处理过，页面已更新为最新状态，请确认后再操作。';
    case 413: return '文件太大：每张照片不超过 10 MB。';
    case 415: return '不支持的文件类型：请上传 JPEG 或 PNG 照片。';
    case 429: return '操作太频繁，请稍后再试。';
    case 400: case 422: return refusal(problem);
    default: return status >= 500 ? '服务器暂时无法处理，请稍后重试。' : `请求失败（${status}）。`;
  }
}

/** "2026-12-05T10:03:00+08:00" → "12月5日 10:03". */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getMonth() + 1}月${d.getDate()}日 ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** How long ago / until, in words: "3小时" */
export function span(ms) {
  const m = Math.round(Math.abs(ms) / 60000);
  if (m < 60) return `${m}分钟`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h}小时`;
  return `${Math.round(h / 24)}天`;
}

export function percent(x) {
  return x == null ? '—' : `${(x * 100).toFixed(1)}%`;
}
