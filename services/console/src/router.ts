import { useEffect, useState } from 'preact/hooks';

/** The console's screens and their paths (issue 17). */
export const SCREENS = [
  { id: 'overview', path: '/' },
  { id: 'objects', path: '/objects' },
  { id: 'submit', path: '/submit' },
  { id: 'distribution', path: '/distribution' },
  { id: 'subscriptions', path: '/subscriptions' },
  { id: 'exercises', path: '/exercises' },
  { id: 'admin', path: '/admin' },
] as const;
export type ScreenId = (typeof SCREENS)[number]['id'];

export function screenOf(pathname: string): ScreenId {
  return SCREENS.find((s) => s.path === pathname)?.id ?? 'overview';
}

/** The current path, following history navigation (links call navigate). */
export function usePath(): string {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const update = () => setPath(window.location.pathname);
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return path;
}

export function navigate(path: string): void {
  if (path === window.location.pathname) return;
  window.history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}
