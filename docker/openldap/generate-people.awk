# Writes LDIF for COUNT generated users (and GROUP_COUNT groups sharing them out) in one dataset flavor.
# Used for the dataset's large group and for extra users/groups asked for at start (benchmarks).
# Every generated user gets the same password hash: hashing is done once, so 2,000 users load in seconds.
#
# Variables (awk -v): flavor (memberof|posix|ad), people_dn, groups_dn, ou (OU created under people_dn),
# prefix (login prefix), label (common-name prefix), count, group_name (one group holding everyone) or
# group_prefix + group_count, pwhash, uid_base, gid_base, mail_domain, guid_users, guid_groups
# (16 base64 characters = the first 12 bytes of each objectGUID; the last 4 bytes number the entry).

function pad(n, width) { return sprintf("%0" width "d", n) }

# base64 of the 4-byte big-endian value n, completing a 12-byte prefix to a 16-byte GUID.
function guid(prefix, n,    b0, b1, b2, b3, alphabet) {
  alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  b0 = int(n / 16777216) % 256; b1 = int(n / 65536) % 256; b2 = int(n / 256) % 256; b3 = n % 256
  return prefix \
    substr(alphabet, int(b0 / 4) + 1, 1) \
    substr(alphabet, (b0 % 4) * 16 + int(b1 / 16) + 1, 1) \
    substr(alphabet, (b1 % 16) * 4 + int(b2 / 64) + 1, 1) \
    substr(alphabet, b2 % 64 + 1, 1) \
    substr(alphabet, int(b3 / 4) + 1, 1) \
    substr(alphabet, (b3 % 4) * 16 + 1, 1) "=="
}

function user_dn(i) {
  if (flavor == "ad") return "CN=" label " " pad(i, 5) "," ou_dn
  return "uid=" prefix pad(i, 5) "," ou_dn
}

function group_cn(g) { return group_name != "" ? group_name : group_prefix pad(g, 4) }

function group_dn(g) {
  if (flavor == "ad") return "CN=" group_cn(g) "," groups_dn
  return "cn=" group_cn(g) "," groups_dn
}

BEGIN {
  groups = group_name != "" ? 1 : group_count + 0
  ou_dn = (flavor == "ad" ? "OU=" : "ou=") ou "," people_dn

  print "dn: " ou_dn
  print "objectClass: organizationalUnit"
  print "ou: " ou
  print ""

  for (i = 1; i <= count; i++) {
    login = prefix pad(i, 5)
    print "dn: " user_dn(i)
    if (flavor == "ad") {
      print "objectClass: top"
      print "objectClass: person"
      print "objectClass: organizationalPerson"
      print "objectClass: user"
      print "sAMAccountName: " login
      print "userPrincipalName: " login "@" mail_domain
      print "objectGUID:: " guid(guid_users, i)
      print "userAccountControl: 512"
    } else {
      print "objectClass: inetOrgPerson"
      print "objectClass: posixAccount"
      print "uid: " login
      print "uidNumber: " (uid_base + i)
      print "gidNumber: " gid_base
      print "homeDirectory: /home/" login
      print "employeeType: active"
    }
    print "cn: " label " " pad(i, 5)
    print "sn: " pad(i, 5)
    print "mail: " login "@" mail_domain
    print "userPassword: " pwhash
    print ""
  }

  for (g = 1; g <= groups; g++) {
    print "dn: " group_dn(g)
    if (flavor == "ad") {
      print "objectClass: top"
      print "objectClass: group"
      print "sAMAccountName: " group_cn(g)
      print "groupType: -2147483646"
      print "objectGUID:: " guid(guid_groups, g)
    } else if (flavor == "posix") {
      print "objectClass: posixGroup"
      print "gidNumber: " (gid_base + g)
    } else {
      print "objectClass: groupOfNames"
    }
    print "cn: " group_cn(g)
    # User i belongs to group ((i - 1) mod groups) + 1: every group gets a near-equal share.
    for (i = g; i <= count; i += groups) {
      if (flavor == "posix") print "memberUid: " prefix pad(i, 5)
      else print "member: " user_dn(i)
    }
    print ""
  }
}
