import { describe, expect, it } from 'vitest';
import { LoggedMetric } from '../../../src/adaptation/logged.js';

describe('LoggedMetric: the served outputs of a prediction log scored against the labels', () => {
  it('scores binary outputs above 0.5 as class 1 and skips rows with no logged output', () => {
    const m = new LoggedMetric('classification', 2);
    expect(m.values()).toEqual({});
    expect(m.state()).toBeUndefined();
    m.add({ width: 1, values: Float32Array.of(0.9, 0.2, Number.NaN, 0.7) }, Float32Array.of(1, 1, 0, 0));
    expect(m.values()).toMatchObject({ logged_accuracy_window: 0, logged_samples: 3 });
    expect(m.values().logged_accuracy).toBeCloseTo(1 / 3, 12);
    expect(m.state()).toEqual({ samples: 3, errors: 2 });
  });

  it('takes the largest output of a multi-class row, |error| for regression, and continues from a checkpoint', () => {
    const multi = new LoggedMetric('classification', 10);
    multi.add({ width: 3, values: Float32Array.of(0.1, 0.7, 0.2, 0.5, 0.3, 0.2) }, Float32Array.of(1, 2));
    expect(multi.values()).toMatchObject({ logged_accuracy: 0.5, logged_samples: 2 });
    const reg = new LoggedMetric('regression', 10);
    reg.restore({ samples: 2, errors: 1 });
    reg.add({ width: 1, values: Float32Array.of(3, 1) }, Float32Array.of(1, 2));
    expect(reg.values()).toEqual({ logged_mae: 4 / 4, logged_mae_window: 1.5, logged_samples: 4 });
    reg.restore({ samples: -1, errors: 0 });
    expect(reg.state()).toEqual({ samples: 4, errors: 4 });
  });
});
