/**
 * GET / in a real browser (Debian's Chromium through playwright-core): the model card shows the
 * flavors, the signature and the input example, and its form sends the example to /invocations.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveModel } from '@pyfunc/runtime';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ScoringServer } from '../src/index.js';
import { double } from './helpers/double-model.js';

const CHROMIUM = '/usr/bin/chromium';

describe('the model card page', () => {
  const root = mkdtempSync(join(tmpdir(), 'pyfunc-http-card-'));
  let server: ScoringServer;

  beforeAll(async () => {
    const { Frame } = await import('@pyfunc/format');
    await saveModel(join(root, 'double'), {
      pythonModel: double, moduleUrl: new URL('./helpers/double-model.ts', import.meta.url),
      inputExample: Frame.fromColumns({ x: [1, 2.5] }),
    });
    server = await serve(join(root, 'double'), { port: 0, handleSignals: false });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves HTML with the flavors, signature and input example', async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    expect(html).toContain('<code>js_function</code>');
    expect(html).toContain('&quot;dataframe_split&quot;');
    expect(html).toContain('&quot;name&quot;: &quot;x&quot;');
    expect(html).toContain('&quot;type&quot;: &quot;double&quot;');
  });

  it.skipIf(!existsSync(CHROMIUM))('sends the input example from the form and shows the answer (skipped only when /usr/bin/chromium is missing)', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/`);
      expect(await page.locator('#flavors li').allTextContents()).toEqual(expect.arrayContaining(['js_function']));
      const example = await page.locator('#body').inputValue();
      await page.click('#send');
      await page.waitForFunction("document.getElementById('status').textContent !== ''");
      expect(await page.locator('#status').textContent()).toBe('200');
      const direct = await fetch(`${server.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: example });
      expect(await page.locator('#response').textContent()).toBe(await direct.text());
      expect(JSON.parse((await page.locator('#response').textContent())!)).toEqual({ predictions: [2, 5] });
    } finally {
      await browser.close();
    }
  });
});
