// How numbers read on the page.

/** 1536 → "1.5 KiB"; binary units, one decimal above bytes. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** 0.8125 → "81.3%"; NaN → "–". */
export function formatPercent(fraction: number): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(1)}%` : '–';
}

/** Seconds as "42 s" or "3 min 05 s"; NaN or negative → "–". */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

/** `digits` significant digits without exponents above 0.01: 0.000123 → "1.23e-4", 2.5 → "2.500", 12345.6 → "12346". */
export function formatNumber(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return '–';
  if (value === 0) return (0).toFixed(digits - 1);
  if (Math.abs(value) < 1e-2) {
    const [mantissa, exponent] = value.toExponential(digits - 2).split('e');
    return `${mantissa}e${Number(exponent)}`;
  }
  if (Math.abs(value) >= 10 ** digits) return value.toFixed(0);
  return value.toPrecision(digits);
}
