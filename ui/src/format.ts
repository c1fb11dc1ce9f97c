// How figures read on every page: counts with separators, money in USD, durations, times and ratios.
const counts = new Intl.NumberFormat('en-US');

export const count = (n: number | null | undefined) => (n === null || n === undefined ? '–' : counts.format(n));

/** Small amounts keep six decimals: a single cheap request costs fractions of a cent. */
export function usd(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  return `$${Math.abs(n) < 1 ? n.toFixed(6) : n.toFixed(2)}`;
}

export const ms = (n: number | null | undefined) => (n === null || n === undefined ? '–' : n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(2)} s`);

export const percent = (ratio: number | null | undefined) => (ratio === null || ratio === undefined ? '–' : `${(ratio * 100).toFixed(1)}%`);

export const time = (iso: string) => new Date(iso).toLocaleString('en-GB', { hour12: false });

export const shortTime = (iso: string) => new Date(iso).toLocaleTimeString('en-GB', { hour12: false });

export const modelName = (provider: string | null, model: string | null) => (provider && model ? `${provider}/${model}` : (model ?? provider ?? '–'));

export const statusClass = (status: number) => (status >= 500 ? 'bad' : status >= 400 ? 'warn' : 'ok');
