import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, api, must, setCsrfToken, type Schemas } from './client';

type Whoami = Schemas['WhoamiDto_Output'];
export type Role = 'owner' | 'admin' | 'developer' | 'viewer';

const RANK: Record<Role, number> = { viewer: 0, developer: 1, admin: 2, owner: 3 };

export type SessionState =
  { status: 'loading' } | { status: 'signed-out'; reason?: string } | { status: 'signed-in'; whoami: Whoami };

interface SessionContextValue {
  state: SessionState;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** Reads who the user is again (after joining or creating a tenant). */
  refresh(): Promise<void>;
  /** Called when the API says the session is gone (expired, revoked elsewhere). */
  lost(): void;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({
  children,
  onLostRegistered,
}: {
  children: ReactNode;
  /** Hands the sign-out-on-401 callback to the query client, which lives outside React. */
  onLostRegistered(lost: () => void): void;
}) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const queries = useQueryClient();

  const load = useCallback(async () => {
    try {
      const session = await must(api.GET('/v1/auth/session'));
      setCsrfToken(session.csrfToken);
      const whoami = await must(api.GET('/v1/whoami'));
      setState({ status: 'signed-in', whoami });
    } catch (error) {
      setCsrfToken(null);
      if (error instanceof ApiError && (error.status === 401 || error.status === 404))
        setState({ status: 'signed-out' });
      else setState({ status: 'signed-out', reason: (error as Error).message });
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const value = useMemo<SessionContextValue>(
    () => ({
      state,
      async signIn(email, password) {
        const session = await must(api.POST('/v1/auth/session', { body: { email, password } }));
        setCsrfToken(session.csrfToken);
        await load();
      },
      async signOut() {
        let reason: string | undefined;
        try {
          await must(api.DELETE('/v1/auth/session'));
        } catch (error) {
          // 401: the session had ended already. Anything else: say so, the session may live on.
          if (!(error instanceof ApiError && error.status === 401))
            reason = `Signed out of this page, but the server did not confirm: ${(error as Error).message}`;
        }
        setCsrfToken(null);
        queries.clear();
        setState({ status: 'signed-out', reason });
      },
      refresh: load,
      lost() {
        setCsrfToken(null);
        queries.clear();
        setState({ status: 'signed-out', reason: 'Your session ended. Sign in again.' });
      },
    }),
    [state, load, queries],
  );
  useEffect(() => {
    onLostRegistered(value.lost);
  }, [onLostRegistered, value]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

export function useWhoami(): Whoami {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useWhoami while signed out');
  return state.whoami;
}

/** The caller's role in a tenant: their membership capped by their token (sessions have no cap). */
export function useRole(tenant: string): Role | null {
  const whoami = useWhoami();
  return whoami.memberships.find((m) => m.tenant === tenant)?.role ?? null;
}

/** Whether `role` may do what needs `needed`; the API decides in the end, the console only hides. */
export function allows(role: Role | null, needed: Role): boolean {
  return role !== null && RANK[role] >= RANK[needed];
}
