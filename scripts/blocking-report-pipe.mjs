// Loaded into every test file's process by `npm test` (`--import`, which the test runner
// passes on to the processes it starts for each file). With --test-force-exit, a file's
// process may exit while the last of its results are still queued for the pipe to the
// runner: those verdicts are then lost and the run reports fewer tests than ran, with
// exit 0 (nodejs/node#64833). Writing the report pipe synchronously loses nothing.
const handle = process.stdout._handle;
if (handle && typeof handle.setBlocking === "function") handle.setBlocking(true);
