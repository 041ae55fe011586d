/**
 * Prints one plain closing line, "N passed, N failed, N skipped", after vitest's own report, so CI
 * logs state the outcome in the format every tool reads.
 *
 * It also keeps silent skips out: the run fails (exit code 1, the offending tests listed) when a
 * test is skipped for any reason but missing research data, when one is marked `todo`, or when a
 * test or suite is marked `.only`. A data skip is recognised by RESEARCH_DATA_MISSING, which every
 * skip message of test/helpers/data.ts (skipMessage) contains, in the skip note (`ctx.skip(note)`)
 * or in the name of the skipped suite (`describe.skipIf(...)(`name (${skipMessage(...)})`)`).
 * A run filtered by test name (`-t`) skips the tests it leaves out, so the rule does not apply then.
 */
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { RESEARCH_DATA_MISSING } from './data.js';

/** The few fields of vitest's TestCase the policy reads (a structural type, for the unit test). */
export interface SkipInfo {
  fullName: string;
  options: { mode: 'run' | 'only' | 'skip' | 'todo' };
  result(): { state: string; note?: string | undefined };
}

/** Why a test breaks the skip policy, or undefined when it does not. */
export function skipViolation(t: SkipInfo): string | undefined {
  if (t.options.mode === 'only') return '.only left in';
  if (t.options.mode === 'todo') return 'todo';
  const r = t.result();
  if (r.state !== 'skipped') return undefined;
  const reason = `${r.note ?? ''} ${t.fullName}`;
  if (reason.includes(RESEARCH_DATA_MISSING)) return undefined;
  return r.note ? `skipped: ${r.note}` : 'skipped without a research-data reason';
}

export function skipViolations(tests: Iterable<SkipInfo>): string[] {
  const out: string[] = [];
  for (const t of tests) {
    const v = skipViolation(t);
    if (v) out.push(`${t.fullName} — ${v}`);
  }
  return out;
}

export default class SummaryReporter implements Reporter {
  private filtered = false;

  onInit(vitest: Vitest): void {
    this.filtered = Boolean(vitest.config.testNamePattern);
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const violations: string[] = [];
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const s = t.result().state;
        if (s === 'passed') passed++;
        else if (s === 'failed') failed++;
        else skipped++;
      }
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
      if (!this.filtered) violations.push(...skipViolations(m.children.allTests()).map((v) => `${m.relativeModuleId} > ${v}`));
    }
    failed += errors.length;
    if (violations.length > 0) {
      process.stdout.write(`\nSkip policy: only a missing research data set ("${RESEARCH_DATA_MISSING}") may skip a test; these broke it:\n${violations.map((v) => `  ${v}`).join('\n')}\n`);
      process.exitCode = 1;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped${violations.length ? `; the run fails: ${violations.length} broke the skip policy` : ''}\n`);
  }
}
