import type { AppWithContext, Instance, Node, Release, TenantScope } from '@nimbus/db';

/** What an app's reconcile read first, shared by the reconcilers it composes. */
export interface AppState {
  /** The app's tenant, derived from the app row read under the orchestrator's system scope. */
  scope: TenantScope;
  app: AppWithContext;
  /** The current release; null before the first deploy. */
  release: Release | null;
  /** Every instance of the app, oldest first. */
  instances: Instance[];
  nodes: Node[];
}
