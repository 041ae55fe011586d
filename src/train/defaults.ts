/** Training defaults, shared by the library entry (index.ts), the trainer (train-folder.ts) and the CLI. */
export const TRAIN_DEFAULTS = {
  head: { epochs: 30, patience: 5, learningRate: 1e-3 },
  scratch: { epochs: 60, patience: 10, learningRate: 3e-3 },
} as const;

/**
 * The stack a head is trained on when none is named: the strongest single-network stack (the
 * default stack, a fusion of two networks, cannot be trained as one file). See docs/decisions.md.
 */
export const TRAIN_STACK = 'mobilefacenet';
