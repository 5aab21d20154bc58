// The app behind every proxy in the router bench: a short JSON body, as a small web process would.
import http from 'node:http';

const BODY = Buffer.from('{"ok":true,"app":"bench"}\n');
const port = Number(process.argv[2]);

const server = http.createServer((request, response) => {
  request.resume();
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
  response.end(BODY);
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
