import type { DiagnoseStep } from '@ldap-login/ldap-core';

const LABELS = { success: 'Success', error: 'Error', skipped: 'Skipped' } as const;

function duration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/**
 * One line per step, for a terminal:
 * `Error: User search base ou=staff,dc=example,dc=org: ... (setting LDAP[0].LDAP_SEARCH_USER_DN; likely value ou=people,dc=example,dc=org) [3 ms]`
 */
export function formatStep(step: DiagnoseStep): string {
  const hint = step.hint ? `; ${step.hint}` : '';
  const where = step.setting
    ? ` (setting ${step.setting}${step.suggestion === undefined ? '' : `; likely value ${step.suggestion}`})`
    : step.suggestion === undefined
      ? ''
      : ` (likely value ${step.suggestion})`;
  return `${LABELS[step.status]}: ${step.title}: ${step.message}${hint}${where} [${duration(step.durationMs)}]`;
}
