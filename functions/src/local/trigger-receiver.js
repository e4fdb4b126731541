// The HTTP endpoint the Firestore emulator posts trigger events to, run in a worker thread of its
// own (see emulator-triggers.ts): the emulator delivers one event at a time and waits for each
// answer, so answering from the engine's busy event loop would pace every delivery by that loop.
// Each event is answered at once and its body passed on to the main thread.
const http = require("node:http");
const { parentPort, workerData } = require("node:worker_threads");

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
    parentPort.postMessage({ path: req.url ?? "", body: Buffer.concat(chunks).toString() });
  });
});
server.once("error", (err) => parentPort.postMessage({ error: err.message }));
server.listen(workerData.port, "127.0.0.1", () => parentPort.postMessage({ listening: true }));
