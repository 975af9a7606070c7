/**
 * The local HubSpot server of the bench, in its own process (its records do not count in the API
 * process's RSS): seeds `argv[2]` contacts and, when `argv[3]` > 0, one company per `argv[3]`
 * contacts, each contact associated with its company; prints `{ url, token }` as one JSON line,
 * serves until stdin closes.
 */
import { startFakeHubspot } from '../test/helpers/hubspot-server.js';

const count = Number(process.argv[2] ?? 10_000);
const perCompany = Number(process.argv[3] ?? 0);
const hubspot = await startFakeHubspot();
let company: string | null = null;
for (let i = 0; i < count; i++) {
  if (perCompany > 0 && i % perCompany === 0)
    company = hubspot.add('companies', {
      name: `Bench Company ${i / perCompany}`,
      domain: `company-${i / perCompany}.example.com`,
      country: 'Italy',
    }).id;
  hubspot.add(
    'contacts',
    { firstname: `Bench${i}`, lastname: 'HubSpot', email: `hs.bench.${i}@example.com`, country: 'Italy' },
    company ? [`companies:${company}`] : [],
  );
}
console.log(JSON.stringify({ url: hubspot.url, token: hubspot.privateAppToken() }));
process.stdin.resume();
process.stdin.on('end', () => void hubspot.close().then(() => process.exit(0)));
