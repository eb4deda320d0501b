/** Node-only entry: the libsodium (sodium-native) crypto backend. */
export {};
