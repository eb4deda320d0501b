/**
 * DN comparison key: directories treat DNs case-insensitively and ignore spaces around separators,
 * so `CN=Dev, OU=Groups` and `cn=dev,ou=groups` are one group (Psono compares raw strings, a known
 * source of failed logins).
 */
export function dnKey(dn: string): string {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) =>
      rdn
        .split(/(?<!\\)\+/)
        .map((pair) => {
          const equals = pair.indexOf('=');
          if (equals < 0) return pair.trim().toLowerCase();
          return `${pair.slice(0, equals).trim().toLowerCase()}=${pair
            .slice(equals + 1)
            .trim()
            .toLowerCase()}`;
        })
        .join('+'),
    )
    .join(',');
}
