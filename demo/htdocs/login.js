'use strict';
// The login page's way back (issue 23). A page protected with AuthJWTLoginURL sends a browser
// without a token here with ?return=PATH. After a successful login this script goes back to
// PATH -- only when it is a same-origin relative path ("/admin?page=secrets"): a return value
// such as "//evil.example/" or "https://evil.example/" would make this page an open redirect,
// sending a user who just logged in to a site of someone else's choice. Without a valid
// return value (or without JavaScript) the form posts as before and shows the answer.
(function () {
  function safeReturn() {
    const ret = new URLSearchParams(window.location.search).get('return');
    // one leading '/', then no second '/' or '\' (protocol-relative), no blanks or controls
    if (!ret || !/^\/(?![/\\])[^\s\\\u0000-\u001f\u007f]*$/.test(ret)) return null;
    let u;
    try { u = new URL(ret, window.location.origin); } catch (_) { return null; }
    if (u.origin !== window.location.origin) return null;
    return u.pathname + u.search;
  }

  const form = document.getElementById('login-form');
  const note = document.getElementById('return-note');
  const error = document.getElementById('login-error');
  const ret = safeReturn();
  if (!form || !ret) return;
  note.textContent = `After you log in you go back to ${ret}`;
  note.hidden = false;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    let res;
    try {
      res = await fetch(form.action, {
        method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' },
        body: new URLSearchParams(new FormData(form)),
      });
    } catch (e) {
      error.textContent = `The login did not answer: ${e.message}`;
      error.hidden = false;
      return;
    }
    if (res.ok) {
      window.location.assign(ret);
      return;
    }
    let why = `HTTP ${res.status}`;
    try { why = (await res.json()).error_description || why; } catch (_) { /* not JSON */ }
    error.textContent = `Login refused: ${why}`;
    error.hidden = false;
  });
}());
