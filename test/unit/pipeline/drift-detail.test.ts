import { describe, expect, it } from 'vitest';
import { adaptDetail, driftDetail } from '../../../src/pipeline/drift-detail.js';

const drift = (signal: 'error' | 'input' | 'prediction', scores: Record<string, number>) => ({
  kind: 'drift' as const,
  detector: signal === 'error' ? 'adwin' : 'psi-ks',
  signal,
  scores,
  responses: [],
});

describe('driftDetail', () => {
  it('names the detector and the signal of an error drift', () => {
    expect(driftDetail(drift('error', { sample_in_batch: 3, detector_samples: 900 }))).toBe('adwin on error');
  });

  it('names the three input columns that moved most, by PSI', () => {
    const scores = { score: 0.9, window: 4, price_psi: 0.41, price_ks: 0.2, 'color=red_psi': 0.9, when_psi: 0.05, 'emb[2]_psi': 0.3, load_psi: Number.NaN };
    expect(driftDetail(drift('input', scores))).toBe('psi-ks on input: color=red psi 0.90, price psi 0.41, emb[2] psi 0.30');
  });

  it('reads the prediction monitor the same way, and stays short without scores', () => {
    expect(driftDetail(drift('prediction', { score_psi: 0.27, score_ks: 0.1, score: 0.27, window: 2 }))).toBe('psi-ks on prediction: score psi 0.27');
    expect(driftDetail(drift('input', {}))).toBe('psi-ks on input');
  });
});

describe('adaptDetail', () => {
  it('says the raised learning rate, whether the period is hedged, and which model a hedge kept', () => {
    expect(adaptDetail({ kind: 'adapt-started', learningRate: 0.01 })).toBe('learning rate 0.01');
    expect(adaptDetail({ kind: 'adapt-started', learningRate: 0.01, hedged: true })).toBe('learning rate 0.01 on a copy (hedged)');
    expect(adaptDetail({ kind: 'adapt-ended' })).toBe('learning rate restored');
    expect(adaptDetail({ kind: 'adapt-ended', kept: 'boosted', boostedErrors: 80, unchangedErrors: 97, switches: 1 })).toBe(
      'boosted model kept (errors: boosted 80, unchanged 97; the lead changed once)',
    );
    expect(adaptDetail({ kind: 'adapt-ended', kept: 'unchanged', boostedErrors: 9, unchangedErrors: 7, switches: 2 })).toBe(
      'unchanged model kept (errors: boosted 9, unchanged 7; the lead changed 2 times)',
    );
  });
});
