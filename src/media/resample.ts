/**
 * Sample-rate conversion for uploaded recordings: any rate to the 8 kHz telephony rate,
 * with a windowed-sinc low-pass (Blackman window) so what lies above the new Nyquist
 * frequency is removed rather than folded back as aliasing. Works on mono floats in -1..1.
 */

/** Taps on each side of the centre, counted at the lower of the two rates. */
const HALF_WIDTH = 16;

export function resample(input: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return input.slice();
  const outLength = Math.floor((input.length * toRate) / fromRate);
  const output = new Float32Array(outLength);
  // Pass band edge at 90 % of the lower Nyquist frequency, in cycles per input sample.
  const cutoff = (0.45 * Math.min(fromRate, toRate)) / fromRate;
  // The kernel spans HALF_WIDTH periods of the lower rate, measured in input samples.
  const half = Math.ceil(HALF_WIDTH * Math.max(1, fromRate / toRate));
  const step = fromRate / toRate;
  for (let n = 0; n < outLength; n++) {
    const centre = n * step;
    const first = Math.max(0, Math.ceil(centre - half));
    const last = Math.min(input.length - 1, Math.floor(centre + half));
    let sum = 0;
    let weight = 0;
    for (let k = first; k <= last; k++) {
      const x = k - centre;
      const arg = 2 * cutoff * x;
      const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
      const w = 0.42 + 0.5 * Math.cos((Math.PI * x) / half) + 0.08 * Math.cos((2 * Math.PI * x) / half);
      const h = sinc * w;
      sum += input[k]! * h;
      weight += h;
    }
    // Normalizing by the taps' sum keeps DC gain at 1, also at the edges.
    output[n] = weight === 0 ? 0 : sum / weight;
  }
  return output;
}
