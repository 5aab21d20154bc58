import { useState } from 'react';
import { useSession } from '../api/session';
import { ProblemMessage, fieldProblem } from '../components/problem';

export function SignInPage({ reason }: { reason?: string }) {
  const { signIn } = useSession();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const emailProblem = fieldProblem(error, 'email');

  return (
    <main className="sign-in">
      <h1>Sign in to Nimbus</h1>
      {reason && <p className="notice">{reason}</p>}
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          setBusy(true);
          setError(null);
          try {
            await signIn(String(form.get('email')), String(form.get('password')));
          } catch (caught) {
            setError(caught);
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>
          Email
          <input
            name="email"
            type="email"
            autoComplete="username"
            required
            aria-invalid={emailProblem ? true : undefined}
          />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <ProblemMessage error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
