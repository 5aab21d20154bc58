/** Tenant roles, strongest first. Each role may do everything the roles after it may. */
export const ROLES = ['owner', 'admin', 'developer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { owner: 3, admin: 2, developer: 1, viewer: 0 };

export function roleAtLeast(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

/** The weaker of two roles: what a token capped at `cap` may do for a member holding `held`. */
export function weakerRole(held: Role, cap: Role | null | undefined): Role {
  return cap && RANK[cap] < RANK[held] ? cap : held;
}
