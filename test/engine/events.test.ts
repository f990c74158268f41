// EB's error events in a failure reason: one line per distinct failure, naming every instance it hit.
import { describe, expect, it } from 'vitest';
import { distinctErrors } from '../../src/eb/events.js';

describe('distinctErrors', () => {
  it('merges the same failure on several instances into one line naming them, in order', () => {
    expect(
      distinctErrors([
        "Instance deployment failed. For details, see 'eb-engine.log'.",
        '[Instance: i-a] Command failed on instance. Return code: 1 Output: ImportError',
        '[Instance: i-b] Command failed on instance. Return code: 1 Output: ImportError',
        '[Instance: i-c] Command failed on instance. Return code: 2 Output: other',
        'Failed to deploy application.',
      ]),
    ).toEqual([
      "Instance deployment failed. For details, see 'eb-engine.log'.",
      '[Instances: i-a, i-b] Command failed on instance. Return code: 1 Output: ImportError',
      '[Instance: i-c] Command failed on instance. Return code: 2 Output: other',
      'Failed to deploy application.',
    ]);
  });

  it('says a repeated message once and keeps messages that only look alike', () => {
    expect(distinctErrors(['Failed to deploy application.', 'Failed to deploy application.', '[Instance: i-a] x', '[Instance: i-a] x', '[Instance i-a] x'])).toEqual([
      'Failed to deploy application.',
      '[Instance: i-a] x',
      '[Instance i-a] x',
    ]);
  });
});
