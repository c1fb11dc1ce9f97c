// Loads one endpoint for a page and reloads it when its inputs change; errors become text the page shows.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  reload: () => void;
}

export function useData<T>(path: string | null, query: Record<string, string | number | undefined> = {}): Loaded<T> {
  const key = path === null ? null : JSON.stringify([path, query]);
  const [state, setState] = useState<{ key: string | null; data?: T; error?: string }>({ key: null });
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    api<T>(path, { query }).then(
      (data) => live && setState({ key, data }),
      (err: unknown) => live && setState({ key, error: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      live = false;
    };
    // `key` stands for path and query.
  }, [key, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { data: state.key === key ? state.data : undefined, error: state.key === key ? state.error : undefined, reload };
}
