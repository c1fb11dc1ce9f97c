// The command-line flags of the bench scripts: `--name value` or `--name=value`; a flag without a fallback is required.
export function arg(name: string, fallback?: string): string {
  const i = process.argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  const a = i < 0 ? undefined : process.argv[i]!;
  const value = a === undefined ? fallback : a.includes('=') ? a.slice(a.indexOf('=') + 1) : (process.argv[i + 1] ?? fallback);
  if (value === undefined) throw new Error(`--${name}=… is required`);
  return value;
}
