import { useId } from 'react';
import { ProblemMessage, fieldProblem } from './problem';

/** A form that asks for one name (an app, namespace, tenant or domain), with the API's complaint beside it. */
export function NameForm(props: {
  label: string;
  submit: string;
  pending: boolean;
  error: unknown;
  primary?: boolean;
  /** The request body's field the name goes in, whose complaints mark the input. */
  field?: string;
  onName(name: string): void;
}) {
  const problemId = useId();
  const problem = fieldProblem(props.error, props.field ?? 'name');
  return (
    <form
      className="inline"
      onSubmit={(event) => {
        event.preventDefault();
        props.onName(String(new FormData(event.currentTarget).get('name')));
      }}
    >
      <label>
        {props.label}
        <input
          name="name"
          required
          autoComplete="off"
          aria-invalid={problem ? true : undefined}
          aria-describedby={props.error ? problemId : undefined}
        />
      </label>
      <button type="submit" className={props.primary ? 'primary' : undefined} disabled={props.pending}>
        {props.submit}
      </button>
      {props.error ? (
        <div id={problemId}>
          <ProblemMessage error={props.error} />
        </div>
      ) : null}
    </form>
  );
}
