/**
 * Accessibility checks in the real browser: axe-core runs inside the page and a screen fails on any
 * finding of serious or critical impact (moderate and minor ones are printed, not failed).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, ImpactValue, Result } from 'axe-core';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const FAILING: readonly ImpactValue[] = ['serious', 'critical'];

export class AccessibilityError extends Error {
  constructor(
    readonly screen: string,
    readonly findings: Result[],
  ) {
    super(
      `${screen}: ${findings.length} serious or critical accessibility finding(s)\n${describe(findings)}`,
    );
    this.name = 'AccessibilityError';
  }
}

function describe(findings: Result[]): string {
  return findings
    .map((finding) => {
      const targets = finding.nodes
        .slice(0, 5)
        .map((node) => `    ${node.target.join(' ')}: ${node.failureSummary?.replaceAll('\n', ' ') ?? ''}`)
        .join('\n');
      return `  [${finding.impact}] ${finding.id}: ${finding.help}\n${targets}`;
    })
    .join('\n');
}

/**
 * Runs axe-core on the page as it is now. Injected through the DevTools protocol, so the page's
 * Content-Security-Policy (which forbids inline scripts) does not block it.
 */
export async function auditAccessibility(page: Page): Promise<AxeResults> {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.evaluate(AXE_SOURCE);
  return page.evaluate(() =>
    (window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResults> } }).axe.run(
      document,
      { resultTypes: ['violations'] },
    ),
  );
}

/** Fails with every serious or critical finding on the page, named after `screen`. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const { violations } = await auditAccessibility(page);
  const failing = violations.filter(
    (v) => v.impact !== undefined && v.impact !== null && FAILING.includes(v.impact),
  );
  const minor = violations.filter((v) => !failing.includes(v));
  if (minor.length > 0) console.warn(`${screen}: minor accessibility findings\n${describe(minor)}`);
  if (failing.length > 0) throw new AccessibilityError(screen, failing);
}
