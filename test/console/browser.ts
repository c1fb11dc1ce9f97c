// One headless Debian Chromium for the console tests (playwright-core drives it), and a watcher that collects every
// console error, page error, failed request and 4xx/5xx answer a page causes.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

// The Debian package's binary (apt-get install chromium); .ci/run installs it when missing.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium dials out at start, and this machine's closed network refuses it.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export async function launchChromium(): Promise<Browser> {
  // Fails, never skips: a CI run without Chromium must not pass the browser tests silently.
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

/** Everything that went wrong in a context's pages, as lines; an empty list is a clean run. */
export function watchProblems(context: BrowserContext): string[] {
  const problems: string[] = [];
  context.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  context.on('weberror', (e) => problems.push(`page error: ${e.error().message}`));
  context.on('requestfailed', (r) => {
    // A full page load cancels the previous page's in-flight poll: that is the browser's doing, not a failure.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`);
  });
  context.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return problems;
}
