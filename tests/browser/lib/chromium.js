'use strict';
// Shared by the browser tests (tests/browser/*.test.js): Debian's chromium, headless, in a
// fresh profile, and the end of a test file (browser, httpd, profile, keys).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/* { context, profileDir }: a persistent context on a fresh profile (playwright passes it as
 * --user-data-dir); extra adds launch options (timeout, ...). A failed launch removes the
 * profile and throws. */
async function launch(extra = {}) {
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jwt-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ARGS,
      viewport: { width: 1200, height: 900 },
      ...extra,
    });
    return { context, profileDir };
  } catch (e) {
    fs.rmSync(profileDir, { recursive: true, force: true });
    throw e;
  }
}

/* For after(): each part that was made, in this order; the keys stay with KEEP_HTTPD_DIRS. */
async function finish({ context, srv, profileDir, keys }) {
  await context?.close();
  await srv?.stop();
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
  if (!process.env.KEEP_HTTPD_DIRS) keys?.cleanup();
}

module.exports = { launch, finish };
