// meterwire web UI. Plain JavaScript, no dependencies. Every string that
// comes from a meter or the API is inserted with textContent (through el),
// never parsed as HTML.
'use strict';

(function () {
  // ---- token ----
  // Given once in the address (#token=... , which the browser never sends
  // to the server, or ?token=...), then kept for this tab and taken out of
  // the address. Every API call sends it as "Authorization: Bearer"; only
  // the live stream carries it in its URL, because EventSource cannot set
  // headers (and the server accepts ?token= there and nowhere else).
  var params = new URLSearchParams(location.search);
  var token = sessionStorage.getItem('mw-token') || '';
  var given = params.get('token');
  var hashToken = /^#token=([^&]*)/.exec(location.hash);
  if (hashToken) given = decodeURIComponent(hashToken[1]);
  if (given) {
    token = given;
    sessionStorage.setItem('mw-token', token);
    params.delete('token');
    var rest = params.toString();
    history.replaceState(null, '', location.pathname + (rest ? '?' + rest : '') + (hashToken ? '#/' : location.hash));
  }

  function streamURL(url) {
    if (!token) return url;
    return url + (url.indexOf('?') < 0 ? '?' : '&') + 'token=' + encodeURIComponent(token);
  }

  // download fetches url with the token and saves the answer as a file
  // (a plain link could not send the Authorization header).
  function download(url, filename) {
    return fetch(url, { headers: token ? { 'Authorization': 'Bearer ' + token } : {} }).then(function (r) {
      if (!r.ok) {
        return r.text().then(function (text) {
          var msg = 'HTTP ' + r.status;
          try { msg = JSON.parse(text).error || msg; } catch (e) { if (text) msg = text; }
          var err = new Error(msg);
          err.status = r.status;
          throw err;
        });
      }
      return r.blob();
    }).then(function (blob) {
      var href = URL.createObjectURL(blob);
      var a = el('a', { href: href, download: filename, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(href); }, 60000);
    });
  }

  function api(path, opts) {
    opts = opts || {};
    var headers = opts.headers || {};
    if (token) headers['Authorization'] = 'Bearer ' + token;
    opts.headers = headers;
    return fetch(path, opts).then(function (r) {
      return r.text().then(function (text) {
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { body = { error: text }; }
        if (!r.ok) {
          var err = new Error((body && body.error) || ('HTTP ' + r.status));
          err.status = r.status;
          throw err;
        }
        return body;
      });
    });
  }

  function postJSON(path, obj) {
    return api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(obj) });
  }

  // ---- DOM helpers ----
  // el(tag, attrs, children...): attrs set as attributes (on* names are
  // functions added as listeners); children are nodes or text.
  function el(tag, attrs) {
    var n = document.createElement(tag);
    setAttrs(n, attrs);
    for (var i = 2; i < arguments.length; i++) append(n, arguments[i]);
    return n;
  }
  var SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs) {
    var n = document.createElementNS(SVG, tag);
    setAttrs(n, attrs);
    for (var i = 2; i < arguments.length; i++) append(n, arguments[i]);
    return n;
  }
  function setAttrs(n, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k.slice(0, 2) === 'on' && typeof v === 'function') n.addEventListener(k.slice(2), v);
      else n.setAttribute(k, v === true ? '' : String(v));
    });
  }
  function append(n, c) {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { append(n, x); }); return; }
    n.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }

  var main = document.getElementById('main');
  var conn = document.getElementById('conn');

  // ---- formatting ----
  function fmtNum(v) {
    if (typeof v !== 'number') return String(v);
    // Meter readings keep their precision (up to 6 decimals, which also
    // hides float noise such as 15234.567000000001).
    return v.toLocaleString(undefined, { maximumFractionDigits: 6 });
  }
  function fmtValue(v) {
    if (v === null || v === undefined) return '–';
    if (typeof v === 'number') return fmtNum(v);
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }
  function fmtTime(t) {
    if (!t) return '–';
    var d = new Date(t);
    return isNaN(d) ? String(t) : d.toLocaleString();
  }
  function ago(t) {
    if (!t) return 'never';
    var s = Math.round((Date.now() - new Date(t).getTime()) / 1000);
    if (s < 0) s = 0;
    if (s < 90) return s + ' s ago';
    if (s < 5400) return Math.round(s / 60) + ' min ago';
    if (s < 172800) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' days ago';
  }
  function timeEl(t) {
    return el('time', { datetime: t || '', title: fmtTime(t) }, ago(t));
  }
  var outcomeClass = { 'decoded': 'ok', 'duplicate': '', 'no-key': 'warn', 'crc': 'warn', 'truncated': 'warn', 'replay': 'warn' };
  function outcomeBadge(o) {
    var c = outcomeClass[o];
    return el('span', { 'class': 'badge ' + (c === undefined ? 'bad' : c) }, o || '–');
  }
  function meterHref(name) { return '#/meter/' + encodeURIComponent(name); }

  // ---- live stream (one EventSource shared by the pages) ----
  var stream = null, streamQuery = '', listeners = [];
  function openStream(query) {
    query = query || '';
    if (stream && streamQuery === query) return;
    if (stream) stream.close();
    streamQuery = query;
    stream = new EventSource(streamURL('/api/events' + query));
    stream.onopen = function () { conn.textContent = 'live: connected'; };
    stream.onerror = function () { conn.textContent = 'live: reconnecting…'; };
    ['telegram', 'reading', 'dropped'].forEach(function (type) {
      stream.addEventListener(type, function (e) {
        var data;
        try { data = JSON.parse(e.data); } catch (x) { return; }
        listeners.forEach(function (l) { if (l.type === type) l.fn(data); });
      });
    });
  }
  function on(type, fn) { listeners.push({ type: type, fn: fn }); }

  // ---- router ----
  var cleanup = [];
  function route() {
    var h = location.hash;
    if (h && h.slice(0, 2) !== '#/') return; // in-page anchors (skip link)
    cleanup.forEach(function (f) { f(); });
    cleanup = [];
    listeners = [];
    var path = (h || '#/').slice(1);
    var parts = path.split('/').filter(Boolean);
    var page = parts[0] || 'dashboard';
    document.querySelectorAll('[data-nav]').forEach(function (a) {
      if (a.getAttribute('data-nav') === (page === 'meter' ? 'dashboard' : page)) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
    main.replaceChildren();
    var pages = { dashboard: dashboard, meter: meterPage, live: livePage, analyzer: analyzerPage, sources: sourcesPage };
    var f = pages[page];
    if (!f) { main.append(el('h1', null, 'Not found'), el('p', null, el('a', { href: '#/' }, 'Back to the dashboard'))); return; }
    f(parts.slice(1).map(decodeURIComponent));
  }
  function every(ms, fn) {
    var id = setInterval(fn, ms);
    cleanup.push(function () { clearInterval(id); });
  }
  function throttle(ms, fn) {
    var pending = false;
    return function () {
      if (pending) return;
      pending = true;
      setTimeout(function () { pending = false; fn(); }, ms);
    };
  }
  function errorBox(err) {
    var box = el('p', { 'class': 'errmsg', role: 'alert' }, 'Error: ' + (err && err.message ? err.message : String(err)));
    if (!err || err.status !== 401) return box;
    // The API wants its token: ask for it (kept for this tab only).
    var input = el('input', { type: 'password', id: 'token-input', autocomplete: 'off', 'aria-label': 'API token' });
    return el('div', null, box, el('form', { 'class': 'toolbar', id: 'token-form', onsubmit: function (e) {
      e.preventDefault();
      if (!input.value) return;
      sessionStorage.setItem('mw-token', input.value);
      location.reload();
    } }, el('label', { 'for': 'token-input' }, 'API token (http.token): '), input, el('button', { type: 'submit' }, 'Use token')));
  }

  // ---- dashboard ----
  function dashboard() {
    document.title = 'meterwire: dashboard';
    var status = el('p', { 'class': 'muted', role: 'status' }, 'Loading…');
    var grid = el('div', { 'class': 'grid', id: 'meters' });
    var unknownBox = el('div', { id: 'unknown' });
    main.append(el('h1', null, 'Meters'), status, grid,
      el('h2', null, 'Unknown meters heard nearby'),
      el('p', { 'class': 'muted' }, 'Meters the gateway hears that are not configured. Add one with its key to decode its telegrams.'),
      unknownBox);
    function load() {
      Promise.all([api('/api/meters'), api('/api/unknown')]).then(function (res) {
        renderMeters(res[0]);
        renderUnknown(res[1]);
        var problems = res[0].filter(function (m) { return m.problems.length; }).length;
        status.textContent = res[0].length + ' meters' + (problems ? ', ' + problems + ' with problems' : ', all fine') + '; updated ' + new Date().toLocaleTimeString();
      }).catch(function (e) { status.replaceChildren(errorBox(e)); });
    }
    function renderMeters(ms) {
      grid.replaceChildren();
      if (!ms.length) grid.append(el('p', null, 'No meters configured yet.'));
      ms.forEach(function (m) { grid.append(meterCard(m)); });
    }
    function renderUnknown(us) {
      if (document.activeElement && unknownBox.contains(document.activeElement)) return; // do not disturb a form
      unknownBox.replaceChildren();
      if (!us.length) { unknownBox.append(el('p', null, 'None heard.')); return; }
      var tbody = el('tbody');
      us.forEach(function (u) {
        var row = el('tr', { 'data-identity': u.identity },
          el('td', { 'class': 'mono' }, u.identity),
          el('td', null, u.kind),
          el('td', { 'class': 'hide-sm' }, u.manufacturer || '–'),
          el('td', { 'class': 'mono' }, u.id),
          el('td', { 'class': 'hide-sm' }, u.device_type || '–'),
          el('td', null, u.needs_key ? el('span', { 'class': 'badge warn' }, 'needs key') : (u.security || 'plain')),
          el('td', { 'class': 'num hide-sm' }, u.rssi_dbm !== undefined ? u.rssi_dbm + ' dBm' : '–'),
          el('td', null, timeEl(u.last_seen)),
          el('td', null, el('button', { type: 'button', onclick: function () { addForm(u, row); } }, 'Add…', el('span', { 'class': 'visually-hidden' }, ' ' + u.identity))));
        tbody.append(row);
      });
      unknownBox.append(el('div', { 'class': 'scroll' }, el('table', null,
        el('thead', null, el('tr', null, el('th', null, 'Identity'), el('th', null, 'Kind'), el('th', { 'class': 'hide-sm' }, 'Manufacturer'),
          el('th', null, 'ID'), el('th', { 'class': 'hide-sm' }, 'Type'), el('th', null, 'Security'), el('th', { 'class': 'hide-sm' }, 'RSSI'),
          el('th', null, 'Last seen'), el('th', null, el('span', { 'class': 'visually-hidden' }, 'Action')))), tbody)));
    }
    function addForm(u, row) {
      var old = document.getElementById('addform');
      if (old) old.remove();
      var isP1 = u.kind === 'p1' || u.kind === 'dlms';
      var msg = el('p', { role: 'status' });
      var name = el('input', { id: 'add-name', name: 'name', value: u.identity, required: true, pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}', autocomplete: 'off' });
      var key = el('input', { id: 'add-key', name: 'key', required: true, autocomplete: 'off', spellcheck: 'false', inputmode: 'latin', placeholder: '32 hex digits' });
      var ak = isP1 ? el('input', { id: 'add-ak', name: 'ak', autocomplete: 'off', spellcheck: 'false', placeholder: 'optional, 32 hex digits' }) : null;
      var form = el('form', { id: 'addform', 'class': 'card', 'aria-label': 'Add meter ' + u.identity },
        el('h3', null, 'Add ' + u.identity),
        el('div', { 'class': 'row' },
          el('div', null, el('label', { 'for': 'add-name' }, 'Name'), name),
          el('div', null, el('label', { 'for': 'add-key' }, 'Key (AES-128)'), key),
          ak ? el('div', null, el('label', { 'for': 'add-ak' }, 'Authentication key (AK)'), ak) : null),
        el('div', { 'class': 'toolbar' },
          el('button', { type: 'submit', 'class': 'primary' }, 'Add meter'),
          el('button', { type: 'button', onclick: function () { form.remove(); } }, 'Cancel')),
        msg);
      form.addEventListener('submit', function (e) {
        e.preventDefault();
        msg.className = '';
        msg.textContent = 'Adding…';
        var body = { name: name.value.trim(), id: u.id, manufacturer: u.manufacturer || '', key: key.value.trim() };
        if (ak && ak.value.trim()) body.ak = ak.value.trim();
        postJSON('/api/meters', body).then(function (r) {
          key.value = '';
          if (ak) ak.value = '';
          msg.className = 'okmsg';
          msg.textContent = 'Added ' + r.name + ': ' + r.note + '.';
          row.remove();
          setTimeout(load, 1500);
        }).catch(function (err) {
          msg.className = 'errmsg';
          msg.textContent = 'Not added: ' + err.message;
        });
      });
      row.closest('div').after(form);
      name.focus();
    }
    load();
    every(10000, load);
    openStream('');
    on('telegram', throttle(2000, load));
  }

  function meterCard(m) {
    var badges = [el('span', { 'class': 'badge' }, m.kind + (m.device_type ? ' · ' + m.device_type : ''))];
    if (!m.configured) badges.push(el('span', { 'class': 'badge warn' }, 'not configured'));
    if (m.security_status) {
      var sc = /decrypted|plain/.test(m.security_status) ? 'ok' : 'bad';
      badges.push(el('span', { 'class': 'badge ' + sc, title: 'security' }, (m.security && m.security !== 'none' ? m.security + ': ' : '') + m.security_status));
    } else if (m.has_key) {
      badges.push(el('span', { 'class': 'badge' }, 'key configured'));
    }
    var vals = el('ul', { 'class': 'values' });
    var keys = Object.keys(m.values || {});
    keys.sort(function (a, b) {
      var na = typeof m.values[a] === 'number', nb = typeof m.values[b] === 'number';
      return na === nb ? a.localeCompare(b) : na ? -1 : 1;
    });
    keys.slice(0, 6).forEach(function (k) {
      vals.append(el('li', { 'data-field': k }, el('span', null, k), el('span', { 'class': 'v' }, fmtValue(m.values[k]))));
    });
    if (keys.length > 6) vals.append(el('li', { 'class': 'muted' }, '+ ' + (keys.length - 6) + ' more on the meter page'));
    var problems = null;
    if (m.problems.length) {
      problems = el('ul', { 'class': 'problems', 'aria-label': 'Problems' });
      m.problems.forEach(function (p) { problems.append(el('li', { 'data-problem': p.code }, p.text)); });
    }
    return el('article', { 'class': 'card meter', 'data-meter': m.name },
      el('h2', null, el('a', { href: meterHref(m.name) }, m.name)),
      el('div', null, badges),
      problems,
      keys.length ? vals : el('p', { 'class': 'muted' }, 'No readings yet.'),
      el('dl', null,
        el('dt', null, 'Last seen'), el('dd', null, timeEl(m.last_seen)),
        el('dt', null, 'RSSI'), el('dd', null, m.rssi_dbm !== undefined ? m.rssi_dbm + ' dBm' : '–'),
        el('dt', null, 'ID'), el('dd', { 'class': 'mono' }, (m.manufacturer ? m.manufacturer + ' ' : '') + (m.id || '–'))));
  }

  // ---- meter page ----
  var ranges = [['1h', '1 hour'], ['24h', '24 hours'], ['7d', '7 days'], ['30d', '30 days'], ['1y', '1 year']];
  function meterPage(args) {
    var name = args[0] || '';
    document.title = 'meterwire: ' + name;
    var range = sessionStorage.getItem('mw-range') || '24h';
    var head = el('div');
    var charts = el('div', { 'class': 'charts', id: 'charts' });
    var table = el('div', { id: 'readings' });
    var exportBox = el('p', { 'class': 'toolbar' });
    var group = el('div', { 'class': 'toolbar', role: 'group', 'aria-label': 'Time range' });
    ranges.forEach(function (r) {
      group.append(el('button', { type: 'button', 'data-range': r[0], 'aria-pressed': r[0] === range ? 'true' : 'false', 'aria-label': 'Last ' + r[1], onclick: function () {
        range = r[0];
        sessionStorage.setItem('mw-range', range);
        group.querySelectorAll('button').forEach(function (b) { b.setAttribute('aria-pressed', b.getAttribute('data-range') === range ? 'true' : 'false'); });
        loadHistory();
      } }, r[0]));
    });
    main.append(el('p', null, el('a', { href: '#/' }, '← Dashboard')), el('h1', null, name), head,
      el('h2', null, 'History'), group, exportBox, charts, el('h2', null, 'Readings'), table);
    var meter = null;
    api('/api/meters/' + encodeURIComponent(name)).then(function (m) {
      meter = m;
      head.replaceChildren(meterCard(m));
      loadHistory();
    }).catch(function (e) { head.replaceChildren(errorBox(e)); });

    function loadHistory() {
      if (!meter) return;
      var q = 'range=' + encodeURIComponent(range);
      var base = '/api/meters/' + encodeURIComponent(name);
      // Links that work as links without a token; with one, a click
      // fetches the file with the Authorization header instead.
      var exportErr = el('span', { 'class': 'errmsg', role: 'alert' });
      function exportLink(format, id) {
        var url = base + '/export?format=' + format + '&' + q, file = name + '.' + format;
        return el('a', { 'class': 'button', href: url, download: file, id: id, onclick: function (e) {
          if (!token) return;
          e.preventDefault();
          exportErr.textContent = '';
          download(url, file).catch(function (err) { exportErr.textContent = 'Export failed: ' + err.message; });
        } }, 'Export ' + format.toUpperCase());
      }
      exportBox.replaceChildren(exportLink('csv', 'export-csv'), exportLink('json', 'export-json'), exportErr);
      charts.replaceChildren();
      var fields = meter.numeric_fields.slice(0, 12);
      if (!fields.length) charts.append(el('p', null, 'No numeric readings to chart.'));
      fields.forEach(function (f) {
        var fig = el('figure', { 'data-field': f }, el('figcaption', null, f), el('p', { 'class': 'muted' }, 'Loading…'));
        charts.append(fig);
        api(base + '/series?field=' + encodeURIComponent(f) + '&points=300&' + q).then(function (s) {
          fig.replaceChildren(el('figcaption', null, f), chart(s));
        }).catch(function (e) { fig.replaceChildren(el('figcaption', null, f), errorBox(e)); });
      });
      api(base + '/readings?order=desc&limit=50&' + q).then(function (rs) {
        table.replaceChildren(readingsTable(rs));
      }).catch(function (e) { table.replaceChildren(errorBox(e)); });
    }
  }

  function readingsTable(rs) {
    if (!rs.length) return el('p', null, 'No readings in this range.');
    var cols = [];
    rs.forEach(function (r) { Object.keys(r.fields || {}).forEach(function (k) { if (cols.indexOf(k) < 0) cols.push(k); }); });
    cols.sort();
    var head = el('tr', null, el('th', { scope: 'col' }, 'Time'), cols.map(function (c) { return el('th', { scope: 'col' }, c); }));
    var body = el('tbody');
    rs.forEach(function (r) {
      body.append(el('tr', null, el('td', null, fmtTime(r.time)), cols.map(function (c) {
        var v = r.fields[c];
        return el('td', { 'class': typeof v === 'number' ? 'num' : '' }, fmtValue(v));
      })));
    });
    return el('div', { 'class': 'scroll' }, el('table', null,
      el('caption', { 'class': 'visually-hidden' }, 'Newest ' + rs.length + ' readings'), el('thead', null, head), body));
  }

  // chart draws a series as an inline SVG line chart.
  function chart(s) {
    var pts = s.points || [];
    var W = 600, H = 220, L = 62, R = 12, T = 12, B = 28;
    if (!pts.length) return el('p', { 'class': 'muted' }, 'No values in this range.');
    var t0 = new Date(s.from).getTime(), t1 = new Date(s.to).getTime();
    var vmin = Infinity, vmax = -Infinity;
    pts.forEach(function (p) { if (p[1] < vmin) vmin = p[1]; if (p[1] > vmax) vmax = p[1]; });
    if (vmin === vmax) { vmin -= 1; vmax += 1; }
    var pad = (vmax - vmin) * 0.05;
    vmin -= pad; vmax += pad;
    var x = function (t) { return L + (t - t0) / (t1 - t0) * (W - L - R); };
    var y = function (v) { return T + (vmax - v) / (vmax - vmin) * (H - T - B); };
    var last = pts[pts.length - 1];
    var label = s.field + ': ' + pts.length + ' points from ' + fmtTime(s.from) + ' to ' + fmtTime(s.to) +
      ', last value ' + fmtNum(last[1]);
    var g = svg('svg', { 'class': 'chart', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': label, 'data-points': pts.length },
      svg('title', null, label));
    g.append(svg('line', { 'class': 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B }), svg('line', { 'class': 'axis', x1: L, y1: T, x2: L, y2: H - B }));
    for (var i = 0; i <= 4; i++) {
      var v = vmin + (vmax - vmin) * i / 4, yy = y(v);
      g.append(svg('line', { 'class': 'axis', x1: L - 4, y1: yy, x2: W - R, y2: yy, 'stroke-dasharray': '2 4' }),
        svg('text', { x: L - 6, y: yy + 4, 'text-anchor': 'end' }, fmtNum(Number(v.toPrecision(4)))));
    }
    var span = t1 - t0;
    for (var j = 0; j <= 3; j++) {
      var t = t0 + span * j / 3, d = new Date(t);
      var txt = span <= 2 * 86400000 ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleDateString([], { month: 'short', day: 'numeric' });
      g.append(svg('text', { x: x(t), y: H - 8, 'text-anchor': j === 0 ? 'start' : j === 3 ? 'end' : 'middle' }, txt));
    }
    var coords = pts.map(function (p) { return x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1); });
    g.append(svg('polyline', { 'class': 'line', points: coords.join(' ') }));
    if (pts.length <= 80) {
      pts.forEach(function (p) {
        g.append(svg('circle', { 'class': 'pt', cx: x(p[0]).toFixed(1), cy: y(p[1]).toFixed(1), r: 2.5 },
          svg('title', null, fmtTime(p[0]) + ': ' + fmtNum(p[1]))));
      });
    }
    return g;
  }

  // ---- live telegram log ----
  var outcomes = ['decoded', 'no-key', 'wrong-key', 'mac-failed', 'crc', 'truncated', 'malformed', 'unsupported', 'replay', 'duplicate'];
  function livePage() {
    document.title = 'meterwire: live log';
    var meterSel = el('select', { id: 'f-meter' }, el('option', { value: '' }, 'all meters'));
    var outcomeSel = el('select', { id: 'f-outcome' }, el('option', { value: '' }, 'all outcomes'),
      outcomes.map(function (o) { return el('option', { value: o }, o); }));
    var paused = false;
    var pauseBtn = el('button', { type: 'button', 'aria-pressed': 'false', onclick: function () {
      paused = !paused;
      pauseBtn.setAttribute('aria-pressed', String(paused));
      pauseBtn.textContent = paused ? 'Resume' : 'Pause';
    } }, 'Pause');
    var info = el('p', { 'class': 'muted', role: 'status', id: 'live-info' }, 'Loading…');
    var tbody = el('tbody', { id: 'log' });
    var count = 0, dropped = 0;
    main.append(el('h1', null, 'Live telegram log'),
      el('div', { 'class': 'row' },
        el('div', null, el('label', { 'for': 'f-meter' }, 'Meter'), meterSel),
        el('div', null, el('label', { 'for': 'f-outcome' }, 'Outcome'), outcomeSel),
        el('div', { 'class': 'toolbar' }, pauseBtn, el('button', { type: 'button', onclick: function () { tbody.replaceChildren(); count = 0; } }, 'Clear'))),
      info,
      el('div', { 'class': 'scroll' }, el('table', null,
        el('thead', null, el('tr', null, el('th', null, 'Time'), el('th', null, 'Meter'), el('th', { 'class': 'hide-sm' }, 'Input'),
          el('th', null, 'Outcome'), el('th', { 'class': 'hide-sm' }, 'RSSI'), el('th', null, 'Telegram'))), tbody)));
    Promise.all([api('/api/meters'), api('/api/unknown')]).then(function (r) {
      r[0].forEach(function (m) { meterSel.append(el('option', { value: m.name }, m.name)); });
      r[1].forEach(function (u) { meterSel.append(el('option', { value: u.identity }, u.identity + ' (unknown)')); });
    });
    function row(t) {
      var hex = t.hex || '';
      return el('tr', { 'data-outcome': t.outcome, 'data-meter': t.meter },
        el('td', null, el('time', { datetime: t.time }, new Date(t.time).toLocaleTimeString())),
        el('td', null, t.meter ? el('a', { href: meterHref(t.meter) }, t.meter) : '–'),
        el('td', { 'class': 'hide-sm' }, t.input || ''),
        el('td', null, outcomeBadge(t.outcome), t.error ? el('div', { 'class': 'muted' }, t.error) : null),
        el('td', { 'class': 'num hide-sm' }, t.rssi_dbm !== undefined ? t.rssi_dbm + ' dBm' : '–'),
        el('td', { 'class': 'hex' }, hex.length > 72 ? hex.slice(0, 72) + '…' : hex, ' ',
          hex ? el('button', { type: 'button', 'class': 'fld', onclick: function () {
            sessionStorage.setItem('mw-analyze', hex);
            location.hash = '#/analyzer';
          } }, 'Analyze') : null));
    }
    function reload() {
      var q = [];
      if (meterSel.value) q.push('meter=' + encodeURIComponent(meterSel.value));
      if (outcomeSel.value) q.push('outcome=' + encodeURIComponent(outcomeSel.value));
      var qs = q.length ? '?' + q.join('&') : '';
      api('/api/telegrams' + (qs ? qs + '&' : '?') + 'limit=100').then(function (ts) {
        tbody.replaceChildren();
        ts.forEach(function (t) { tbody.append(row(t)); });
        count = ts.length;
        info.textContent = count + ' telegrams; live updates ' + (paused ? 'paused' : 'on');
      }).catch(function (e) { info.replaceChildren(errorBox(e)); });
      openStream(qs);
    }
    meterSel.addEventListener('change', reload);
    outcomeSel.addEventListener('change', reload);
    on('telegram', function (t) {
      if (paused) return;
      if (meterSel.value && t.meter !== meterSel.value) return;
      if (outcomeSel.value && t.outcome !== outcomeSel.value) return;
      tbody.prepend(row(t));
      while (tbody.children.length > 500) tbody.lastChild.remove();
      count++;
      info.textContent = count + ' telegrams' + (dropped ? '; ' + dropped + ' missed (the browser was too slow)' : '') + '; live updates on';
    });
    on('dropped', function (d) { dropped = d.dropped; });
    reload();
  }

  // ---- analyzer ----
  var example = {
    hex: '434493157856341233037AC98C2075900F002C25B30A000021924D4FBA372FB66E017A75002007109058475F4BC9D1281DF878B80A1B0F98B629024AAC7279429398BFC549233C0140829B93BAA1',
    key: '000102030405060708090A0B0C0D0E0F'
  };
  function analyzerPage() {
    document.title = 'meterwire: analyzer';
    var input = el('textarea', { id: 'a-input', name: 'telegram', spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'a-input-help' });
    var key = el('input', { id: 'a-key', name: 'key', spellcheck: 'false', autocomplete: 'off', placeholder: 'optional, 32 hex digits', size: 36 });
    var ak = el('input', { id: 'a-ak', name: 'ak', spellcheck: 'false', autocomplete: 'off', placeholder: 'optional, P1/DLMS only', size: 36 });
    var out = el('div', { id: 'a-out', 'aria-live': 'polite' });
    var form = el('form', { id: 'a-form' },
      el('label', { 'for': 'a-input' }, 'Telegram'),
      el('p', { id: 'a-input-help', 'class': 'muted' }, 'Hex of a wireless or wired M-Bus frame, an encrypted P1 frame or HDLC frames, or a P1 text telegram starting with "/".'),
      input,
      el('div', { 'class': 'row' },
        el('div', null, el('label', { 'for': 'a-key' }, 'Key'), key),
        el('div', null, el('label', { 'for': 'a-ak' }, 'Authentication key (AK)'), ak)),
      el('p', { 'class': 'muted' }, 'Keys are used for this decode only: not stored, not logged.'),
      el('div', { 'class': 'toolbar' },
        el('button', { type: 'submit', 'class': 'primary', id: 'a-decode' }, 'Decode'),
        el('button', { type: 'button', onclick: function () { input.value = example.hex; key.value = example.key; ak.value = ''; input.focus(); } }, 'Load OMS example')));
    main.append(el('h1', null, 'Analyzer'), form, out);
    var pre = sessionStorage.getItem('mw-analyze');
    if (pre) { input.value = pre; sessionStorage.removeItem('mw-analyze'); }
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      out.replaceChildren(el('p', { role: 'status' }, 'Decoding…'));
      postJSON('/api/decode', { telegram: input.value, key: key.value, ak: ak.value }).then(function (a) {
        out.replaceChildren(renderAnalysis(a));
        var h = out.querySelector('h2');
        if (h) { h.setAttribute('tabindex', '-1'); h.focus(); }
      }).catch(function (err) {
        out.replaceChildren(el('div', { 'class': 'alert', role: 'alert' }, el('h3', null, 'Cannot decode'), el('p', null, err.message)));
      });
    });
  }

  function renderAnalysis(a) {
    var box = el('div');
    (a.notes || []).forEach(function (n) { box.append(el('p', { 'class': 'note' }, 'Note: ' + n)); });
    if (!a.results.length) box.append(el('p', null, 'Nothing found to decode.'));
    a.results.forEach(function (r, i) { box.append(renderResult(r, i, a.results.length)); });
    return box;
  }

  function renderResult(r, idx, total) {
    var rep = r.report || {};
    var sec = el('section', { 'class': 'result', 'data-result': idx });
    var title = (rep.kind || 'frame').toUpperCase();
    if (rep.manufacturer || rep.id) title += ' ' + (rep.manufacturer || '') + ' ' + (rep.id || '');
    if (total > 1) title = (idx + 1) + '/' + total + ': ' + title;
    sec.append(el('h2', null, title));
    if (r.pending) sec.append(el('p', { 'class': 'note' }, 'Part of a longer DLMS message: decoded with its last part.'));
    var facts = el('dl', { 'class': 'card' });
    function fact(k, v) { if (v !== undefined && v !== null && v !== '') facts.append(el('dt', null, k), el('dd', null, String(v))); }
    fact('Device type', rep.device_type);
    fact('Frame format', rep.frame_format);
    fact('Transport', rep.transport);
    fact('Profile', rep.profile);
    if (rep.security) {
      fact('Security', rep.security.mode + ': ' + rep.security.status + (rep.security.mac ? ' (MAC ' + rep.security.mac + ')' : '') + (rep.security.tag ? ' (tag ' + rep.security.tag + ')' : ''));
      fact('System title', rep.security.system_title);
    }
    if (facts.children.length) sec.append(facts);
    if (r.problem) {
      sec.append(el('div', { 'class': 'alert', role: 'alert', 'data-problem': r.problem.class },
        el('h3', null, r.problem.title),
        el('p', { 'class': 'help' }, r.problem.help),
        el('p', { 'class': 'muted mono' }, r.problem.message)));
    }
    // The byte views, with every layer's range banded in its colour.
    var layers = rep.layers || [];
    var viewEls = [];
    (r.views || []).forEach(function (v, vi) {
      var used = r.layer_views.some(function (x) { return x === vi; });
      if (!used && vi > 0) return;
      var ve = hexView(v, layers, r.layer_views, vi);
      viewEls[vi] = ve;
      sec.append(el('h3', null, v.title), ve);
    });
    function highlight(vi, off, len, btn) {
      sec.querySelectorAll('.b.hl').forEach(function (b) { b.classList.remove('hl'); });
      sec.querySelectorAll('button.fld[aria-pressed="true"]').forEach(function (b) { b.setAttribute('aria-pressed', 'false'); });
      var ve = viewEls[vi];
      if (!ve) return;
      for (var o = off; o < off + len; o++) {
        var b = ve.children[o];
        if (b) b.classList.add('hl');
      }
      if (btn) btn.setAttribute('aria-pressed', 'true');
      var first = ve.children[off];
      if (first && first.scrollIntoView) first.scrollIntoView({ block: 'nearest' });
    }
    layers.forEach(function (l, li) {
      var vi = r.layer_views[li];
      var ls = el('div', { 'class': 'layer l' + (li % 6), 'data-layer': l.name });
      var hb = el('button', { type: 'button', 'class': 'fld', 'aria-pressed': 'false', disabled: vi < 0, onclick: function () { highlight(vi, l.offset, l.len, hb); } },
        l.name.toUpperCase());
      ls.append(el('h3', null, hb, ' bytes ' + l.offset + '–' + (l.offset + l.len - 1) + (vi >= 0 && r.views[vi] ? ' · ' + r.views[vi].title : '')));
      if (l.note) ls.append(el('p', { 'class': 'muted' }, l.note));
      var tb = el('tbody');
      (l.fields || []).forEach(function (f) {
        var fb = el('button', { type: 'button', 'class': 'fld', 'aria-pressed': 'false', 'data-layer': l.name, 'data-field': f.name, disabled: vi < 0,
          onclick: function () { highlight(vi, f.offset, f.len, fb); } }, f.name);
        fb.addEventListener('mouseenter', function () { if (vi >= 0) highlight(vi, f.offset, f.len, fb); });
        tb.append(el('tr', null, el('td', { 'class': 'num' }, String(f.offset)), el('td', null, fb),
          el('td', { 'class': 'hex' }, f.hex && f.hex.length > 48 ? f.hex.slice(0, 44) + '…' : (f.hex || '')),
          el('td', null, f.value || ''), el('td', null, f.meaning || '')));
      });
      ls.append(el('div', { 'class': 'scroll' }, el('table', null,
        el('thead', null, el('tr', null, el('th', null, 'Offset'), el('th', null, 'Field'), el('th', null, 'Bytes'), el('th', null, 'Value'), el('th', null, 'Meaning'))), tb)));
      sec.append(ls);
    });
    if (rep.records && rep.records.length) {
      var rb = el('tbody');
      rep.records.forEach(function (rc) {
        rb.append(el('tr', null, el('td', { 'class': 'num' }, String(rc.offset)), el('td', { 'class': 'mono' }, rc.dif_vif),
          el('td', null, rc.name), el('td', { 'class': 'num' }, fmtValue(rc.value)), el('td', null, rc.unit || ''),
          el('td', null, rc.description || rc.quantity || ''), el('td', { 'class': 'hide-sm' }, 'storage ' + rc.storage + ', tariff ' + rc.tariff + ', ' + rc.function)));
      });
      sec.append(el('h3', null, 'Records'), el('div', { 'class': 'scroll' }, el('table', { id: 'records' },
        el('thead', null, el('tr', null, el('th', null, 'Offset'), el('th', null, 'DIF/VIF'), el('th', null, 'Name'), el('th', null, 'Value'),
          el('th', null, 'Unit'), el('th', null, 'Meaning'), el('th', { 'class': 'hide-sm' }, 'Storage'))), rb)));
    }
    if (rep.objects && rep.objects.length) {
      var ob = el('tbody');
      rep.objects.forEach(function (o) {
        ob.append(el('tr', null, el('td', { 'class': 'mono' }, o.obis), el('td', { 'class': 'value' }, fmtValue(o.value)), el('td', null, o.unit || ''), el('td', null, o.timestamp || '')));
      });
      sec.append(el('h3', null, 'Objects'), el('div', { 'class': 'scroll' }, el('table', { id: 'objects' },
        el('thead', null, el('tr', null, el('th', null, 'OBIS'), el('th', null, 'Value'), el('th', null, 'Unit'), el('th', null, 'Time'))), ob)));
    }
    if (rep.fields) {
      var fl = el('tbody');
      Object.keys(rep.fields).sort().forEach(function (k) {
        fl.append(el('tr', { 'data-field': k }, el('td', { 'class': 'mono' }, k), el('td', { 'class': 'value' }, fmtValue(rep.fields[k]))));
      });
      sec.append(el('h3', null, 'Named fields'), el('div', { 'class': 'scroll' }, el('table', { id: 'fields' },
        el('thead', null, el('tr', null, el('th', null, 'Field'), el('th', null, 'Value'))), fl)));
    }
    if (r.explanation) {
      sec.append(el('details', null, el('summary', null, 'Text explanation (as meterwire decode --explain prints it)'), el('pre', null, r.explanation)));
    }
    if (r.report) {
      sec.append(el('details', null, el('summary', null, 'JSON report'), el('pre', null, JSON.stringify(r.report, null, 2))));
    }
    return sec;
  }

  // hexView renders the bytes of view v, one span per byte (data-off), each
  // banded with the colour of the layer that covers it.
  function hexView(v, layers, layerViews, vi) {
    var box = el('div', { 'class': 'hexview' + (v.text ? ' text' : ''), 'data-view': v.name, role: 'group', 'aria-label': v.title });
    var n = v.hex.length / 2;
    var band = new Array(n);
    layers.forEach(function (l, li) {
      if (layerViews[li] !== vi) return;
      for (var o = l.offset; o < l.offset + l.len && o < n; o++) if (band[o] === undefined) band[o] = li % 6;
    });
    for (var i = 0; i < n; i++) {
      var pair = v.hex.substr(i * 2, 2), txt = pair;
      if (v.text) {
        var c = parseInt(pair, 16);
        txt = c === 13 ? '' : c === 10 ? '\n' : c >= 32 && c < 127 ? String.fromCharCode(c) : '·';
      }
      box.append(el('span', { 'class': 'b' + (band[i] !== undefined ? ' l' + band[i] : ''), 'data-off': i }, txt));
    }
    return box;
  }

  // ---- data sources ----
  function sourcesPage() {
    document.title = 'meterwire: data sources';
    var box = el('div', null, el('p', { role: 'status' }, 'Loading…'));
    main.append(el('h1', null, 'Where the data comes from'),
      el('p', null, 'meterwire listens to meters through its inputs: wireless M-Bus radio receivers (USB sticks and modules), wired M-Bus masters and P1 customer ports of electricity meters; in demo mode, a simulated fleet of meters on a simulated radio. ' +
        'Every frame an input receives goes through the decode pipeline: duplicates heard by several receivers are dropped, the frame is decoded and decrypted with the key of its meter, replays are refused. ' +
        'Decoded readings go to the history store (the charts and the export), MQTT if configured, the Prometheus metrics and this UI; every telegram, decoded or not, goes to the telegram log with its outcome.'),
      box);
    function load() {
      api('/api/inputs').then(function (s) {
        var h = s.health;
        var ib = el('tbody');
        (h.inputs || []).forEach(function (i) {
          var state = i.done ? 'finished' : i.connected ? 'connected' : 'disconnected';
          ib.append(el('tr', { 'data-input': i.name },
            el('td', null, i.name), el('td', { 'class': 'mono' }, i.device),
            el('td', null, el('span', { 'class': 'badge ' + (i.connected ? 'ok' : i.done ? '' : 'bad') }, state)),
            el('td', null, i.since ? fmtTime(i.since) : '–'), el('td', null, i.last_frame ? timeEl(i.last_frame) : 'never'),
            el('td', { 'class': 'num' }, fmtNum(i.frames)), el('td', { 'class': 'num' }, fmtNum(i.reconnects)),
            el('td', null, i.error || '')));
        });
        var ob = el('tbody');
        Object.keys(s.outcomes).forEach(function (o) {
          ob.append(el('tr', null, el('td', null, outcomeBadge(o)), el('td', { 'class': 'num' }, fmtNum(s.outcomes[o]))));
        });
        box.replaceChildren(
          el('p', null, 'Status: ', el('strong', { id: 'health' }, h.status), ' · up ' + h.uptime + (s.demo ? ' · demo mode (simulated meters)' : '')),
          (h.silent_meters && h.silent_meters.length) ? el('p', { 'class': 'errmsg' }, 'Silent meters: ' + h.silent_meters.join(', ')) : null,
          el('h2', null, 'Inputs'),
          el('div', { 'class': 'scroll' }, el('table', { id: 'inputs' }, el('thead', null, el('tr', null, el('th', null, 'Name'), el('th', null, 'Device'),
            el('th', null, 'State'), el('th', null, 'Since'), el('th', null, 'Last frame'), el('th', null, 'Frames'), el('th', null, 'Reconnects'), el('th', null, 'Error'))), ib)),
          el('h2', null, 'Telegrams'),
          el('p', null, fmtNum(s.telegrams) + ' received since start; ' + s.unknown_meters + ' unknown meters heard.'),
          el('div', { 'class': 'scroll' }, el('table', null, el('thead', null, el('tr', null, el('th', null, 'Outcome'), el('th', null, 'Count'))), ob)),
          el('h2', null, 'Outputs'),
          el('p', null, 'Readings go to: ' + s.sinks.join(', ') + '. ' + (s.store ? 'History is kept in the embedded store.' : 'The history store is disabled: no charts.') +
            ' API token ' + (s.token_required ? 'required.' : 'not configured (listen on localhost only).') + ' Live streams open: ' + s.live_streams + ' of at most ' + s.live_streams_max + '.'),
          el('p', { id: 'tracked' }, 'The dashboard tracks ' + fmtNum(s.dashboard.meters) + ' meters (at most ' + fmtNum(s.dashboard.max_meters) + ').' +
            (s.dashboard.dropped_telegrams ? ' Telegrams of further meters not shown here: ' + fmtNum(s.dashboard.dropped_telegrams) + ' (they are still decoded, stored and published).' : '')));
      }).catch(function (e) { box.replaceChildren(errorBox(e)); });
    }
    load();
    every(5000, load);
  }

  window.addEventListener('hashchange', route);
  document.getElementById('skip').addEventListener('click', function (e) { e.preventDefault(); main.focus(); });
  route();
})();
