/**
 * Key pairs printed in standards and in the test suites of the NaCl libraries. A server whose
 * `PRIVATE_KEY` is one of them has no secret: anyone can open the logins (with their passwords)
 * boxed to it and the session secrets it sends back, and sign `/info/` in its name. The settings
 * refuse them, as private or as public key. `published-test-keys.test.ts` recomputes every public
 * key from its private key, so a mistyped entry cannot hide here.
 */

interface PublishedKeyPair {
  /** Where the pair is printed. */
  source: string;
  /** `x25519`: the private key is a Curve25519 scalar. `ed25519`: it is an Ed25519 seed (`PRIVATE_KEY` also seeds the signing key). */
  kind: 'x25519' | 'ed25519';
  privateKey: string;
  publicKey: string;
}

export const PUBLISHED_KEY_PAIRS: readonly PublishedKeyPair[] = [
  {
    source: "RFC 7748 section 6.1 (Alice), also NaCl's and libsodium's crypto_box tests",
    kind: 'x25519',
    privateKey: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
    publicKey: '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
  },
  {
    source: "RFC 7748 section 6.1 (Bob), also NaCl's and libsodium's crypto_box tests",
    kind: 'x25519',
    privateKey: '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb',
    publicKey: 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
  },
  {
    source: "libsodium's ed25519_convert test (the X25519 key of its keypair_seed)",
    kind: 'x25519',
    privateKey: '8052030376d47112be7f73ed7a019293dd12ad910b654455798b4667d73de166',
    publicKey: 'f1814f0e8ff1043d8a44d25babff3cedcae6c22c3edaa48f857ae70de2baae50',
  },
  {
    source:
      "RFC 8032 section 7.1 TEST 1, also tweetnacl-js's sign test vectors (ed25519.cr.yp.to sign.input)",
    kind: 'ed25519',
    privateKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  },
  {
    source: "RFC 8032 section 7.1 TEST 2, also tweetnacl-js's sign test vectors",
    kind: 'ed25519',
    privateKey: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
  },
  {
    source: "RFC 8032 section 7.1 TEST 3, also tweetnacl-js's sign test vectors",
    kind: 'ed25519',
    privateKey: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
  },
  {
    source: 'RFC 8032 section 7.1 TEST 1024',
    kind: 'ed25519',
    privateKey: 'f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5',
    publicKey: '278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e',
  },
  {
    source: 'RFC 8032 section 7.1 TEST SHA(abc)',
    kind: 'ed25519',
    privateKey: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
    publicKey: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
  },
  {
    source: "tweetnacl-js's sign test vectors, entry 4 (ed25519.cr.yp.to sign.input)",
    kind: 'ed25519',
    privateKey: '0d4a05b07352a5436e180356da0ae6efa0345ff7fb1572575772e8005ed978e9',
    publicKey: 'e61a185bcef2613a6c7cb79763ce945d3b245d76114dd440bcf5f2dc1aa57057',
  },
  {
    source: "tweetnacl-js's sign test vectors, entry 5 (ed25519.cr.yp.to sign.input)",
    kind: 'ed25519',
    privateKey: '6df9340c138cc188b5fe4464ebaa3f7fc206a2d55c3434707e74c9fc04e20ebb',
    publicKey: 'c0dac102c4533186e25dc43128472353eaabdb878b152aeb8e001f92d90233a7',
  },
  {
    source: "libsodium's sign and ed25519_convert tests (keypair_seed)",
    kind: 'ed25519',
    privateKey: '421151a459faeade3d247115f94aedae42318124095afabe4d1451a559faedee',
    publicKey: 'b5076a8474a832daee4dd5b4040983b6623b5f344aca57d4d6ee4baf3f259e6e',
  },
];

const BY_KEY = new Map<string, string>(
  PUBLISHED_KEY_PAIRS.flatMap((pair) => [
    [pair.privateKey, pair.source],
    [pair.publicKey, pair.source],
  ]),
);

/** Where a key (hex, any case) is published, or undefined for a key not on the list. */
export function publishedKeySource(hexKey: string): string | undefined {
  return BY_KEY.get(hexKey.trim().toLowerCase());
}
