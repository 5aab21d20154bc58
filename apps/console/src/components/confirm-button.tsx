import { useId, useRef, useState, type ReactNode } from 'react';

interface ConfirmButtonProps {
  label: string;
  /** What it acts on, read to screen readers after the label ("Unset" … "DATABASE_URL"). */
  target?: string;
  title: string;
  children: ReactNode;
  /** When set, the user must type it (an app's or namespace's name) before confirming. */
  typeToConfirm?: string;
  danger?: boolean;
  disabled?: boolean;
  onConfirm(): Promise<unknown>;
}

/** A button that asks first, in a modal dialog (focus kept inside, Escape cancels). */
export function ConfirmButton({
  label,
  target,
  title,
  children,
  typeToConfirm,
  danger,
  disabled,
  onConfirm,
}: ConfirmButtonProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const titleId = useId();
  const inputId = useId();
  const ready = !typeToConfirm || typed === typeToConfirm;

  const close = () => {
    dialog.current?.close();
    setTyped('');
  };

  return (
    <>
      <button
        type="button"
        className={danger ? 'danger' : undefined}
        disabled={disabled}
        onClick={() => dialog.current?.showModal()}
      >
        {label}
        {target && <span className="visually-hidden"> {target}</span>}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId} onClose={() => setTyped('')}>
        <form
          method="dialog"
          onSubmit={async (event) => {
            event.preventDefault();
            if (!ready) return;
            setBusy(true);
            try {
              await onConfirm();
            } catch {
              // The caller shows the API's problem next to the button; the dialog has done its part.
            } finally {
              setBusy(false);
              close();
            }
          }}
        >
          <h2 id={titleId}>{title}</h2>
          <div>{children}</div>
          {typeToConfirm && (
            <p>
              <label htmlFor={inputId}>
                Type <code>{typeToConfirm}</code> to confirm
              </label>
              <input
                id={inputId}
                value={typed}
                onChange={(event) => setTyped(event.target.value)}
                autoFocus
              />
            </p>
          )}
          <div className="actions">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" className={danger ? 'danger' : 'primary'} disabled={!ready || busy}>
              {label}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
