import { ConfirmButton } from './confirm-button';
import { ProblemMessage } from './problem';

/** Deleting something for good: a section of its own, and its name typed to confirm. */
export function DangerZone(props: {
  id: string;
  title: string;
  action: string;
  name: string;
  consequence: string;
  error: unknown;
  onConfirm(): Promise<unknown>;
}) {
  return (
    <section aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      <ConfirmButton
        label={props.action}
        title={`${props.action.split(' ')[0]} ${props.name}?`}
        typeToConfirm={props.name}
        danger
        onConfirm={props.onConfirm}
      >
        <p>{props.consequence} This cannot be undone.</p>
      </ConfirmButton>
      <ProblemMessage error={props.error} />
    </section>
  );
}
