/** Roles are the platform's (principals carry one); re-exported here for the tenancy module's readers. */
export { parseRole, Role, SETUP_ROLES, WRITER_ROLES } from '../../platform/auth/role.js';
