// What the admin console runs in the browser (served by ./index.ts as /console/console.js and
// /console/console.css). Plain ES2020 for any current browser, no build step: it writes text
// only through `textContent` (nothing from the API becomes markup) and reaches only this origin.

/** The console's stylesheet. */
export const CONSOLE_STYLES = `
[hidden] { display: none !important; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1.5rem 2rem; color: #1d1d1f; background: #fff; }
header { display: flex; align-items: baseline; gap: 1rem; border-bottom: 1px solid #ddd; }
header h1 { font-size: 1.3rem; margin: 0.8rem 0; flex: 1; }
#message { min-height: 1.4em; margin: 0.5rem 0; color: #b00020; font-weight: 600; }
#message.info { color: #555; font-weight: normal; }
#sign-in { max-width: 32rem; display: grid; gap: 0.5rem; }
#sign-in .note { color: #555; font-size: 0.85rem; }
input, select, button { font: inherit; padding: 0.25rem 0.4rem; }
.controls { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; margin: 0.5rem 0 1rem; }
#totals { color: #333; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 1rem; }
figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: 0.3rem; }
.tables { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 1rem 2rem; margin-top: 1rem; }
h2 { font-size: 1.05rem; margin: 0.8rem 0 0.4rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.2rem 0.5rem; border-bottom: 1px solid #eee; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.empty { color: #777; font-style: italic; }
.hash { font-family: ui-monospace, monospace; font-size: 0.8rem; color: #666; }
.field-usage form { display: flex; gap: 0.5rem; max-width: 40rem; }
.field-usage input { flex: 1; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
`;

/** The console's script: sign-in, the member picker, charts (uPlot), tables and the field lookup. */
export const CONSOLE_SCRIPT = `(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('console-config').textContent);
  var TOKEN_KEY = 'alliance-console-token';
  var operations = {};
  config.operations.forEach(function (op) { operations[op.name] = op.body; });
  var RANGES = {
    hour: { ms: 3600e3, granularity: 'MINUTE', step: 60e3 },
    day: { ms: 86400e3, granularity: 'HOUR', step: 3600e3 },
    week: { ms: 7 * 86400e3, granularity: 'HOUR', step: 3600e3 },
    month: { ms: 30 * 86400e3, granularity: 'DAY', step: 86400e3 },
  };
  var COLORS = { operations: 'rgb(31, 119, 180)', errors: 'rgb(214, 39, 40)', p50: 'rgb(44, 160, 44)', p95: 'rgb(148, 103, 189)' };
  var $ = function (id) { return document.getElementById(id); };
  var charts = {};

  function show(message, info) {
    $('message').textContent = message || '';
    $('message').className = info ? 'info' : '';
  }

  /** An error of the API, as the console shows it: its code and its message. */
  function ApiError(code, message) { this.code = code; this.message = message; }

  function describe(error) {
    if (error instanceof ApiError) return (error.code ? error.code + ': ' : '') + error.message;
    return 'The gateway could not be reached: ' + (error && error.message ? error.message : String(error));
  }

  async function answerOf(response) {
    var body;
    try { body = await response.json(); } catch (e) { throw new ApiError('HTTP_' + response.status, 'the gateway answered HTTP ' + response.status); }
    if (body && body.errors && body.errors.length) {
      var first = body.errors[0];
      throw new ApiError(first.extensions && first.extensions.code, first.message);
    }
    if (!response.ok) throw new ApiError('HTTP_' + response.status, 'the gateway answered HTTP ' + response.status);
    return body;
  }

  /** Runs one of the console's operations with the session's token. */
  async function run(name, variables) {
    var token = sessionStorage.getItem(TOKEN_KEY);
    var response = await fetch(config.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer ' + token,
        'graphql-client-name': 'admin-console',
      },
      body: JSON.stringify({ query: operations[name], operationName: name, variables: variables }),
      credentials: 'omit',
      cache: 'no-store',
    });
    return (await answerOf(response)).data;
  }

  /** An API key becomes a short-lived access token; anything else is taken as a token already. */
  async function tokenFor(credential) {
    if (!/^alk_/.test(credential)) return credential;
    var response = await fetch(config.tokenEndpoint, {
      method: 'POST',
      headers: { authorization: 'Bearer ' + credential },
      credentials: 'omit',
      cache: 'no-store',
    });
    return (await answerOf(response)).access_token;
  }

  function window_() {
    var range = RANGES[$('range').value];
    var to = Date.now();
    return { range: range, from: new Date(to - range.ms).toISOString(), to: new Date(to).toISOString() };
  }

  function signedOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    $('console').hidden = true;
    $('sign-out').hidden = true;
    $('signed-in').textContent = '';
    $('sign-in').hidden = false;
    show(message);
  }

  /** Refusals of the credential end the session; other errors are shown and the session goes on. */
  function failed(error) {
    if (error instanceof ApiError && (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN')) {
      signedOut(describe(error));
    } else {
      show(describe(error));
    }
  }

  function cell(row, text, className) {
    var td = document.createElement(row.parentNode && row.parentNode.tagName === 'THEAD' ? 'th' : 'td');
    td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  /** Fills a table: headings (a trailing '#' marks a number column) and rows of cell texts. */
  function table(id, headings, rows) {
    var t = $(id);
    t.textContent = '';
    var head = t.createTHead().insertRow();
    headings.forEach(function (h) { cell(head, h.replace(/#$/, ''), /#$/.test(h) ? 'n' : ''); });
    var body = t.createTBody();
    if (rows.length === 0) {
      var empty = body.insertRow();
      cell(empty, 'None in this window.', 'empty').colSpan = headings.length;
      return;
    }
    rows.forEach(function (values) {
      var row = body.insertRow();
      values.forEach(function (value, i) { cell(row, value, /#$/.test(headings[i]) ? 'n' : ''); });
    });
  }

  var number = function (n) { return Number(n).toLocaleString('en'); };
  var ms = function (n) { return Number(n).toLocaleString('en', { maximumFractionDigits: 1 }); };
  var percent = function (part, whole) { return whole ? (100 * part / whole).toFixed(1) + ' %' : '0 %'; };
  var operationLabel = function (op) { return op.operationName || '(unnamed)'; };

  /** Draws (or redraws) a uPlot chart in the element with id \`id\`. */
  function chart(id, series, data) {
    if (charts[id]) charts[id].destroy();
    var element = $(id);
    element.textContent = '';
    var width = Math.max(480, Math.min(element.clientWidth || 640, 900));
    charts[id] = new uPlot(
      {
        width: width,
        height: 260,
        series: [{}].concat(series),
        axes: [{}, { size: 60 }],
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
      },
      data,
      element,
    );
    element.dataset.points = String(data[0].length);
  }

  function drawCharts(buckets, range, from, to) {
    // Every bucket of the window, zero where nothing was recorded (the API leaves those out).
    var byStart = {};
    buckets.forEach(function (b) { byStart[Date.parse(b.start)] = b; });
    var first = Math.floor(Date.parse(from) / range.step) * range.step;
    var xs = [], ops = [], errors = [], p50 = [], p95 = [];
    for (var t = first; t < Date.parse(to); t += range.step) {
      var b = byStart[t];
      xs.push(t / 1000);
      ops.push(b ? b.operations : 0);
      errors.push(b ? b.errors : 0);
      p50.push(b ? b.latencyP50Ms : null);
      p95.push(b ? b.latencyP95Ms : null);
    }
    chart('chart-operations', [
      { label: 'Operations', stroke: COLORS.operations, width: 2 },
      { label: 'Errors', stroke: COLORS.errors, width: 2 },
    ], [xs, ops, errors]);
    chart('chart-latency', [
      { label: 'p50 ms', stroke: COLORS.p50, width: 2, points: { show: true } },
      { label: 'p95 ms', stroke: COLORS.p95, width: 2, points: { show: true } },
    ], [xs, p50, p95]);
  }

  function sum(buckets, pick) {
    var totals = {};
    buckets.forEach(function (b) { pick(b).forEach(function (c) { totals[c[0]] = (totals[c[0]] || 0) + c[1]; }); });
    return Object.keys(totals).map(function (k) { return [k, totals[k]]; })
      .sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); });
  }

  async function loadUsage() {
    var w = window_();
    var memberId = $('member').value || null;
    show('Loading…', true);
    var data = await run('ConsoleUsage', { from: w.from, to: w.to, granularity: w.range.granularity, memberId: memberId });
    drawCharts(data.usage, w.range, w.from, w.to);
    var total = 0, errors = 0;
    data.usage.forEach(function (b) { total += b.operations; errors += b.errors; });
    $('totals').textContent = number(total) + ' operations, ' + number(errors) + ' with errors (' + percent(errors, total) + ')';
    table('top-operations', ['Operation', 'Operations#', 'Errors#', 'Error rate#', 'p95 ms#', 'Clients'],
      data.top.map(function (op) {
        return [operationLabel(op), number(op.operations), number(op.errors), percent(op.errors, op.operations), ms(op.latencyP95Ms), op.clients.join(', ')];
      }));
    table('slowest-operations', ['Operation', 'p50 ms#', 'p95 ms#', 'p99 ms#', 'Operations#'],
      data.slowest.map(function (op) {
        return [operationLabel(op), ms(op.latencyP50Ms), ms(op.latencyP95Ms), ms(op.latencyP99Ms), number(op.operations)];
      }));
    table('errors-by-code', ['Code', 'Operations#', 'Share of all#'],
      sum(data.usage, function (b) { return b.errorsByCode.map(function (c) { return [c.code, c.count]; }); })
        .map(function (c) { return [c[0], number(c[1]), percent(c[1], total)]; }));
    table('refusals', ['Stage', 'Refused#'],
      sum(data.usage, function (b) { return b.refusals.map(function (c) { return [c.stage, c.count]; }); })
        .map(function (c) { return [c[0], number(c[1])]; }));
    show('Updated ' + new Date().toLocaleTimeString('en') + ' (top and slowest operations count whole hours).', true);
  }

  async function loadMembers() {
    var w = window_();
    var data = await run('ConsoleMembers', { from: w.from, to: w.to });
    var viewer = data.viewer;
    $('signed-in').textContent = 'Signed in: ' + (viewer.member ? viewer.member.name : '') + ' (' + viewer.role + ')';
    var picker = $('member');
    var chosen = picker.value;
    while (picker.options.length > 1) picker.remove(1);
    data.members.nodes
      .map(function (m) { return { id: m.id, name: m.name, operations: m.usage.reduce(function (n, b) { return n + b.operations; }, 0) }; })
      .sort(function (a, b) { return b.operations - a.operations || (a.name < b.name ? -1 : 1); })
      .forEach(function (m) {
        var option = document.createElement('option');
        option.value = m.id;
        option.textContent = m.name + ' — ' + number(m.operations) + ' operations';
        picker.appendChild(option);
      });
    picker.value = chosen;
    if (picker.value !== chosen) picker.value = '';
  }

  async function open() {
    try {
      await loadMembers();
      $('sign-in').hidden = true;
      $('console').hidden = false;
      $('sign-out').hidden = false;
      await loadUsage();
    } catch (error) {
      failed(error);
    }
  }

  $('sign-in').addEventListener('submit', async function (event) {
    event.preventDefault();
    var credential = $('credential').value.trim();
    $('credential').value = '';
    show('Signing in…', true);
    try {
      sessionStorage.setItem(TOKEN_KEY, await tokenFor(credential));
    } catch (error) {
      return failed(error);
    }
    await open();
  });
  $('sign-out').addEventListener('click', function () { signedOut('Signed out.'); });
  $('refresh').addEventListener('click', function () { loadMembers().then(loadUsage).catch(failed); });
  $('range').addEventListener('change', function () { loadMembers().then(loadUsage).catch(failed); });
  $('member').addEventListener('change', function () { loadUsage().catch(failed); });
  $('field-form').addEventListener('submit', async function (event) {
    event.preventDefault();
    var w = window_();
    var list = $('field-usage');
    list.textContent = '';
    try {
      var field = (await run('ConsoleFieldUsage', { coordinate: $('coordinate').value.trim(), from: w.from, to: w.to })).fieldUsage;
      [
        ['Field', field.coordinate],
        ['Operations', number(field.operations)],
        ['Members', field.members.map(function (m) { return m.name; }).join(', ') || '—'],
        ['Clients', field.clients.join(', ') || '—'],
        ['Operation names', field.operationNames.join(', ') || '—'],
        ['Last seen', field.lastSeen ? new Date(field.lastSeen).toISOString() : 'not in this window'],
      ].forEach(function (pair) {
        var dt = document.createElement('dt');
        dt.textContent = pair[0];
        var dd = document.createElement('dd');
        dd.textContent = pair[1];
        list.appendChild(dt);
        list.appendChild(dd);
      });
    } catch (error) {
      failed(error);
    }
  });

  if (sessionStorage.getItem(TOKEN_KEY)) open();
  else show('Sign in with an admin API key (alk_…) or an admin access token.', true);
})();
`;
