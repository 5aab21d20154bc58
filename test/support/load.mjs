// A bounded load generator, run as its own process: RATE requests a second for SECONDS to the
// router with HOST, then prints one JSON line: counts by status and the versions seen in order.
import { Agent, request } from 'node:http';

const [port, host, rate, seconds] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
const results = [];
const started = Date.now();
const total = Number(rate) * Number(seconds);
const pending = [];

function once(index) {
  return new Promise((resolve) => {
    const at = Date.now() - started;
    const call = request(
      { host: '127.0.0.1', port: Number(port), path: '/', headers: { host }, agent },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => {
          let version = null;
          try {
            const answer = JSON.parse(body);
            version = `${answer.version}@${answer.release}`;
          } catch {
            // not the app's answer
          }
          results[index] = { at, status: response.statusCode, version };
          resolve();
        });
      },
    );
    call.setTimeout(5000, () => call.destroy(new Error('timeout')));
    call.on('error', (error) => {
      results[index] = { at, status: 0, error: error.message };
      resolve();
    });
    call.end();
  });
}

for (let index = 0; index < total; index += 1) {
  const due = started + (index * 1000) / Number(rate);
  const wait = due - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  pending.push(once(index));
}
await Promise.all(pending);
agent.destroy();
const failed = results.filter((result) => result.status !== 200);
const versions = [];
for (const result of results)
  if (result.version && versions.at(-1) !== result.version) versions.push(result.version);
process.stdout.write(
  `${JSON.stringify({ total: results.length, failed: failed.length, failures: failed.slice(0, 10), versions })}\n`,
);
