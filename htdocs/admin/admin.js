// mod_auth_jwt admin page: copy buttons and delete confirmation. Loaded as a file (the
// Content-Security-Policy forbids inline script), attached by data attributes.
'use strict';
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('button.copy[data-copy]').forEach(function (btn) {
    btn.addEventListener('click', function () {
      var el = document.getElementById(btn.getAttribute('data-copy'));
      if (!el) return;
      var text = el.value !== undefined && el.tagName === 'TEXTAREA' ? el.value : el.textContent;
      var done = function () { btn.textContent = 'Copied'; };
      // Without clipboard permission, select the text so Ctrl+C copies it, and try the
      // older copy command.
      var fallback = function () {
        selectText(el);
        try { if (document.execCommand('copy')) done(); } catch (e) { /* selection stays */ }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, fallback);
      } else {
        fallback();
      }
    });
  });
  // Forms whose button has data-confirm ask first; on yes they skip the server's
  // confirmation page by sending confirm=yes. Without JS the server asks instead.
  document.querySelectorAll('button[data-confirm]').forEach(function (btn) {
    btn.form.addEventListener('submit', function (ev) {
      if (!window.confirm(btn.getAttribute('data-confirm'))) { ev.preventDefault(); return; }
      var field = btn.form.querySelector('input.confirm-field');
      if (field) field.value = 'yes';
    });
  });
});

function selectText(el) {
  if (el.select) { el.select(); return; }
  var range = document.createRange();
  range.selectNodeContents(el);
  var sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
}
