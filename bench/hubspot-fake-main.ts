/**
 * The local HubSpot server of the bench, in its own process (its records do not count in the API
 * process's RSS): seeds `argv[2]` contacts, prints `{ url, token }` as one JSON line, serves until
 * stdin closes.
 */
import { startFakeHubspot } from '../test/helpers/hubspot-server.js';

const count = Number(process.argv[2] ?? 10_000);
const hubspot = await startFakeHubspot();
for (let i = 0; i < count; i++)
  hubspot.add('contacts', { firstname: `Bench${i}`, lastname: 'HubSpot', email: `hs.bench.${i}@example.com` });
console.log(JSON.stringify({ url: hubspot.url, token: hubspot.privateAppToken() }));
process.stdin.resume();
process.stdin.on('end', () => void hubspot.close().then(() => process.exit(0)));
