/** `npm run web-vault -w @ldap-login/bench`: the web vault cell alone, its figures as JSON. */
import { measureWebVault, webVaultRecord } from './web-vault.ts';

const entries = Number(process.env.WEB_VAULT_ENTRIES ?? 5000);
// OFFICIAL_WEBCLIENT_DIR (read in web-size.ts) names the folder holding the official client's build.
const figures = await measureWebVault({ entries });
console.log(
  JSON.stringify(
    { ...webVaultRecord(figures), ourJs: figures.ourJs, officialJs: figures.officialJs },
    null,
    2,
  ),
);
