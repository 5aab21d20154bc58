import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryCache, QueryClient, QueryClientProvider, MutationCache } from '@tanstack/react-query';
import { BrowserRouter } from 'react-router';
import { ApiError } from './api/client';
import { SessionProvider } from './api/session';
import { ConsoleRoutes } from './app/console-routes';
import './styles.css';

/** A 401 anywhere means the session ended (expired, signed out elsewhere): back to sign-in. */
let onSessionLost = () => {};
const lostOn401 = (error: unknown) => {
  if (error instanceof ApiError && error.status === 401) onSessionLost();
};

const queries = new QueryClient({
  queryCache: new QueryCache({ onError: lostOn401 }),
  mutationCache: new MutationCache({ onError: lostOn401 }),
  defaultOptions: {
    queries: {
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      refetchOnWindowFocus: true,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <SessionProvider
        onLostRegistered={(lost) => {
          onSessionLost = lost;
        }}
      >
        <BrowserRouter basename="/console">
          <ConsoleRoutes />
        </BrowserRouter>
      </SessionProvider>
    </QueryClientProvider>
  </StrictMode>,
);
