// shepgate web screens: a little vanilla JavaScript that calls the JSON APIs (same origin) with
// the session cookie and the X-CSRF-Token header, and fills the server-rendered screens.
(function () {
  'use strict';
  var body = document.body;
  var D = body.dataset;
  var L = JSON.parse(document.getElementById('catalogue').textContent);
  var lang = D.lang, P = D.prefix, API = D.api, CON = D.conApi;
  var SESSION_KEY = 'sg.session', DOC_KEY = 'sg.doc.';

  function t(k) { return Object.prototype.hasOwnProperty.call(L, k) ? L[k] : k; }
  function $(s) { return document.querySelector(s); }
  function text(sel, v) { var el = typeof sel === 'string' ? $(sel) : sel; if (el) { el.textContent = v == null || v === '' ? '—' : String(v); } return el; }
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') { e.textContent = attrs[k]; } else if (k === 'class') { e.className = attrs[k]; } else { e.setAttribute(k, attrs[k]); }
    });
    (kids || []).forEach(function (c) { e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function byLang(kk, ru) { return lang === 'ru' ? (ru || kk) : (kk || ru); }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function fmtTime(iso) {
    if (!iso) { return ''; }
    var d = new Date(iso);
    if (isNaN(d.getTime()) || d.getFullYear() < 1900) { return ''; }
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  function fmtMs(ms) {
    if (ms == null || ms === '' || isNaN(ms)) { return ''; }
    ms = Number(ms);
    if (ms >= 60000 && ms % 60000 === 0) { return (ms / 60000) + ' ' + t('status.min'); }
    if (ms >= 60000) { return (ms / 60000).toFixed(1) + ' ' + t('status.min'); }
    return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' ' + t('status.sec');
  }
  function go(path) { window.location.assign(path); }
  function nextOr(def) {
    var n = new URLSearchParams(window.location.search).get('next');
    return n && n.charAt(0) === '/' && n.charAt(1) !== '/' ? n : def;
  }

  // ---- alerts and errors --------------------------------------------------------------------
  function ApiError(status, problem) { this.status = status; this.problem = problem || {}; }
  function problemText(e) {
    if (!(e instanceof ApiError)) { return t('common.error') + (e && e.message ? ': ' + e.message : ''); }
    var p = e.problem, lines = [];
    var title = byLang(p.titleKk, p.titleRu) || p.title || (e.status === 0 ? t('common.network') : t('common.error'));
    lines.push(title + (p.code ? ' (' + t('common.code') + ': ' + p.code + ')' : ''));
    (p.errors || []).forEach(function (f) {
      lines.push('• ' + (f.field ? f.field + ': ' : '') + (byLang(f.messageKk, f.messageRu) || f.message || ''));
    });
    if (!p.errors && p.detail && !p.titleKk) { lines.push(p.detail); }
    return lines.join('\n');
  }
  function markFields(e, map) {
    document.querySelectorAll('[aria-invalid]').forEach(function (x) { x.removeAttribute('aria-invalid'); });
    if (!(e instanceof ApiError)) { return; }
    var fields = (e.problem.errors || []).map(function (f) { return f.field; });
    if (e.problem.field) { fields.push(e.problem.field); }
    fields.forEach(function (f) { var id = map && map[f]; if (id && $(id)) { $(id).setAttribute('aria-invalid', 'true'); } });
  }
  // showError shows e in the screen's alert; a 401 only when always is set (on a sign-in
  // screen), since elsewhere the screen is leaving for sign-in.
  function showError(e, always) {
    if (!always && e instanceof ApiError && e.status === 401) { return; }
    var a = $('#alert');
    a.textContent = typeof e === 'string' ? e : problemText(e);
    a.hidden = false;
    a.scrollIntoView({ block: 'nearest' });
  }
  function clearError() { var a = $('#alert'); a.hidden = true; a.textContent = ''; }

  // ---- HTTP ---------------------------------------------------------------------------------
  function call(method, url, opts) {
    opts = opts || {};
    var h = { 'Accept': opts.accept || 'application/json, application/problem+json' };
    var b = opts.body;
    if (opts.json !== undefined) { h['Content-Type'] = 'application/json'; b = JSON.stringify(opts.json); }
    if (opts.contentType) { h['Content-Type'] = opts.contentType; }
    if (opts.csrf) { h['X-CSRF-Token'] = opts.csrf; }
    return fetch(url, { method: method, headers: h, body: b, credentials: 'same-origin', cache: 'no-store' }).then(function (r) {
      var ct = r.headers.get('Content-Type') || '';
      if (!r.ok) {
        var p = ct.indexOf('json') >= 0 ? r.json().catch(function () { return {}; }) : Promise.resolve({});
        return p.then(function (pj) { throw new ApiError(r.status, pj); });
      }
      if (r.status === 204) { return null; }
      return ct.indexOf('json') >= 0 ? r.json() : r.text();
    }, function () { throw new ApiError(0, {}); });
  }
  function busy(btn, p) {
    if (btn) { btn.disabled = true; }
    return p.then(function (v) { if (btn) { btn.disabled = false; } return v; }, function (e) { if (btn) { btn.disabled = false; } throw e; });
  }
  function readSigned(textarea, file) {
    var f = file.files && file.files[0];
    if (f) { return f.text(); }
    return Promise.resolve(textarea.value.trim());
  }

  // ---- the consumer's session ---------------------------------------------------------------
  // The session is the API's HttpOnly cookie; GET /session tells who is logged in and the CSRF
  // token. The login answer is kept in sessionStorage as a fallback.
  var sess = null;
  function stored() { try { return JSON.parse(sessionStorage.getItem(SESSION_KEY)); } catch (e) { return null; } }
  function toLogin() {
    sessionStorage.removeItem(SESSION_KEY);
    go(P + '/?next=' + encodeURIComponent(window.location.pathname));
  }
  // requireSession resolves to the session, or leads to sign-in.
  function requireSession() {
    return call('GET', API + '/session').then(function (s) {
      var st = stored() || {};
      return { iin: s.iin || st.iin, name: s.name || st.name || '', csrfToken: s.csrfToken || st.csrfToken };
    }, function (e) {
      if (e instanceof ApiError && e.status === 401) { toLogin(); throw e; }
      var st = stored();
      if (e instanceof ApiError && (e.status === 404 || e.status === 405) && st) { return st; }
      throw e;
    }).then(function (s) {
      sess = s;
      body.classList.add('has-session');
      text('#who', (s.name ? s.name + ' · ' : '') + t('common.iin') + ' ' + s.iin);
      $('#logout').addEventListener('click', function () {
        call('DELETE', API + '/session', { csrf: s.csrfToken }).catch(function () { return null; }).then(function () {
          sessionStorage.removeItem(SESSION_KEY);
          go(P + '/');
        });
      });
      return s;
    });
  }
  // api calls the consumer API; a lost session leads back to sign-in.
  function api(method, path, opts) {
    opts = opts || {};
    if (method !== 'GET') { opts.csrf = (sess || stored() || {}).csrfToken; }
    return call(method, API + path, opts).catch(function (e) {
      if (e instanceof ApiError && e.status === 401) { toLogin(); }
      throw e;
    });
  }
  function statusLabel(v) {
    var k = 'st.' + v.status;
    return Object.prototype.hasOwnProperty.call(L, k) ? L[k] : (byLang(v.statusKk, v.statusRu) || v.status);
  }
  function badge(node, code, label) { node.className = 'badge ' + code; node.textContent = label; }

  var pages = {};

  pages.login = function () {
    $('#login-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      clearError();
      var iin = $('#iin').value.trim();
      busy($('#login-submit'), call('POST', API + '/session', { json: { iin: iin, password: $('#password').value } })).then(function (r) {
        sessionStorage.setItem(SESSION_KEY, JSON.stringify({ iin: r.iin || iin, name: r.name || '', csrfToken: r.csrfToken, expiresAt: r.expiresAt }));
        go(nextOr(P + '/services'));
      }).catch(function (e) { markFields(e, { iin: '#iin', password: '#password' }); showError(e, true); });
    });
  };

  pages.services = function () { requireSession().catch(showError); };

  pages.request = function () {
    requireSession().then(function (s) { $('#req-iin').value = s.iin; }).catch(showError);
    var number = Number($('#request-form').dataset.number);
    var use = $('#use-period');
    if (use) {
      use.addEventListener('change', function () {
        $('#period').hidden = !use.checked;
        $('#period-from').required = use.checked;
        $('#period-to').required = use.checked;
      });
    }
    $('#request-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      clearError();
      var req = { serviceId: D.service };
      if (number === 9) { req.duplicate = $('#duplicate').checked; }
      if (number === 10 && use.checked) {
        req.periodFrom = $('#period-from').value;
        req.periodTo = $('#period-to').value;
      }
      busy($('#send'), api('POST', '/requests', { json: req })).then(function (r) {
        var doc = r.document;
        if (doc && typeof doc !== 'string') { doc = JSON.stringify(doc, null, 2); }
        if (doc) { sessionStorage.setItem(DOC_KEY + r.requestNumber, doc); }
        go(P + '/requests/' + encodeURIComponent(r.requestNumber) + '/sign');
      }).catch(function (e) {
        markFields(e, { periodFrom: '#period-from', periodTo: '#period-to', duplicate: '#duplicate' });
        showError(e);
      });
    });
  };

  pages.sign = function () {
    requireSession().then(function () {
      var n = D.n, statusURL = P + '/requests/' + encodeURIComponent(n);
      function show(doc) {
        text('#document', doc);
        var a = $('#download-doc');
        a.href = URL.createObjectURL(new Blob([doc], { type: 'application/xml' }));
        a.setAttribute('download', 'request-' + n + '.xml');
        a.hidden = false;
      }
      var doc = sessionStorage.getItem(DOC_KEY + n);
      if (doc) { show(doc); }
      api('GET', '/requests/' + encodeURIComponent(n)).then(function (v) {
        if (v.status && v.status !== 'DRAFT') {
          showError(t('sign.notDraft'));
          document.querySelectorAll('#sign-test, #sign-submit').forEach(function (b) { b.disabled = true; });
          var link = el('a', { href: statusURL, class: 'button', text: t('sign.toStatus') });
          $('#document').after(link);
          return;
        }
        if (!doc && v.document) { doc = typeof v.document === 'string' ? v.document : JSON.stringify(v.document, null, 2); show(doc); }
        if (!doc) { text('#document', t('sign.noDoc')); }
      }).catch(showError);
      function done() { sessionStorage.removeItem(DOC_KEY + n); go(statusURL); }
      var test = $('#sign-test');
      if (test) {
        test.addEventListener('click', function () {
          clearError();
          busy(test, api('POST', '/requests/' + encodeURIComponent(n) + '/test-signature')).then(done).catch(showError);
        });
      }
      var form = $('#sign-form');
      if (form) {
        form.addEventListener('submit', function (ev) {
          ev.preventDefault();
          clearError();
          readSigned($('#signed-xml'), $('#signed-file')).then(function (xml) {
            if (!xml) { $('#signed-xml').setAttribute('aria-invalid', 'true'); showError(t('sign.empty')); return null; }
            return busy($('#sign-submit'), api('POST', '/requests/' + encodeURIComponent(n) + '/signature',
              { body: xml, contentType: 'application/xml; charset=utf-8' })).then(done);
          }).catch(showError);
        });
      }
    }).catch(showError);
  };

  pages.status = function () {
    requireSession().then(function () {
      var n = D.n;
      function render(v) {
        text('#st-iin', v.iin);
        text('#st-number', v.requestNumber || n);
        text('#st-service', byLang(v.serviceNameKk, v.serviceNameRu) || v.serviceId);
        badge($('#st-status'), v.status, statusLabel(v));
        text('#st-deadline', fmtTime(v.deadline));
        text('#st-submitted', fmtTime(v.submittedAt));
        text('#st-message-state', v.messageState);
        text('#updated', fmtTime(new Date().toISOString()));
        $('#draft-note').hidden = v.status !== 'DRAFT';
        var refused = v.refusalCode || v.refusalKk || v.refusalRu;
        $('#refusal').hidden = !refused;
        if (refused) { text('#refusal-text', byLang(v.refusalKk, v.refusalRu)); $('#refusal-code').textContent = v.refusalCode || ''; }
        $('#result-actions').hidden = !(v.status === 'DONE' || v.status === 'REFUSED');
      if (v.lastError) { showError(byLang(v.lastError.titleKk, v.lastError.titleRu) + ' (' + t('common.code') + ': ' + v.lastError.code + ')'); }
        var tb = $('#steps tbody');
        tb.textContent = '';
        (v.steps || []).forEach(function (s, i) {
          var over = s.normMs && s.durationMs > s.normMs;
          var outcome = s.outcome ? (t('out.' + s.outcome) !== 'out.' + s.outcome ? t('out.' + s.outcome) : s.outcome) : '';
          if (s.code) { outcome += (outcome ? ' · ' : '') + s.code; }
          var dur = fmtMs(s.durationMs);
          if (s.normMs) { dur += ' — ' + (over ? t('status.overNorm') : t('status.withinNorm')); }
          tb.appendChild(el('tr', {}, [
            el('td', { text: s.step != null ? String(s.step) : String(i + 1) }),
            el('td', { text: byLang(s.nameKk, s.nameRu) || '' }),
            el('td', { text: fmtTime(s.startedAt) }),
            el('td', { class: s.normMs ? (over ? 'over' : 'within') : '', text: dur }),
            el('td', { text: s.normMs ? fmtMs(s.normMs) : '—' }),
            el('td', { text: outcome })
          ]));
        });
        $('#no-steps').hidden = (v.steps || []).length > 0;
      }
      function load() {
        clearError();
        return busy($('#refresh'), api('GET', '/requests/' + encodeURIComponent(n))).then(render).catch(showError);
      }
      $('#refresh').addEventListener('click', load);
      load();
    }).catch(showError);
  };

  pages.requests = function () {
    requireSession().then(function () {
      api('GET', '/requests').then(function (r) {
        var list = Array.isArray(r) ? r : (r && (r.requests || r.items)) || [];
        var tb = $('#requests tbody');
        list.forEach(function (v) {
          tb.appendChild(el('tr', {}, [
            el('td', {}, [el('a', { href: P + '/requests/' + encodeURIComponent(v.requestNumber), text: v.requestNumber })]),
            el('td', { text: byLang(v.serviceNameKk, v.serviceNameRu) || v.serviceId || '' }),
            el('td', {}, [el('span', { class: 'badge ' + v.status, text: statusLabel(v) })]),
            el('td', { text: fmtTime(v.submittedAt) }),
            el('td', { text: fmtTime(v.deadline) })
          ]));
        });
        $('#requests-empty').hidden = list.length > 0;
      }).catch(showError);
    }).catch(showError);
  };

  // fieldLabel names a result field in the screen's language (catalogue "field.<name>").
  function fieldLabel(k) { k = String(k).replace(/^@/, ''); return t('field.' + k) !== 'field.' + k ? t('field.' + k) : k; }
  function fieldValue(k, v) {
    if (v === true) { return t('common.yes'); }
    if (v === false) { return t('common.no'); }
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) { return fmtTime(v); }
    if (/Tiyn$/.test(k) && /^-?\d+$/.test(String(v))) { return money(Number(v)); }
    var lk = 'value.' + v;
    if (typeof v === 'string' && t(lk) !== lk) { return t(lk); }
    return String(v);
  }
  // money prints tiyn as tenge with two decimals and grouped thousands.
  function money(tiyn) {
    var neg = tiyn < 0, a = Math.abs(tiyn), whole = String(Math.floor(a / 100)), cents = pad(a % 100);
    return (neg ? '-' : '') + whole.replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0') + ',' + cents;
  }
  // renderValue shows a result's fields: objects as lists of labelled values, lists of objects
  // as tables; fields that come in two languages (xxxKk, xxxRu) in the screen's language.
  function renderValue(v) {
    if (Array.isArray(v)) {
      if (v.length && typeof v[0] === 'object') {
        var keys = [];
        v.forEach(function (r) { Object.keys(r).forEach(function (k) { if (keys.indexOf(k) < 0 && !/(Ru|Kk)$/.test(k)) { keys.push(k); } }); });
        var table = el('table', {}, [el('thead', {}, [el('tr', {}, keys.map(function (k) { return el('th', { text: fieldLabel(k) }); }))])]);
        var tb = el('tbody');
        v.forEach(function (r) {
          tb.appendChild(el('tr', {}, keys.map(function (k) {
            var x = r[k] != null ? r[k] : byLang(r[k + 'Kk'], r[k + 'Ru']);
            return el('td', { text: x == null ? '' : (typeof x === 'object' ? JSON.stringify(x) : fieldValue(k, x)) });
          })));
        });
        table.appendChild(tb);
        return table;
      }
      return document.createTextNode(v.map(String).join(', '));
    }
    if (v && typeof v === 'object') {
      var dl = el('dl');
      Object.keys(v).forEach(function (k) {
        var m = /^(.*)(Kk|Ru)$/.exec(k);
        var key = k, val = v[k];
        if (m) {
          if ((lang === 'ru') !== (m[2] === 'Ru')) { return; }
          key = m[1];
        }
        if (val == null || val === '') { return; }
        var dd = el('dd');
        dd.setAttribute('data-field', key);
        if (typeof val === 'object') { dd.appendChild(renderValue(val)); } else { dd.textContent = fieldValue(key, val); }
        dl.appendChild(el('dt', { text: fieldLabel(key) }));
        dl.appendChild(dd);
      });
      return dl;
    }
    return document.createTextNode(v == null ? '' : String(v));
  }

  pages.result = function () {
    requireSession().then(function () {
      var n = encodeURIComponent(D.n);
      api('GET', '/requests/' + n).then(function (v) {
        text('#res-service', byLang(v.serviceNameKk, v.serviceNameRu) || v.serviceId);
        badge($('#res-status'), v.status, statusLabel(v));
      }).catch(showError);
      api('GET', '/requests/' + n + '/result').then(function (r) {
        var box = $('#result');
        box.textContent = '';
        if (typeof r === 'string') { box.appendChild(el('pre', { class: 'xml', text: r })); return; }
        var head = {};
        if (r.kind) { head.kind = r.kind; }
        if (r.outcome) { head.outcome = r.outcome; }
        if (r.refusalCode) { head.refusalKk = r.refusalKk; head.refusalRu = r.refusalRu; head.refusalCode = r.refusalCode; }
        box.appendChild(renderValue(head));
        if (r.document) {
          var doc = Object.assign({}, r.document);
          delete doc.serviceId;
          delete doc.requestNumber;
          box.appendChild(el('h2', { text: t('result.document') }));
          box.appendChild(renderValue(doc));
        }
      }).catch(function (e) {
        text('#result', t('result.notReady'));
        showError(e);
      });
    }).catch(showError);
  };

  pages.survey = function () {
    requireSession().then(function () {
      var n = encodeURIComponent(D.n);
      api('GET', '/requests/' + n).then(function (v) {
        text('#survey-service', byLang(v.serviceNameKk, v.serviceNameRu) || v.serviceId);
        if (v.serviceNumber === 9 || v.serviceId === D.service9) { text('#q1-text', $('#q1-text').dataset.q9); }
      if (v.survey) { $('#survey-form').hidden = true; $('#survey-thanks').hidden = false; }
      }).catch(showError);
      $('#survey-form').addEventListener('submit', function (ev) {
        ev.preventDefault();
        clearError();
        var q1 = document.querySelector('input[name=q1]:checked'), q2 = document.querySelector('input[name=q2]:checked');
        if (!q1 || !q2) { showError(t('survey.answer')); return; }
        busy($('#survey-submit'), api('POST', '/requests/' + n + '/survey', { json: { q1: Number(q1.value), q2: Number(q2.value) } })).then(function () {
          $('#survey-form').hidden = true;
          $('#survey-thanks').hidden = false;
        }).catch(showError);
      });
    }).catch(showError);
  };

  // ---- the ЦОН operator ---------------------------------------------------------------------
  var op = null;
  function requireOperator() {
    return call('GET', CON + '/session').then(function (s) {
      op = s;
      body.classList.add('has-session');
      var o = s.operator || {};
      text('#who', [o.lastName, o.firstName].filter(Boolean).join(' ') + ' (' + o.login + ')');
      $('#logout').addEventListener('click', function () {
        call('POST', CON + '/logout', { csrf: op.csrfToken }).catch(function () { return null; }).then(function () { go(P + '/con/'); });
      });
      return s;
    }, function (e) {
      if (e instanceof ApiError && e.status === 401) { go(P + '/con/?next=' + encodeURIComponent(window.location.pathname)); }
      throw e;
    });
  }
  function conCall(method, path, opts) {
    opts = opts || {};
    if (method !== 'GET' && op) { opts.csrf = op.csrfToken; }
    return call(method, CON + path, opts);
  }
  function person(p) {
    if (!p) { return ''; }
    return [p.lastName, p.firstName, p.middleName].filter(Boolean).join(' ') + ' · ' + t('common.iin') + ' ' + p.iin;
  }
  var appFields = {
    'consumer.iin': '#c-iin', 'consumer.lastName': '#c-last', 'consumer.firstName': '#c-first', 'consumer.middleName': '#c-middle',
    periodFrom: '#p-from', periodTo: '#p-to', 'representative.iin': '#r-iin', 'representative.lastName': '#r-last',
    'representative.firstName': '#r-first', 'representative.middleName': '#r-middle', 'powerOfAttorney.number': '#poa-number',
    'powerOfAttorney.issueDate': '#poa-issued', 'powerOfAttorney.validUntil': '#poa-until', 'powerOfAttorney.notaryName': '#poa-notary'
  };

  pages['con-login'] = function () {
    $('#con-login-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      clearError();
      busy($('#con-login-submit'), call('POST', CON + '/login', { json: { login: $('#login').value.trim(), password: $('#password').value } })).then(function () {
        go(nextOr(P + '/con/applications'));
      }).catch(function (e) { markFields(e, { login: '#login', password: '#password' }); showError(e, true); });
    });
  };

  pages['con-applications'] = function () {
    requireOperator().then(function () {
      return conCall('GET', '/applications').then(function (r) {
        var list = (r && r.applications) || [];
        var tb = $('#apps tbody');
        list.forEach(function (a) {
          tb.appendChild(el('tr', {}, [
            el('td', { text: a.requestNumber }),
            el('td', { text: person(a.consumer) }),
            el('td', {}, [el('span', { class: 'badge ' + a.status, text: t('cst.' + a.status) })]),
            el('td', { text: fmtTime(a.created) }),
            el('td', {}, [el('a', { href: P + '/con/applications/' + encodeURIComponent(a.id), text: t('con.open') })])
          ]));
        });
        $('#apps-empty').hidden = list.length > 0;
      });
    }).catch(showError);
    var hasRep = $('#has-rep'), notarised = $('#poa-notarised');
    hasRep.addEventListener('change', function () { $('#rep').hidden = !hasRep.checked; });
    notarised.addEventListener('change', function () { $('#poa').hidden = !notarised.checked; });
    $('#app-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      clearError();
      function v(id) { return $(id).value.trim(); }
      var req = {
        consumer: { iin: v('#c-iin'), lastName: v('#c-last'), firstName: v('#c-first'), middleName: v('#c-middle') },
        periodFrom: v('#p-from'), periodTo: v('#p-to'), lang: lang
      };
      if (hasRep.checked) {
        req.representative = { iin: v('#r-iin'), lastName: v('#r-last'), firstName: v('#r-first'), middleName: v('#r-middle') };
        if (notarised.checked) {
          req.powerOfAttorney = { number: v('#poa-number'), issueDate: v('#poa-issued'), validUntil: v('#poa-until'), notaryName: v('#poa-notary') };
        }
      }
      busy($('#create'), conCall('POST', '/applications', { json: req })).then(function (a) {
        go(P + '/con/applications/' + encodeURIComponent(a.id));
      }).catch(function (e) { markFields(e, appFields); showError(e); });
    });
  };

  pages['con-application'] = function () {
    var id = encodeURIComponent(D.id), app = null;
    function checkCell(row, kind, a) {
      var cell = $(row + ' .result');
      cell.textContent = '';
      var c = null;
      (a.checks || []).forEach(function (x) { if (x.kind === kind) { c = x; } });
      if (!c) { cell.appendChild(el('span', { class: 'badge', text: t('con.notChecked') })); return; }
      cell.appendChild(el('span', { class: 'badge ' + c.result, text: t('chk.' + c.result) }));
      var msg = byLang(c.messageKk, c.messageRu);
      if (msg || c.code) { cell.appendChild(el('div', { class: 'note', text: (msg || '') + (c.code ? ' (' + c.code + ')' : '') })); }
      if (c.person) { cell.appendChild(el('div', { class: 'note', text: person(c.person) })); }
      if (c.powerOfAttorney) { cell.appendChild(el('div', { class: 'note', text: c.powerOfAttorney.number + ' · ' + (c.powerOfAttorney.notaryName || '') })); }
    }
    function render(a) {
      app = a;
      var draft = a.status === 'DRAFT';
      text('#a-number', a.requestNumber);
      badge($('#a-status'), a.status, t('cst.' + a.status));
      text('#a-consumer', person(a.consumer));
      text('#a-period', (a.periodFrom || '') + ' — ' + (a.periodTo || ''));
      text('#a-rep', person(a.representative));
      var p = a.powerOfAttorney;
      text('#a-poa', p ? [p.number, p.issueDate, p.validUntil, p.notaryName].filter(Boolean).join(' · ') : t('con.noPoa'));
      checkCell('#check-consumer', 'consumer', a);
      checkCell('#check-poa', 'power-of-attorney', a);
      $('#run-consumer').disabled = !draft;
      $('#run-poa').hidden = !p;
      $('#run-poa').disabled = !draft;
      if (!p) { text('#check-poa .result', t('con.noPoa')); }
      var tb = $('#docs tbody');
      tb.textContent = '';
      (a.documents || []).forEach(function (d) {
        tb.appendChild(el('tr', {}, [
          el('td', { text: t('doc.' + d.kind) }),
          el('td', { text: d.paperPresented ? t('common.yes') : t('common.no') }),
          el('td', {}, [el('a', { href: CON + '/applications/' + id + '/documents/' + encodeURIComponent(d.id), text: d.fileName })]),
          el('td', { text: Math.max(1, Math.round(d.size / 1024)) + ' KB' })
        ]));
      });
      $('#no-docs').hidden = (a.documents || []).length > 0;
      document.querySelectorAll('.draft-only').forEach(function (x) { x.hidden = !draft; });
      var missing = byLang(a.missingKk, a.missingRu) || a.missing || [];
      $('#missing').hidden = !draft || missing.length === 0;
      text('#missing-list', missing.join('; '));
      var sub = a.submission;
      $('#answer-card').hidden = !sub;
      if (sub) {
        text('#s-number', a.requestNumber);
        text('#s-submitted', fmtTime(sub.submittedAt));
        text('#s-state', sub.messageState);
        text('#con-updated', fmtTime(new Date().toISOString()));
      }
      var ce = a.channelError;
      $('#channel-error').hidden = !ce;
      if (ce) { text('#channel-error', t('con.channelError') + ': ' + (byLang(ce.titleKk, ce.titleRu) || ce.title) + ' (' + ce.code + ')'); }
      var r = a.result;
      $('#con-result').hidden = !r;
      if (r) {
        text('#r-kind', t('kind.' + r.kind));
        text('#r-number', r.documentNumber);
        text('#r-rows', r.kind === 'STATEMENT' ? r.rows || 0 : '');
        text('#r-total', r.kind === 'STATEMENT' ? ((r.totalTiyn || 0) / 100).toFixed(2) : '');
        text('#r-refusal', r.code ? byLang(r.messageKk, r.messageRu) + ' (' + r.code + ')' : '');
        text('#r-signer', r.signer);
        var link = $('#r-open');
        link.href = CON + '/applications/' + id + '/result';
        link.setAttribute('download', 'result-' + a.requestNumber + '.xml');
      }
    }
    function load() {
      clearError();
      return conCall('GET', '/applications/' + id).then(render).catch(showError);
    }
    function run(btn, path) {
      btn.addEventListener('click', function () {
        clearError();
        busy(btn, conCall('POST', '/applications/' + id + path)).then(function (r) { render(r.application || r); }).catch(function (e) { showError(e); load(); });
      });
    }
    requireOperator().then(load).catch(showError);
    run($('#run-consumer'), '/checks/consumer');
    run($('#run-poa'), '/checks/power-of-attorney');
    $('#con-refresh').addEventListener('click', function () { busy($('#con-refresh'), load()); });
    $('#doc-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      clearError();
      var f = $('#doc-file').files[0];
      if (!f) { $('#doc-file').setAttribute('aria-invalid', 'true'); showError(t('con.scan')); return; }
      var fd = new FormData();
      fd.append('kind', $('#doc-kind').value);
      fd.append('paperPresented', $('#doc-paper').checked ? 'true' : 'false');
      fd.append('file', f, f.name);
      busy($('#attach'), conCall('POST', '/applications/' + id + '/documents', { body: fd })).then(function () {
        $('#doc-file').value = '';
        return load();
      }).catch(showError);
    });
    function documentXML() {
      return conCall('GET', '/applications/' + id + '/document', { accept: 'application/xml, application/problem+json' }).then(function (xml) {
        var pre = $('#con-document');
        pre.textContent = xml;
        pre.hidden = false;
        return xml;
      });
    }
    $('#show-doc').addEventListener('click', function () { clearError(); documentXML().catch(showError); });
    function submit(signed) {
      return conCall('POST', '/applications/' + id + '/submit', { body: signed, contentType: 'application/xml; charset=utf-8' }).then(function (r) {
        render(r.application || r);
        return load();
      });
    }
    var ts = $('#test-sign-submit');
    if (ts) {
      ts.addEventListener('click', function () {
        clearError();
        busy(ts, documentXML().then(function (xml) {
          return call('POST', P + '/con/test-sign', { body: xml, contentType: 'application/xml; charset=utf-8', accept: 'application/xml, application/problem+json' });
        }).then(submit)).catch(showError);
      });
    }
    var sf = $('#con-sign-form');
    if (sf) {
      sf.addEventListener('submit', function (ev) {
        ev.preventDefault();
        clearError();
        readSigned($('#con-signed-xml'), $('#con-signed-file')).then(function (xml) {
          if (!xml) { showError(t('sign.empty')); return null; }
          return busy($('#con-sign-submit'), submit(xml));
        }).catch(showError);
      });
    }
  };

  if (pages[D.page]) { pages[D.page](); }
}());
