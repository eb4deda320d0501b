/** `npm run web-vault -w @ldap-login/bench`: the web vault cell alone, its figures as JSON. */
import { measureWebVault } from './web-vault.ts';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const entries = Number(process.env.WEB_VAULT_ENTRIES ?? 5000);
// OFFICIAL_WEBCLIENT_DIR (read in web-size.ts) names the folder holding the official client's build.
const figures = await measureWebVault({ entries });
console.log(
  JSON.stringify(
    {
      ...figures,
      loginToListMedianMs: Math.round(median(figures.loginToListMs)),
      keystrokeToResultsMedianMs: Math.round(median(figures.keystrokeToResultsMs)),
    },
    null,
    2,
  ),
);
