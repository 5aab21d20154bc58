import { ApiError } from '../api/client';

/** What went wrong, in the API's words, where the user is looking. */
export function ProblemMessage({ error }: { error: unknown }) {
  if (!error) return null;
  const problem = error instanceof ApiError ? error.problem : null;
  const fieldErrors = problem?.errors ?? [];
  return (
    <div role="alert" className="problem">
      <strong>{problem ? problem.title : 'Error'}:</strong> {problem ? problem.detail : String(error)}
      {fieldErrors.length > 0 && (
        <ul>
          {fieldErrors.map((entry) => (
            <li key={entry.field + entry.message}>
              {entry.field.replace(/^body\./, '')}: {entry.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The API's complaint about one field of a form, if it made one. */
export function fieldProblem(error: unknown, field: string): string | null {
  if (!(error instanceof ApiError)) return null;
  const entry = error.problem.errors?.find(
    (candidate) => candidate.field === `body.${field}` || candidate.field.startsWith(`body.${field}.`),
  );
  return entry?.message ?? null;
}
