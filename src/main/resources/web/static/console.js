// The console's progressive enhancement (the pages work without it): live status over server-sent events,
// logs that follow, copy buttons, show/hide for secrets, browser checks shown next to the field, analysis progress.
'use strict';

function liveStatus() {
  const badges = document.querySelectorAll('[data-status-of]');
  if (badges.length === 0 || !window.EventSource) return;
  const events = new EventSource('/events');
  events.addEventListener('sessions', (event) => {
    const counts = JSON.parse(event.data);
    document.querySelectorAll('[data-sessions-of]').forEach((cell) => {
      cell.textContent = String(counts[cell.getAttribute('data-sessions-of')] || 0);
    });
  });
  events.addEventListener('status', (event) => {
    const fact = JSON.parse(event.data);
    document.querySelectorAll('[data-status-of="' + CSS.escape(fact.id) + '"]').forEach((badge) => {
      badge.textContent = fact.status;
      badge.className = 'status status-' + fact.status;
    });
    document.querySelectorAll('[data-reason-of="' + CSS.escape(fact.id) + '"]').forEach((reason) => {
      reason.textContent = fact.reason || '';
    });
  });
}

function followLogs() {
  const pane = document.querySelector('[data-logs-of]');
  if (!pane) return;
  const id = pane.getAttribute('data-logs-of');
  let last = '';
  const poll = () => fetch('/deployments/' + encodeURIComponent(id) + '/logs.json', { credentials: 'same-origin' })
    .then((r) => r.ok ? r.json() : Promise.reject(new Error('HTTP ' + r.status)))
    .then((logs) => {
      const all = [].concat(logs.events || [], logs.lines || []).map((l) => typeof l === 'string' ? { text: l } : l);
      all.sort((a, b) => String(a.at || '').localeCompare(String(b.at || '')));
      const lines = all.map((l) => (l.at ? l.at + ' ' : '') + (l.source ? '[' + l.source + '] ' : '') + (l.text || ''));
      const text = lines.length ? lines.join('\n') : '(nothing yet)';
      if (text !== last) {
        const atBottom = pane.scrollTop + pane.clientHeight >= pane.scrollHeight - 4;
        pane.textContent = text;
        last = text;
        if (atBottom) pane.scrollTop = pane.scrollHeight;
      }
      if (logs.status) {
        document.querySelectorAll('[data-status-of="' + CSS.escape(id) + '"]').forEach((badge) => {
          badge.textContent = logs.status;
          badge.className = 'status status-' + logs.status;
        });
        document.querySelectorAll('[data-reason-of="' + CSS.escape(id) + '"]').forEach((r) => { r.textContent = logs.reason || ''; });
      }
    })
    .catch(() => {})
    .finally(() => setTimeout(poll, 2000));
  poll();
}

function copyButtons() {
  document.querySelectorAll('[data-copy]').forEach((button) => {
    button.addEventListener('click', () => {
      const source = document.getElementById(button.getAttribute('data-copy'));
      const text = 'value' in source && source.tagName !== 'PRE' ? source.value : source.textContent;
      const done = () => { button.textContent = 'Copied'; setTimeout(() => { button.textContent = 'Copy'; }, 2500); };
      const fallback = () => {
        if (source.select) source.select();
        else window.getSelection().selectAllChildren(source);
        button.textContent = document.execCommand && document.execCommand('copy') ? 'Copied' : 'Press Ctrl+C';
      };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
      else fallback();
    });
  });
}

function secretToggles() {
  document.querySelectorAll('[data-toggle-secret]').forEach((button) => {
    button.addEventListener('click', () => {
      const input = document.getElementById(button.getAttribute('data-toggle-secret'));
      const show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      button.textContent = show ? 'Hide' : 'Show';
      button.setAttribute('aria-pressed', String(show));
    });
  });
}

function fieldChecks() {
  document.querySelectorAll('form').forEach((form) => {
    form.addEventListener('invalid', (event) => {
      const input = event.target;
      const error = document.getElementById(input.id + '-error');
      if (error) {
        error.textContent = input.validationMessage;
        event.preventDefault();
        input.closest('.field') && input.closest('.field').classList.add('has-error');
      }
    }, true);
    form.addEventListener('input', (event) => {
      const input = event.target;
      const error = input.id && document.getElementById(input.id + '-error');
      if (error && input.validity && input.validity.valid) error.textContent = '';
    });
    form.addEventListener('submit', () => {
      const first = form.querySelector(':invalid');
      if (first) first.focus();
    });
  });
  document.querySelectorAll('form[data-busy]').forEach((form) => {
    form.addEventListener('submit', () => {
      const progress = form.querySelector('.progress');
      const started = Date.now();
      const tick = () => {
        progress.textContent = form.getAttribute('data-busy') + ' ' + Math.round((Date.now() - started) / 1000) + ' s';
      };
      tick();
      setInterval(tick, 1000);
      form.querySelector('button[type=submit]').disabled = true;
    });
  });
}

function runtimeFields() {
  const runtime = document.getElementById('runtime');
  if (!runtime) return;
  const show = () => {
    const r = runtime.value;
    document.querySelectorAll('.for-package').forEach((f) => { f.hidden = !['npm', 'pypi', 'oci'].includes(r); });
    document.querySelectorAll('.for-command').forEach((f) => { f.hidden = r !== 'command'; });
    document.querySelectorAll('.for-remote').forEach((f) => { f.hidden = r !== 'remote'; });
  };
  runtime.addEventListener('change', show);
  show();
}

document.addEventListener('DOMContentLoaded', () => {
  liveStatus();
  followLogs();
  copyButtons();
  secretToggles();
  fieldChecks();
  runtimeFields();
});
