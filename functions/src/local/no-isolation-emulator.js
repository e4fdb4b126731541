// Runs @firestore-emulator/server (gRPC, no transaction isolation) on argv[2], and a tiny HTTP
// server on argv[3]: GET / answers when ready, DELETE /clear empties every project.
const http = require("node:http");
const { FirestoreServer } = require("@firestore-emulator/server");

async function main() {
  const [port, clearPort] = process.argv.slice(2).map(Number);
  const server = new FirestoreServer();
  await server.start(port);
  http
    .createServer((req, res) => {
      if (req.method === "DELETE") server.state.clear();
      res.end("Ok");
    })
    .listen(clearPort, "127.0.0.1");
  const stop = () => {
    server.stop();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // Detached so it can be stopped as a group; so it must notice on its own when its parent is gone.
  const parent = process.ppid;
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      stop();
    }
  }, 1000).unref();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
