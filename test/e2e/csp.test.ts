import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCohort } from '../../main/cohort/cohortService.js';
import { cohortDefinition } from '../support/cohorts.js';
import { MAPPINGS, tempDir } from '../support/store.js';
import { expectPlotDrawn, launchApp, type AppUnderTest } from './bridge.js';

// The built renderer in Chromium under the app's policy, served by the app's own
// handler (a fresh style nonce per load): Mantine and plotly styles apply with no
// 'unsafe-inline', and the page reports no violation while it draws its charts.
let app: AppUnderTest;
beforeAll(async () => {
  app = await launchApp(join(tempDir(), 'csp.db'));
});
afterAll(async () => {
  await app?.close();
});

type StyleReport = { styles: { id: string; mantine: boolean; applied: boolean; rules: number }[]; mainSvgPosition: string | null; heatmapImageRendering: string | null };

// The test project has no DOM types: the page is reached through this narrow shape.
type El = { id: string; hasAttribute(n: string): boolean; sheet: { cssRules: { length: number } } | null };
type PageGlobals = { document: { querySelectorAll(s: string): Iterable<El>; querySelector(s: string): El | null }; getComputedStyle(e: El): { position: string; imageRendering: string } };

const styleReport = () =>
  app.page.evaluate((): StyleReport => {
    const g = globalThis as unknown as PageGlobals;
    const styles = [...g.document.querySelectorAll('style')].map((s) => ({ id: s.id, mantine: s.hasAttribute('data-mantine-styles'), applied: s.sheet !== null, rules: s.sheet?.cssRules.length ?? 0 }));
    const svg = g.document.querySelector('.js-plotly-plot .plotly .main-svg');
    const heatmap = g.document.querySelector('[aria-label^="The encoded steps"] .hm image');
    return { styles, mainSvgPosition: svg ? g.getComputedStyle(svg).position : null, heatmapImageRendering: heatmap ? g.getComputedStyle(heatmap).imageRendering : null };
  });

describe('the renderer under the strict style policy', () => {
  it('is served with a fresh nonce per load, in the header and the page', async () => {
    const { page } = app;
    const nonces = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const response = await page.request.get(page.url());
      const header = response.headers()['content-security-policy']!;
      expect(header).not.toContain('unsafe-inline');
      const nonce = /'nonce-([^']+)'/.exec(header)![1]!;
      expect(await response.text()).toContain(`nonce="${nonce}"`);
      nonces.add(nonce);
    }
    expect(nonces.size).toBe(2);
  });

  it('applies Mantine and plotly styles while importing, and in the Time step heatmap, with no violation reported', async () => {
    const { page } = app;
    await page.getByText('No datasets yet').waitFor();
    app.dialog.next = join(MAPPINGS, 'steno2.mapping.json');
    await page.getByRole('button', { name: /Import from a mapping file/ }).click();
    await page.getByText(/Imported "steno2"/).waitFor({ timeout: 30_000 });
    await expectPlotDrawn(page, '[aria-label$="measurements over time, events and the end of follow-up"] .main-svg');

    createCohort(app.db, cohortDefinition('steno2-death'));
    await page.getByRole('tab', { name: '3. Time' }).click();
    await page.getByLabel('Cohort', { exact: true }).first().click();
    await page.getByRole('option', { name: /^steno2_death@1$/ }).click();
    await page.getByText(/decoded back:/).waitFor({ timeout: 20_000 });
    // The encoded-steps heatmap with its colour bar.
    await expectPlotDrawn(page, '[aria-label^="The encoded steps"] .main-svg');
    await page.waitForTimeout(300);
    await app.screenshot('csp-time-heatmap');

    const report = await styleReport();
    // Every <style> element applies (a refused one has no sheet): Mantine's carry the nonce,
    // plotly's rules went through the CSSOM into the nonce'd element from index.html.
    expect(report.styles.filter((s) => !s.applied)).toEqual([]);
    expect(report.styles.some((s) => s.mantine)).toBe(true);
    expect(report.styles.find((s) => s.id === 'plotly.js-style-global')?.rules).toBeGreaterThan(10);
    expect(report.mainSvgPosition).toBe('absolute');
    // The heatmap's cells stay crisp: plotly's image-rendering style attribute is one the policy allows by hash.
    expect(report.heatmapImageRendering).toBe('pixelated');
    expect(await app.cspViolations()).toEqual([]);
  });
});
