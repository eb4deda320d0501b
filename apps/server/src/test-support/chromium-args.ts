/**
 * Flags for every headless Chromium that the tests start (our client, the official client, the image): without the networking ones Chromium
 * reaches out to the network on its own (updates, sync, field trials).
 */
export const HEADLESS_CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
