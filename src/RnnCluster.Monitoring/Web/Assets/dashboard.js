// RnnCluster's dashboard: polls the node's JSON API and draws line charts as SVG (no library: the
// charts are a few polylines with axes, and the node serves everything itself without a JS build).
'use strict';
const RnnDashboard = (() => {
  const NS = 'http://www.w3.org/2000/svg';
  const W = 600, H = 320, M = { left: 62, right: 14, top: 12, bottom: 40 };
  const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

  function el(name, attrs, text) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function finite(v) { return typeof v === 'number' && Number.isFinite(v); }

  // Round tick values covering [lo, hi]: 1/2/5 × 10^k steps on a linear axis, 1/2/5 per decade on a log one.
  function ticks(lo, hi, log) {
    if (log) {
      const out = [];
      for (let k = Math.floor(lo) - 1; k <= Math.ceil(hi); k++)
        for (const m of [1, 2, 5]) { const t = Math.log10(m) + k; if (t >= lo - 1e-9 && t <= hi + 1e-9) out.push(t); }
      return out.length >= 2 ? out : [lo, hi];
    }
    const span = hi - lo || 1, raw = span / 5, p = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map(m => m * p).find(s => span / s <= 6);
    const out = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(+t.toPrecision(12));
    return out;
  }

  function label(v) {
    const a = Math.abs(v);
    return a >= 1e4 ? v.toLocaleString('en-US', { maximumFractionDigits: 0 }) : a >= 100 ? v.toFixed(0) : +v.toPrecision(3) + '';
  }

  // spec: { series: [{ name, points: [[x, y]], color, width, markers }], logY, hlines: [{ y, name }],
  //         marks: [{ x, text, color }], yMax, xLabel }
  function draw(svg, spec) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const tf = y => spec.logY ? Math.log10(y) : y;
    const all = [];
    let count = 0;
    for (const s of spec.series) {
      s.pts = s.points.filter(p => finite(p[0]) && finite(p[1]) && (!spec.logY || p[1] > 0)).map(p => [p[0], tf(p[1])]);
      count += s.pts.length;
      all.push(...s.pts);
    }
    for (const h of spec.hlines || []) if (finite(h.y) && (!spec.logY || h.y > 0)) all.push([NaN, tf(h.y)]);
    svg.setAttribute('data-points', count);
    if (count === 0) {
      svg.appendChild(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', fill: '#999' }, 'no data yet'));
      return;
    }
    const xs = all.map(p => p[0]).filter(finite), ys = all.map(p => p[1]);
    let x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
    if (spec.yMax !== undefined && finite(spec.yMax)) y1 = Math.min(y1, tf(spec.yMax));
    if (!spec.logY && spec.zeroBased !== false) y0 = Math.min(0, y0);
    if (x1 === x0) x1 = x0 + 1;
    if (y1 === y0) { y1 += spec.logY ? 0.1 : Math.abs(y1) * 0.1 + 1; y0 -= spec.logY ? 0.1 : 0; }
    const pad = (y1 - y0) * 0.05; y1 += pad; if (spec.logY) y0 -= pad;
    const px = x => M.left + (x - x0) / (x1 - x0) * (W - M.left - M.right);
    const py = y => H - M.bottom - (Math.min(y, y1) - y0) / (y1 - y0) * (H - M.top - M.bottom);
    const axes = el('g', { 'font-size': 11, fill: '#444' });
    for (const t of ticks(y0, y1, spec.logY)) {
      axes.appendChild(el('line', { x1: M.left, x2: W - M.right, y1: py(t), y2: py(t), stroke: '#e5e5e5' }));
      axes.appendChild(el('text', { x: M.left - 6, y: py(t) + 4, 'text-anchor': 'end' }, label(spec.logY ? Math.pow(10, t) : t)));
    }
    for (const t of ticks(x0, x1, false)) {
      axes.appendChild(el('line', { x1: px(t), x2: px(t), y1: M.top, y2: H - M.bottom, stroke: '#f0f0f0' }));
      axes.appendChild(el('text', { x: px(t), y: H - M.bottom + 15, 'text-anchor': 'middle' }, label(t)));
    }
    axes.appendChild(el('rect', { x: M.left, y: M.top, width: W - M.left - M.right, height: H - M.top - M.bottom, fill: 'none', stroke: '#999' }));
    axes.appendChild(el('text', { x: (M.left + W - M.right) / 2, y: H - 6, 'text-anchor': 'middle' }, spec.xLabel || 'epoch'));
    svg.appendChild(axes);
    for (const h of spec.hlines || []) {
      if (!finite(h.y)) continue;
      svg.appendChild(el('line', { x1: M.left, x2: W - M.right, y1: py(tf(h.y)), y2: py(tf(h.y)), stroke: '#888', 'stroke-dasharray': '6 4' }));
    }
    for (const m of spec.marks || []) {
      svg.appendChild(el('text', { x: px(m.x), y: M.top + 12, 'text-anchor': 'middle', fill: m.color, 'font-size': 13 }, m.text));
      svg.appendChild(el('line', { x1: px(m.x), x2: px(m.x), y1: M.top + 14, y2: H - M.bottom, stroke: m.color, 'stroke-dasharray': '2 3' }));
    }
    spec.series.forEach((s, i) => {
      const color = s.color || COLORS[i % COLORS.length];
      if (s.pts.length > 1) {
        svg.appendChild(el('polyline', { points: s.pts.map(p => px(p[0]).toFixed(1) + ',' + py(p[1]).toFixed(1)).join(' '),
          fill: 'none', stroke: color, 'stroke-width': s.width || 1.2, 'stroke-opacity': s.opacity || 1, class: 'series', 'data-name': s.name }));
      }
      if (s.markers || s.pts.length === 1)
        for (const p of s.pts) svg.appendChild(el('circle', { cx: px(p[0]), cy: py(p[1]), r: 3.5, fill: color }));
    });
    const legend = el('g', { 'font-size': 11 });
    const entries = spec.series.map((s, i) => [s.name, s.color || COLORS[i % COLORS.length], false])
      .concat((spec.hlines || []).filter(h => finite(h.y)).map(h => [h.name, '#888', true]));
    entries.forEach(([name, color, dashed], i) => {
      const y = M.top + 14 + i * 15, x = W - M.right - 170;
      legend.appendChild(el('line', { x1: x, x2: x + 18, y1: y - 4, y2: y - 4, stroke: color, 'stroke-width': 2, 'stroke-dasharray': dashed ? '5 3' : '' }));
      legend.appendChild(el('text', { x: x + 23, y: y }, name));
    });
    svg.appendChild(legend);
  }

  async function getJson(url) {
    const response = await fetch(url, { cache: 'no-store' });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }

  function cell(row, text) { const td = document.createElement('td'); td.textContent = text; row.appendChild(td); return td; }
  function fixed(v, digits) { return finite(v) ? v.toFixed(digits) : (v === undefined || v === null || v === 'NaN' ? '–' : v === 'Infinity' ? '∞' : String(v)); }

  function fillJobs(tbody, jobs) {
    tbody.replaceChildren();
    for (const j of jobs) {
      const row = document.createElement('tr');
      const a = document.createElement('a'); a.href = '/jobs/' + encodeURIComponent(j.id); a.textContent = j.id;
      cell(row, '').appendChild(a);
      [j.state, j.mode, j.epoch, j.step, fixed(j.tokens_per_sec, 0), fixed(j.train_ppl, 2), fixed(j.valid_ppl, 2), j.workers, j.reason || '']
        .forEach(v => cell(row, v === undefined ? '' : v));
      tbody.appendChild(row);
    }
  }

  function clusterPage() {
    const members = document.querySelector('#members tbody'), jobs = document.querySelector('#jobs tbody');
    async function tick() {
      try {
        const c = await getJson('/api/cluster');
        document.getElementById('self').textContent = c.self;
        members.replaceChildren();
        for (const m of c.members) {
          const row = document.createElement('tr');
          [m.address, m.roles.join(', '), m.status, m.reachable ? 'yes' : 'NO',
            m.resident_mb === undefined ? '–' : `${fixed(m.resident_mb, 0)} (${fixed(m.peak_resident_mb, 0)})`,
            fixed(m.cpu_percent, 1), fixed(m.uptime_seconds, 0)].forEach(v => cell(row, v));
          members.appendChild(row);
        }
      } catch (e) { document.getElementById('self').textContent = 'unreachable: ' + e.message; }
      try {
        const j = await getJson('/api/jobs');
        document.getElementById('jobs-error').textContent = '';
        fillJobs(jobs, j.jobs);
      } catch (e) { document.getElementById('jobs-error').textContent = e.message; }
    }
    tick();
    setInterval(tick, 2000);
  }

  function jobPage(id) {
    document.title = 'RnnCluster ' + id;
    document.getElementById('title').textContent = id;
    const records = [];
    let last = 0, label = '', optimal, busy = false;
    let lastStepPos;
    const stepPos = r => r.epoch - 1 + r.window / r.windows;
    // an epoch cut short by --max-steps ends where its last step was
    const pos = r => r.kind === 'step' ? stepPos(r) : r.kind === 'epoch' ? (r.x !== undefined ? r.x : r.epoch) : undefined;

    // Tokens/s between each step and the one about 2 s of training before it, from the run totals;
    // logs without totals fall back to the run's average. Steps redone after a resume restart the span.
    function throughput(steps) {
      if (!steps.some(r => finite(r.tokens) && finite(r.train_seconds))) return steps.map(r => [pos(r), r.tokens_per_sec]);
      const out = [];
      let span = [];
      for (const r of steps) {
        if (!finite(r.tokens) || !finite(r.train_seconds)) continue;
        const last = span[span.length - 1];
        if (last && (r.tokens <= last.tokens || r.train_seconds <= last.train_seconds)) span = [];
        span.push(r);
        while (span.length > 2 && r.train_seconds - span[1].train_seconds >= 2) span.shift();
        const first = span[0], seconds = r.train_seconds - first.train_seconds;
        if (span.length > 1 && seconds > 0) out.push([pos(r), (r.tokens - first.tokens) / seconds]);
      }
      return out;
    }

    function redraw() {
      const steps = records.filter(r => r.kind === 'step' && r.windows > 0), epochs = records.filter(r => r.kind === 'epoch');
      const series = (f, list) => (list || steps).map(r => [pos(r), f(r)]).filter(p => finite(p[1]));
      draw(document.getElementById('chart-perplexity'), {
        logY: true,
        series: [{ name: 'train', points: series(r => r.train_ppl), opacity: 0.6 }, { name: 'valid', points: series(r => r.valid_ppl, epochs), width: 2, markers: true }],
        hlines: optimal ? [{ y: optimal, name: 'optimum ' + optimal.toFixed(2) }] : [],
      });
      draw(document.getElementById('chart-throughput'), { series: [{ name: 'tokens/s (last 2 s)', points: throughput(steps) }] });
      let lastPos = 0;
      const marks = [];
      for (const r of records) {
        if (pos(r) !== undefined) lastPos = pos(r);
        if (r.kind === 'member') marks.push({ x: lastPos, text: r.joined ? '▲' : '▼', color: r.joined ? '#2ca02c' : '#d62728' });
      }
      draw(document.getElementById('chart-workers'), { series: [{ name: 'workers', points: series(r => r.workers), width: 2 }], marks });
      const timed = steps.filter(r => finite(r.compute_ms));
      const totals = timed.map(r => r.compute_ms + r.wait_ms + r.communication_ms + r.update_ms).sort((a, b) => a - b);
      draw(document.getElementById('chart-step-time'), {
        yMax: totals.length ? totals[Math.floor(0.98 * (totals.length - 1))] * 1.3 : undefined,
        series: [['compute', 'compute_ms'], ['wait', 'wait_ms'], ['communication', 'communication_ms'], ['update', 'update_ms']]
          .map(([name, f]) => ({ name, points: timed.map(r => [pos(r), r[f]]) })),
      });
      draw(document.getElementById('chart-bytes'), {
        series: [{ name: 'sent', points: timed.map(r => [pos(r), r.mb_sent]) }, { name: 'received', points: timed.map(r => [pos(r), r.mb_received]) }],
      });
    }

    async function poll() {
      if (busy) return;
      busy = true;
      try {
        const m = await getJson(`/api/jobs/${encodeURIComponent(id)}/metrics?after=${last}`);
        for (const r of m.records) {
          if (r.kind === 'step' && r.windows > 0) lastStepPos = stepPos(r);
          if (r.kind === 'epoch' && lastStepPos !== undefined && lastStepPos < r.epoch) r.x = lastStepPos;
          records.push(r);
          if (r.kind === 'start') { label = r.label || label; if (finite(r.optimal_ppl)) optimal = r.optimal_ppl; }
        }
        last = m.last;
        if (m.records.length) redraw();
        document.getElementById('error').textContent = '';
      } catch (e) { document.getElementById('error').textContent = e.message; }
      finally { busy = false; }
    }

    async function status() {
      try {
        const j = (await getJson('/api/jobs'));
        const job = j.jobs.find(x => x.id === id);
        if (!job) return;
        const s = document.getElementById('summary');
        s.replaceChildren();
        for (const [k, v] of [['model', label], ['state', job.state], ['mode', job.mode], ['epoch', job.epoch], ['step', job.step],
          ['tokens/s', fixed(job.tokens_per_sec, 0)], ['train ppl', fixed(job.train_ppl, 2)], ['valid ppl', fixed(job.valid_ppl, 2)], ['workers', job.workers]]) {
          const span = document.createElement('span'); span.textContent = `${k}: ${v}`; span.id = 'summary-' + k.replace(/[^a-z]/g, ''); s.appendChild(span);
        }
        const area = document.getElementById('cancel-area');
        if (j.cancel_allowed && (job.state === 'running' || job.state === 'queued') && !area.firstChild) {
          const b = document.createElement('button'); b.textContent = 'Cancel job';
          b.onclick = async () => {
            try { await fetch(`/api/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST', headers: { 'X-Requested-By': 'rnncluster-dashboard' } }); }
            finally { area.replaceChildren(); }
          };
          area.appendChild(b);
        } else if (!(job.state === 'running' || job.state === 'queued')) area.replaceChildren();
      } catch (e) { document.getElementById('error').textContent = e.message; }
    }

    redraw();
    poll(); status();
    setInterval(poll, 1000);
    setInterval(status, 2000);
  }

  return { clusterPage, jobPage, draw };
})();
