// Serves the demo (www/) with the built package (pkg/) and the real SDK from node_modules, and prints its URL.
//   node scripts/demo-server.mjs [--port N]
import { startServer } from './lib/server.mjs';

const at = process.argv.indexOf('--port');
const port = at > 0 ? Number(process.argv[at + 1]) : Number(process.env.PORT || 8080);
const server = await startServer({ port });
console.log(`ait-checkout demo: ${server.url}/www/  (Ctrl+C to stop)`);
