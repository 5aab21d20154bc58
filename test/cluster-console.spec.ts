import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createUser, git, gitRemote, launchChromium } from '@nimbus/testing';
import { commit, webApp } from './support/apps';
import {
  DESKTOP,
  PHONE,
  screenshotDirectory,
  seriousAccessibilityViolations,
  type AxeViolation,
} from './support/browser';
import { TestCluster } from './support/cluster';

jest.setTimeout(180_000);

/**
 * The web console in a real browser against a real platform: a person signs in, creates an app,
 * sets a secret, deploys it with git, scales it, rolls it back, reads its logs and charts; a
 * viewer sees no way to change anything, and the API refuses what the page does not offer.
 */
describe('web console', () => {
  let cluster: TestCluster;
  let browser: Browser;
  let work: string;
  let shots: string;
  let owner: { email: string; password: string };
  let ownerToken: string;
  const viewer = { email: 'viewer@example.test', password: 'correct horse battery staple' };
  /** axe's serious and critical findings per page recorded by the running test. */
  let pagesSeen = new Map<string, AxeViolation[]>();
  const expectAccessible = () => {
    expect(Object.fromEntries([...pagesSeen].filter(([, violations]) => violations.length > 0))).toEqual({});
  };
  const host = (app: string) => cluster.hostOf(app, 'prod', 'acme');
  const consoleUrl = (path = '') => `${cluster.gateway.url}/console/${path}`;

  /** Screenshots at desktop and phone width, and axe's verdict, of the page as it stands. */
  const record = async (page: Page, name: string) => {
    pagesSeen.set(name, await seriousAccessibilityViolations(page));
    const size = page.viewportSize() ?? DESKTOP;
    await page.screenshot({ path: join(shots, `${name}-desktop.png`), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(shots, `${name}-desktop-dark.png`), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(shots, `${name}-phone.png`), fullPage: true });
    await page.setViewportSize(size);
  };

  const signedIn = async (who: {
    email: string;
    password: string;
  }): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`console page error: ${error.message}`));
    await page.goto(consoleUrl());
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    return { context, page };
  };

  beforeAll(async () => {
    cluster = await TestCluster.start();
    await cluster.addAgent('node-a');
    work = await mkdtemp(join(tmpdir(), 'nimbus-console-'));
    shots = await screenshotDirectory();
    ({ owner, ownerToken } = await cluster.seed('acme', { prod: [] }));
    await createUser(cluster.gateway.db, viewer);
    const added = await cluster.gateway.client(ownerToken).PUT('/v1/tenants/{tenant}/members/{email}', {
      params: { path: { tenant: 'acme', email: viewer.email } },
      body: { role: 'viewer' },
    });
    expect(added.response.status).toBeLessThan(300);
    // The viewer's app: made here, so that test needs nothing from another.
    const created = await cluster.gateway
      .client(ownerToken)
      .POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps', {
        params: { path: { tenant: 'acme', namespace: 'prod' } },
        body: { name: 'viewed' },
      });
    expect(created.response.status).toBe(201);
    browser = await launchChromium();
  }, 90_000);
  beforeEach(() => {
    pagesSeen = new Map();
  });

  afterAll(async () => {
    await browser?.close();
    await cluster?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('should take a person from sign-in to a deployed, scaled, rolled-back app', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/.test(message.text()))
        problems.push(message.text());
    });

    await page.goto(consoleUrl());
    await record(page, 'sign-in');
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong email or password' }).waitFor();
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Apps in acme/prod' }).waitFor();
    // The session is an HttpOnly cookie: nothing a page script can read.
    expect(await page.evaluate('document.cookie')).toBe('');
    expect((await context.cookies()).find((cookie) => cookie.name === 'nimbus_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    await record(page, 'apps-empty');

    // Create an app.
    await page.getByLabel('New app').fill('hello');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('heading', { name: 'hello', level: 1 }).waitFor();
    await record(page, 'app-overview-new');

    // A secret, masked once set.
    await page.getByRole('link', { name: 'Config', exact: true }).click();
    const secrets = page.getByRole('region', { name: 'Secrets', exact: true });
    await secrets.getByLabel('Key').fill('DATABASE_PASSWORD');
    await secrets.getByLabel('Value').fill('hunter2-secret');
    await secrets.getByRole('button', { name: 'Set secret' }).click();
    await secrets.getByRole('rowheader', { name: 'DATABASE_PASSWORD' }).waitFor();
    await secrets.getByLabel('hidden value').first().waitFor();
    expect(await page.content()).not.toContain('hunter2-secret');
    await record(page, 'app-config');

    // Deploy with git while watching the build's output stream in.
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    const dir = join(work, 'hello');
    await commit(dir, webApp('v1'));
    const pushing = git(dir, 'push', gitRemote(cluster.gateway.url, ownerToken, 'acme/prod/hello'), 'main');
    const output = page.getByLabel('Build output');
    await output.waitFor({ timeout: 30_000 });
    await output.filter({ hasText: '----->' }).waitFor({ timeout: 60_000 });
    expect((await pushing).code).toBe(0);
    await page
      .getByRole('region', { name: 'Releases' })
      .getByText('v1', { exact: true })
      .waitFor({ timeout: 30_000 });
    await page.getByRole('region', { name: 'Builds' }).getByText('succeeded').waitFor();
    await cluster.until('hello to answer', async () => (await cluster.get(host('hello'))).status === 200);
    await page
      .getByRole('link', { name: /^http:\/\/hello\.prod\.acme\.localhost/ })
      .first()
      .waitFor();
    await record(page, 'app-overview');

    // Scale to two instances and see both.
    await page.getByRole('link', { name: 'Processes', exact: true }).click();
    await page.getByLabel('Instances of web').fill('2');
    await page.getByRole('button', { name: 'Scale' }).click();
    await cluster.until(
      'two instances up on the page',
      async () => (await page.locator('tr[data-state="up"]').count()) === 2,
      60_000,
    );
    await record(page, 'app-processes');

    // A config change makes v2; roll back to v1, confirming first.
    await cluster.gateway
      .client(ownerToken)
      .PATCH('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/config', {
        params: { path: { tenant: 'acme', namespace: 'prod', app: 'hello' } },
        body: { set: { GREETING: 'hi' } },
      });
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back to v1?' });
    await dialog.getByRole('button', { name: 'Roll back to v1' }).click();
    await page
      .getByRole('region', { name: 'Releases' })
      .getByText('v3', { exact: true })
      .waitFor({ timeout: 30_000 });
    expect(await page.getByRole('region', { name: 'Releases' }).textContent()).toMatch(/v3.*Rollback to v1/);

    // A line the app prints, in the live logs.
    await page.getByRole('link', { name: 'Logs', exact: true }).click();
    await page.getByText('Streaming').waitFor();
    await cluster.until('the app to log a request', async () => {
      await cluster.get(host('hello'), '/log');
      return ((await page.getByRole('log').textContent()) ?? '').includes('hello from');
    });
    await record(page, 'app-logs');

    // A chart with at least one point.
    await page.getByRole('link', { name: 'Metrics', exact: true }).click();
    await cluster.until(
      'a chart to have a point',
      async () => {
        await cluster.get(host('hello'));
        const points = await page
          .locator('.chart-box')
          .evaluateAll((boxes) => boxes.map((box) => Number(box.getAttribute('data-points'))));
        return points.some((count) => count > 0);
      },
      60_000,
    );
    await record(page, 'app-metrics');

    // A one-off process, with what it printed and how it ended.
    await page.getByRole('link', { name: 'Run', exact: true }).click();
    await page.getByLabel('Command').fill('echo one-off says hi');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByLabel('Output', { exact: true }).filter({ hasText: 'one-off says hi' }).waitFor();
    await page.getByText('Exited with status 0').waitFor();
    await record(page, 'app-run');

    // A custom domain, listed once added.
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByLabel('Add a domain').fill('console.example.test');
    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.getByRole('cell', { name: 'console.example.test', exact: true }).waitFor();

    for (const [tab, name] of [
      ['Events', 'app-events'],
      ['Settings', 'app-settings'],
    ] as const) {
      await page.getByRole('link', { name: tab, exact: true }).click();
      await page.getByRole('heading', { level: 2 }).first().waitFor();
      await record(page, name);
    }
    await page.goto(consoleUrl('t/acme'));
    await page.getByRole('heading', { name: 'Tenant acme' }).waitFor();
    await record(page, 'tenant');
    await page.goto(consoleUrl('t/acme/prod/settings'));
    await page.getByRole('heading', { name: 'Namespace acme/prod' }).waitFor();
    await record(page, 'namespace-settings');
    await page.goto(consoleUrl('tokens'));
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
    await record(page, 'tokens');
    await page.goto(consoleUrl('t/acme/prod'));
    await page.getByRole('cell', { name: 'running' }).waitFor({ timeout: 30_000 });
    await record(page, 'apps');

    expect(problems).toEqual([]);
    await context.close();
    expectAccessible();
  });

  it('should show a viewer no write controls, and refuse a write forged from their session', async () => {
    const { context, page } = await signedIn(viewer);
    await page.getByRole('heading', { name: 'Apps in acme/prod' }).waitFor();
    expect(await page.getByRole('button', { name: 'Create app' }).count()).toBe(0);
    await page.getByRole('link', { name: 'viewed', exact: true }).click();
    await page.getByRole('heading', { name: 'viewed', level: 1 }).waitFor();
    const writeButtons =
      /Roll back|Scale|Set secret|Set config var|Run|Destroy|Restart|autoscaling|Unset|Add domain|Remove/;
    for (const tab of ['Overview', 'Processes', 'Config', 'Run', 'Settings']) {
      await page.getByRole('link', { name: tab, exact: true }).click();
      await page.getByRole('heading', { level: 2 }).first().waitFor();
      expect(await page.getByRole('button', { name: writeButtons }).count()).toBe(0);
    }
    await record(page, 'viewer-app');

    // The page's own session, its CSRF token included: still a viewer, so the API says no.
    const forged = await page.evaluate(async () => {
      const session = (await (await fetch('/v1/auth/session')).json()) as { csrfToken: string };
      const response = await fetch('/v1/tenants/acme/namespaces/prod/apps/viewed/config', {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrfToken },
        body: JSON.stringify({ set: { FORGED: 'yes' } }),
      });
      return { status: response.status, body: (await response.json()) as { code: string } };
    });
    expect(forged).toEqual({ status: 403, body: expect.objectContaining({ code: 'auth/forbidden' }) });
    const config = await cluster.gateway
      .client(ownerToken)
      .GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/config', {
        params: { path: { tenant: 'acme', namespace: 'prod', app: 'viewed' } },
      });
    expect(config.data!.entries).toEqual([]);

    // Signing out ends the session on the server: the same cookie is refused afterwards.
    const cookie = (await context.cookies()).find((entry) => entry.name === 'nimbus_session')!;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const replayed = await fetch(`${cluster.gateway.url}/v1/whoami`, {
      headers: { Cookie: `nimbus_session=${cookie.value}` },
    });
    expect(replayed.status).toBe(401);
    await context.close();
    expectAccessible();
  });

  it('should show platform admins the nodes, with cordon and drain', async () => {
    const admin = await createUser(cluster.gateway.db, { platformAdmin: true });
    const { context, page } = await signedIn(admin);
    // A member of no tenant yet: asked to create one.
    await page.getByRole('heading', { name: 'Welcome to Nimbus' }).waitFor();
    await record(page, 'welcome');
    await page.getByRole('link', { name: 'Nodes' }).click();
    await page.getByRole('button', { name: 'Cordon node-a' }).click();
    await page.getByRole('button', { name: 'Uncordon node-a' }).waitFor();
    await record(page, 'nodes');
    await page.getByRole('button', { name: 'Uncordon node-a' }).click();
    await page.getByRole('button', { name: 'Cordon node-a' }).waitFor();
    await context.close();
    expectAccessible();
  });
});
