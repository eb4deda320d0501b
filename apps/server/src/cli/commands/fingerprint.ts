import { COMMON_OPTIONS, type Command } from '../command.ts';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.ts';
import { loadSettingsOrReport, SETTINGS_LOOKUP_HELP } from '../settings-file.ts';

const HELP = `Usage: manage fingerprint [--json] [--settings FILE]

Prints the server's fingerprint (its verify key in groups of four, as the web client shows it
when it first meets the server) and the verify_key line that pins it in the web client's
config.json (inside a backend_servers entry). Publish the fingerprint where users can compare it,
or pin the key in config.json so that no one has to. Reads PRIVATE_KEY and PUBLIC_KEY from the settings.

  --json   print {fingerprint, verify_key, config_json} as JSON

${SETTINGS_LOOKUP_HELP}

${EXIT_CODES_HELP}`;

export const fingerprintCommand: Command = {
  name: 'fingerprint',
  summary: "print the server's fingerprint and the verify_key line for config.json",
  help: HELP,
  options: { ...COMMON_OPTIONS, json: { type: 'boolean' } },
  positionals: [0, 0],
  async run({ values }, io) {
    const loaded = loadSettingsOrReport(values.settings as string | undefined, io);
    if (!loaded) return EXIT.USAGE;
    const { settings } = loaded.result;
    const [{ ServerKeyError, serverKeysFrom }, { serverIdentity }] = await Promise.all([
      import('../../crypto/server-keys.ts'),
      import('../../crypto/fingerprint.ts'),
    ]);
    let verifyKey: string;
    try {
      verifyKey = serverKeysFrom(settings.PRIVATE_KEY, settings.PUBLIC_KEY).verifyKey;
    } catch (error) {
      if (!(error instanceof ServerKeyError)) throw error;
      io.stderr(`error: ${loaded.location.path}: ${error.message}\n`);
      return EXIT.USAGE;
    }
    const identity = serverIdentity(verifyKey);
    if (values.json === true) {
      io.stdout(`${JSON.stringify(identity, null, 2)}\n`);
    } else {
      io.stdout(
        `Fingerprint: ${identity.fingerprint}\nconfig.json (in a backend_servers entry): ${identity.config_json}\n`,
      );
    }
    return EXIT.OK;
  },
};
