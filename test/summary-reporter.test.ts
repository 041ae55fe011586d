/** The skip policy of test/helpers/summary-reporter.ts: only a missing research data set may skip a test. */
import { describe, expect, it } from 'vitest';
import { skipMessage } from './helpers/data.js';
import { skipViolations, type SkipInfo } from './helpers/summary-reporter.js';

const test = (fullName: string, mode: SkipInfo['options']['mode'], state: string, note?: string): SkipInfo => ({ fullName, options: { mode }, result: () => ({ state, note }) });

describe('skip policy', () => {
  it('accepts passing and failing tests, and skips whose note or suite name gives the data reason', () => {
    expect(
      skipViolations([
        test('a > passes', 'run', 'passed'),
        test('a > fails', 'run', 'failed'),
        test(`accuracy on LFW (${skipMessage('lfw')}) > rank-1`, 'skip', 'skipped'),
        test('b > measured', 'run', 'skipped', skipMessage('bbt')),
      ]),
    ).toEqual([]);
  });

  it('rejects a skip without a reason, with another reason, todo and .only', () => {
    expect(
      skipViolations([
        test('a > skipped', 'skip', 'skipped'),
        test('a > no chromium', 'run', 'skipped', 'cannot install chromium: no apt'),
        test('a > later', 'todo', 'skipped'),
        test('a > focused', 'only', 'passed'),
      ]),
    ).toEqual(['a > skipped — skipped without a research-data reason', 'a > no chromium — skipped: cannot install chromium: no apt', 'a > later — todo', 'a > focused — .only left in']);
  });
});
