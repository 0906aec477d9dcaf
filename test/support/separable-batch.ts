/**
 * A deterministic micro-batch of a linearly separable concept: y = 1 iff x0 + x1 > 1, features uniform in [0, 1).
 * With `noise` > 0 each label is flipped with that probability (one more draw per row; none without noise).
 */
export function separableBatch(seed: number, size = 64, width = 3, noise = 0) {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const features = new Float32Array(size * width);
  const labels = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < width; j++) features[i * width + j] = rnd();
    const y = (features[i * width] as number) + (features[i * width + 1] as number) > 1 ? 1 : 0;
    labels[i] = noise > 0 && rnd() < noise ? 1 - y : y;
  }
  return { size, width, features, labels };
}
