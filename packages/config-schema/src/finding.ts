/**
 * One problem (or warning) found in a settings file: where it is and what to do about it.
 *
 * `path` uses the file's own key names, with list positions in brackets (`LDAP[0].LDAP_URL`);
 * `line` and `column` are 1-based and present when the value comes from the file (not from an
 * environment variable or a default).
 */
export interface Finding {
  path: string;
  line?: number;
  column?: number;
  message: string;
}

/**
 * Renders a finding as one line for a terminal or a log.
 *
 * @example
 * formatFinding({ path: 'LDAP[0].LDAP_ATTR_USRNAME', line: 12, message: 'unknown key' });
 * // => 'LDAP[0].LDAP_ATTR_USRNAME (line 12): unknown key'
 */
export function formatFinding(finding: Finding): string {
  const where = finding.path === '' ? '(file)' : finding.path;
  const position = finding.line === undefined ? '' : ` (line ${finding.line})`;
  return `${where}${position}: ${finding.message}`;
}

/** Renders a list of path segments (`['LDAP', 0, 'LDAP_URL']`) as `LDAP[0].LDAP_URL`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text;
}
