// Preloaded into the gateway with --import by `run.mjs --cpu-prof`. Node's own --cpu-prof writes
// only on a normal exit, and Nest's shutdown hook ends the process by re-raising SIGTERM, so the
// profile is written here, from a listener registered before Nest's. An in-process session
// answers synchronously, so the file is complete before Nest's listener runs.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.start');
process.once('SIGTERM', () => {
  session.post('Profiler.stop', (error, result) => {
    if (error) process.stderr.write(`cpu profile: ${error.message}\n`);
    else writeFileSync(process.env.NIMBUS_BENCH_PROFILE, JSON.stringify(result.profile));
  });
});
