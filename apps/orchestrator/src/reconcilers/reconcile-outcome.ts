/** What an app's reconcile changed that others must hear about once its transaction commits. */
export interface ReconcileOutcome {
  /** Nodes whose assignments changed. */
  nodes: Set<string>;
  /** When to look at the app again at the latest (a drain delay ending, a deadline). */
  recheckInMs: number | null;
}

export function emptyOutcome(): ReconcileOutcome {
  return { nodes: new Set(), recheckInMs: null };
}

/** Asks for the app to be looked at again within `ms`, unless sooner was asked already. */
export function recheckWithin(outcome: ReconcileOutcome, ms: number): void {
  outcome.recheckInMs = outcome.recheckInMs === null ? ms : Math.min(outcome.recheckInMs, ms);
}
