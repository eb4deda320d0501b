import { describe, expect, it } from 'vitest';
import { directoryWorkSince, nestedGroupsLdif } from './ad-cell.ts';

// Lines as slapd writes them at loglevel stats (one login over a new ldaps connection).
const LOG_BEFORE = '6b14.01 conn=1003 op=2 UNBIND\n';
const LOG_AFTER = `${LOG_BEFORE}6b14.02 conn=1004 fd=13 ACCEPT from IP=127.0.0.1:40000 (IP=127.0.0.1:636)
6b14.03 conn=1004 fd=13 TLS established tls_ssf=256 ssf=256 tls_proto=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
6b14.04 conn=1004 op=0 BIND dn="cn=User 00001,ou=extra,ou=Users,dc=corp,dc=example,dc=net" method=128
6b14.05 conn=1004 op=0 BIND dn="cn=User 00001,ou=extra,ou=Users,dc=corp,dc=example,dc=net" mech=SIMPLE bind_ssf=0 ssf=256
6b14.06 conn=1004 op=0 RESULT tag=97 err=0 qtime=0.000027 etime=0.000260 text=
6b14.07 conn=1005 op=7 SRCH base="ou=Users,dc=corp,dc=example,dc=net" scope=2 deref=0 filter="(sAMAccountName=user00001)"
6b14.08 conn=1005 op=8 SRCH base="ou=Groups,dc=corp,dc=example,dc=net" scope=2 deref=0 filter="(member=x)"
`;

describe('directoryWorkSince', () => {
  it("counts connections, TLS handshakes, binds and searches in slapd's log after a point", () => {
    expect(directoryWorkSince(LOG_AFTER, LOG_BEFORE)).toEqual({
      connections: 1,
      tls_handshakes: 1,
      binds: 1,
      searches: 2,
    });
    expect(directoryWorkSince(LOG_AFTER, LOG_AFTER)).toEqual({
      connections: 0,
      tls_handshakes: 0,
      binds: 0,
      searches: 0,
    });
  });
});

describe('nestedGroupsLdif', () => {
  it('puts every generated group in a department and every department in all-staff', () => {
    const ldif = nestedGroupsLdif(6);
    expect(ldif).toContain('dn: cn=department1,ou=Groups,dc=corp,dc=example,dc=net');
    expect(ldif).toContain('member: cn=group0005,ou=Groups,dc=corp,dc=example,dc=net');
    expect(ldif.match(/^dn: /gm)).toHaveLength(5);
    expect(ldif).toMatch(/dn: cn=all-staff,[^\n]*\n(?:[^\n]+\n)*member: cn=department4,/);
  });
});
