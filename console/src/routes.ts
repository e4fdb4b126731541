/** The console's addresses: `#/queue` (the default), `#/job/<id>`, `#/history`, `#/days`. */
export type Route = { view: "queue" } | { view: "job"; jobId: string } | { view: "history" } | { view: "days" };

export function parseRoute(hash: string): Route {
  const [, view = "", id = ""] = hash.replace(/^#/, "").split("/");
  if (view === "job" && id) return { view: "job", jobId: decodeURIComponent(id) };
  if (view === "history" || view === "days") return { view };
  return { view: "queue" };
}
