import { registerEnumType } from 'type-graphql';

/** What a principal may do. VIEWER reads only; AGENT, MANAGER and ADMIN write; ADMIN administers. */
export enum Role {
  ADMIN = 'ADMIN',
  MANAGER = 'MANAGER',
  AGENT = 'AGENT',
  VIEWER = 'VIEWER',
}

registerEnumType(Role, {
  name: 'Role',
  description: 'What a team member or API key may do.',
  valuesConfig: {
    ADMIN: { description: 'Everything, including team members, API keys and tenant settings.' },
    MANAGER: { description: 'Reads and writes all CRM data.' },
    AGENT: { description: 'Reads and writes CRM data.' },
    VIEWER: { description: 'Reads only; every mutation is FORBIDDEN.' },
  },
});

/** Roles allowed to change CRM data. */
export const WRITER_ROLES: readonly Role[] = [Role.ADMIN, Role.MANAGER, Role.AGENT];

/** Roles allowed to change how the CRM is set up (practice types, pipelines and their stages). */
export const SETUP_ROLES: readonly Role[] = [Role.ADMIN, Role.MANAGER];

/** Parses a role name (case-insensitive); undefined when unknown. */
export function parseRole(value: string): Role | undefined {
  const upper = value.toUpperCase();
  return (Object.values(Role) as string[]).includes(upper) ? (upper as Role) : undefined;
}
