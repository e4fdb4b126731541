/**
 * Imported first by `npm start` and the CLI, before anything writes. Output whose reader is gone (a pipe closed early,
 * `| head`: EPIPE; a closed terminal: EIO) fails the write, and its stream emits the error, which unhandled ends the
 * process at once with a stack trace: `npm start` before it gives its running jobs back, a CLI command with exit 1
 * after doing its work. That output has nowhere to go, so the process goes on without it (a stream that failed drops
 * its later writes); any other error of these streams still ends it.
 */
const READER_GONE: readonly string[] = ["EPIPE", "EIO"];

for (const stream of [process.stdout, process.stderr])
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (!READER_GONE.includes(err.code ?? "")) throw err;
  });
