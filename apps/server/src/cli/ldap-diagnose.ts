/**
 * The diagnosis of ldap-core, in one place for the CLI.
 */
export {
  type DiagnoseResult,
  type DiagnoseStep,
  diagnose,
} from '../../../../packages/ldap-core/dist/diagnose/index.js';
