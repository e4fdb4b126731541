import "@picocss/pico/css/pico.min.css";
import "./styles.css";
import { render } from "preact";
import { App } from "./app";
import { connectFirebase } from "./firebase";
import { ErrorBox, Loading } from "./ui/parts";
import { asError } from "./format";

const root = document.getElementById("app");
if (!root) throw new Error("index.html has no #app element");
render(<Loading what="the console" />, root);
connectFirebase().then(
  (firebase) => render(<App firebase={firebase} />, root),
  (err: unknown) => render(<ErrorBox failedTo="load Firebase" error={asError(err)} />, root),
);
