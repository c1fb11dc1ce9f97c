// The console in a real browser against a gateway with seeded traffic: sign in, each page shows the figures the
// seed computed from what it sent, filters narrow the list, a detail shows the attempts, the live tail picks up a
// new request, a key made in the page works with the openai client until the page revokes it, no page logs an
// error or fails a request, and signed out there is no data. Screenshots of every page at 1280 and 390 px.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import OpenAI from 'openai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../ship/ship-helpers.js';
import { launchChromium, watchProblems } from './browser.js';
import { ADMIN, seedConsole, type Seeded } from './seed.js';

const SHOTS = process.env.CONSOLE_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'gw-console-shots-'));
const usd = (n: number) => `$${Math.abs(n) < 1 ? n.toFixed(6) : n.toFixed(2)}`;
const count = (n: number) => n.toLocaleString('en-US');

let seeded: Seeded;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[];

beforeAll(async () => {
  // The page under test is the one in this tree, built now (what `npm run build` does) while the traffic is seeded.
  [, seeded, browser] = await Promise.all([build({ root: join(repoRoot, 'ui'), logLevel: 'error' }), seedConsole(), launchChromium()]);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // A missing element fails its step in seconds, not at the test's timeout.
  context.setDefaultTimeout(8_000);
  problems = watchProblems(context);
  page = await context.newPage();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await seeded?.close();
});

const ui = (path = '') => `${seeded.gateway.url}/ui${path}`;
/** expect.poll with room for a loaded machine (its default gives up after 1 s). */
const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000, interval: 100 });
const stat = (name: string) => page.locator(`[data-stat="${name}"]`);
const requestRows = () => page.locator('table.requests tbody tr');

async function openNav(label: string) {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: label }).click();
}

async function shoot(name: string) {
  await page.screenshot({ path: join(SHOTS, `console-${name}-1280.png`), fullPage: true });
}

// Each step drives several pages on a loaded machine: more room than the suite's 20 s default.
describe('the console in Chromium', { timeout: 45_000 }, () => {
  it('shows only the sign-in page without a session, and refuses every data call', async () => {
    await page.goto(ui('/requests'));
    await eventually(() => page.getByLabel('Admin key').count()).toBe(1);
    expect(await page.locator('table').count()).toBe(0);
    const html = await (await fetch(ui('/requests'))).text();
    expect(html).not.toContain('alpha question');
    for (const path of ['/admin/overview?window=hour', '/admin/requests', '/admin/providers', '/admin/spend?group_by=team', '/admin/budgets', '/admin/keys']) {
      expect((await fetch(`${seeded.gateway.url}${path}`)).status, path).toBe(401);
    }
    await page.screenshot({ path: join(SHOTS, 'console-sign-in-1280.png') });
  });

  it('signs in with the admin key and shows the overview figures of the seeded traffic', async () => {
    await page.getByLabel('Admin key').fill(ADMIN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Signed in, the page asked for (requests) shows; then the overview, by its nav link.
    await eventually(() => requestRows().count()).toBe(seeded.expected.requests);
    await openNav('Overview');
    const e = seeded.expected;
    await eventually(() => stat('requests').textContent()).toBe(count(e.requests));
    expect(await stat('errors').textContent()).toBe(count(e.errors));
    expect(await stat('tokens').textContent()).toBe(`${count(e.promptTokens)} / ${count(e.completionTokens)}`);
    expect(await stat('cost_usd').textContent()).toBe(usd(e.costUsd));
    expect(await stat('fallbacks').textContent()).toBe(count(e.fallbacks));
    expect(await stat('rate_limited').textContent()).toBe(count(e.rateLimited));
    expect(await stat('budget_refused').textContent()).toBe(count(e.budgetRefused));
    expect(Number(await stat('breaker_trips').textContent())).toBeGreaterThanOrEqual(1);
    expect(await stat('error_rate').textContent()).toBe(`${((e.errors / e.requests) * 100).toFixed(1)}%`);
    const fallbackRow = page.locator('tr[data-model="fallback/f-model"]');
    expect(await fallbackRow.locator('[data-col=requests]').textContent()).toBe('1');
    expect(await fallbackRow.locator('[data-col=cost_usd]').textContent()).toBe(usd(0.0004));
    expect(await page.locator('.chart canvas').count()).toBeGreaterThanOrEqual(6);
    await shoot('overview');
    await page.getByRole('button', { name: 'Last week' }).click();
    await eventually(() => page.getByRole('button', { name: 'Last week' }).getAttribute('aria-pressed')).toBe('true');
    await eventually(() => stat('requests').textContent()).toBe(count(e.requests));
  });

  it('lists the requests, and the filters narrow the list', async () => {
    await openNav('Requests');
    await eventually(() => requestRows().count()).toBe(seeded.expected.requests);
    const filter = async (label: string, value: string, select = false) => {
      await page.getByRole('link', { name: 'Clear' }).click();
      await eventually(() => requestRows().count()).toBe(seeded.expected.requests);
      if (select) await page.getByLabel(label).selectOption(value);
      else await page.getByLabel(label).fill(value);
      await page.getByRole('button', { name: 'Apply filters' }).click();
    };
    await filter('Question contains', 'alpha');
    await eventually(() => requestRows().count()).toBe(seeded.expected.alphaRows);
    for (const q of await requestRows().locator('[data-col=question]').allTextContents()) expect(q).toMatch(/^alpha question \d$/);
    await filter('Status', '4xx', true);
    await eventually(() => requestRows().count()).toBe(seeded.expected.status4xx);
    expect(await requestRows().locator('[data-col=status]').allTextContents()).toEqual(['429', '429']);
    await filter('Provider', 'fallback');
    await eventually(() => requestRows().count()).toBe(seeded.expected.fallbackRows);
    await shoot('requests');
  });

  it('shows a request with its attempts as a timeline: the primary failed, the fallback answered', async () => {
    await requestRows().first().getByRole('link').click();
    const attempts = page.locator('ol.timeline li');
    await eventually(() => attempts.count()).toBe(2);
    expect(await attempts.nth(0).getAttribute('class')).toBe('bad');
    expect(await attempts.nth(0).textContent()).toContain('primary/p-model');
    expect(await attempts.nth(0).locator('[data-col=attempt-status]').textContent()).toBe('500');
    expect(await attempts.nth(1).getAttribute('class')).toBe('ok');
    expect(await attempts.nth(1).textContent()).toContain('fallback/f-model');
    expect(await page.locator('[data-fact=answered_by]').textContent()).toBe('fallback/f-model');
    expect(await stat('prompt_tokens').textContent()).toBe('300');
    expect(await stat('cost_usd').textContent()).toBe(usd(0.0004));
    expect(await page.locator('pre.body').first().textContent()).toContain('fallback question');
    await shoot('request-detail');
  });

  it('shows the providers: the tripped breaker open, the others closed', async () => {
    await seeded.gateway.services.prober.runOnce();
    await openNav('Providers');
    const primary = page.locator('[data-provider=primary]');
    await eventually(() => primary.locator('tr[data-model=q-model] [data-col=circuit]').textContent()).toBe('open');
    expect(await primary.locator('tr[data-model=p-model] [data-col=circuit]').textContent()).toBe('closed');
    expect(await page.locator('[data-provider=fallback] [data-col=health]').textContent()).toBe('healthy');
    await shoot('providers');
  });

  it('shows spend by team and each budget with how much is used', async () => {
    await openNav('Spend');
    await page.getByRole('button', { name: 'team', exact: true }).click();
    const e = seeded.expected.byTeam;
    const row = (id: string) => page.locator(`tr[data-group="${id}"]`);
    await eventually(() => row(seeded.team.id).locator('[data-col=cost_usd]').textContent()).toBe(usd(e.platform!.costUsd));
    expect(await row(seeded.team.id).locator('[data-col=requests]').textContent()).toBe(count(e.platform!.requests));
    expect(await row(seeded.otherTeam.id).locator('[data-col=cost_usd]').textContent()).toBe(usd(e.research!.costUsd));
    const used = e.platform!.costUsd;
    const budget = (id: string) => page.locator(`[data-budget="${id}"] [data-col=used]`);
    await eventually(() => budget(seeded.team.id).textContent()).toBe(`${usd(used)} of ${usd(seeded.expected.teamBudgetUsd)} (${Math.round((used / seeded.expected.teamBudgetUsd) * 100)}%)`);
    expect(await budget(seeded.key.id).textContent()).toBe(`${usd(used)} of ${usd(seeded.expected.keyBudgetUsd)} (${Math.round((used / seeded.expected.keyBudgetUsd) * 100)}%)`);
    await shoot('spend');
  });

  it('shows a new request in the live tail within 2 s', async () => {
    await openNav('Requests');
    await eventually(() => requestRows().count()).toBe(seeded.expected.requests);
    const question = `tail question ${Date.now()}`;
    await seeded.client.chat.completions.create({ model: 'primary/p-model', messages: [{ role: 'user', content: question }] });
    const answeredAt = Date.now();
    await page.locator('table.requests [data-col=question]', { hasText: question }).waitFor({ timeout: 2_000 });
    expect(Date.now() - answeredAt).toBeLessThan(2_000);
    expect(await requestRows().first().locator('[data-col=question]').textContent()).toBe(question);
  });

  it('creates a key (shown once), edits its limits, and revokes it: the openai client then gets 401', async () => {
    await openNav('Keys and teams');
    const form = page.getByRole('form', { name: 'New key' });
    await form.getByLabel('Team').selectOption({ label: 'platform' });
    await form.getByLabel('Key name').fill('made-in-console');
    await form.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.locator('[data-secret]').textContent()) ?? '';
    expect(secret).toMatch(/^sk-gw-/);
    await shoot('keys');
    const client = new OpenAI({ apiKey: secret, baseURL: seeded.gateway.baseURL, maxRetries: 0 });
    const ok = await client.chat.completions.create({ model: 'primary/p-model', messages: [{ role: 'user', content: 'with the new key' }] });
    expect(ok.choices[0]?.message.content).toBe('seeded answer');
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.locator('[data-secret]').count()).toBe(0);

    const item = page.locator('li.item', { hasText: 'made-in-console' });
    await item.getByRole('button', { name: 'Edit limits' }).click();
    await item.getByLabel('Requests / minute').fill('77');
    await item.getByRole('button', { name: 'Save limits' }).click();
    await eventually(() => page.locator('li.item', { hasText: 'made-in-console' }).textContent()).toContain('77 rpm');

    await page.locator('li.item', { hasText: 'made-in-console' }).getByRole('button', { name: 'Revoke' }).click();
    await page.locator('li.item', { hasText: 'made-in-console' }).getByRole('button', { name: 'Confirm revoke' }).click();
    await eventually(() => page.locator('li.item', { hasText: 'made-in-console' }).locator('[data-col=key-state]').textContent()).toBe('revoked');
    const refused = await client.chat.completions.create({ model: 'primary/p-model', messages: [{ role: 'user', content: 'after revoke' }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('is keyboard-navigable: Tab reaches the nav links, Enter follows one', async () => {
    await page.goto(ui('/'));
    await eventually(() => stat('requests').count()).toBe(1);
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe('Skip to content');
    for (let i = 0; i < 2; i++) await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe('Requests');
    await page.keyboard.press('Enter');
    await eventually(() => page.getByRole('heading', { name: 'Requests' }).count()).toBe(1);
  });

  it('renders every page at 390 px wide without horizontal scrolling of the page', async () => {
    const narrow = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await context.storageState() });
    const narrowProblems = watchProblems(narrow);
    const small = await narrow.newPage();
    try {
      const pages: Array<[string, string, string]> = [
        ['overview', '/', '[data-stat=requests]'],
        ['requests', '/requests', 'table.requests tbody tr'],
        ['providers', '/providers', '[data-provider=primary]'],
        ['spend', '/spend', 'table.spend tbody tr'],
        ['keys', '/keys', 'li.item'],
      ];
      for (const [name, path, ready] of pages) {
        await small.goto(ui(path));
        await small.locator(ready).first().waitFor();
        const overflow = await small.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect(overflow, name).toBeLessThanOrEqual(0);
        await small.screenshot({ path: join(SHOTS, `console-${name}-390.png`), fullPage: true });
      }
      expect(narrowProblems).toEqual([]);
    } finally {
      await narrow.close();
    }
  });

  it('signs out: the sign-in page is back and the data calls are refused', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await eventually(() => page.getByLabel('Admin key').count()).toBe(1);
    expect(await context.cookies()).toEqual([]);
    await page.goto(ui('/requests'));
    await eventually(() => page.getByLabel('Admin key').count()).toBe(1);
    expect(await page.locator('table').count()).toBe(0);
  });

  it('logged no console error and failed no network request on any page', () => {
    expect(problems).toEqual([]);
  });
});
