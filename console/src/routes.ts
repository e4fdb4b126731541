/**
 * The console's addresses: `#/queue` (the default), `#/job/<id>`, `#/history` (`#/history?job=<id>`: that job's runs),
 * `#/days`.
 */
export type Route = { view: "queue" } | { view: "job"; jobId: string } | { view: "history"; jobId?: string } | { view: "days" };

/** The history's address listing one job's runs. */
export const jobHistoryAddress = (jobId: string) => `#/history?${new URLSearchParams({ job: jobId }).toString()}`;

/**
 * An address it cannot read (a job id that is not percent-encoded UTF-8, `#/job/%E0`, or no document id, `#/job/a%2Fb`)
 * is the queue's, as an unknown view is.
 */
export function parseRoute(hash: string): Route {
  const [path, search = ""] = hash.replace(/^#/, "").split("?", 2);
  const [, view = "", id = ""] = path.split("/");
  const jobId = view === "job" && id ? decodedOrNull(id) : null;
  if (jobId !== null) return { view: "job", jobId };
  if (view === "history") {
    const historyJobId = new URLSearchParams(search).get("job");
    return historyJobId ? { view, jobId: historyJobId } : { view };
  }
  if (view === "days") return { view };
  return { view: "queue" };
}

/**
 * The address is read while the shell renders: a decoding error thrown there, or a job id no document can have
 * ("a%2Fb" is a path, not an id), would leave the page loading for good.
 */
function decodedOrNull(component: string): string | null {
  try {
    const id = decodeURIComponent(component);
    return id.includes("/") || id === "." || id === ".." ? null : id;
  } catch {
    return null;
  }
}

/** What the address's view is called in the page's title: the job page's names its job. */
export function routeName(route: Route): string {
  switch (route.view) {
    case "queue":
      return "Queue";
    case "job":
      return `Job ${route.jobId}`;
    case "history":
      return "Run history";
    case "days":
      return "Days";
  }
}

/** The page's title, naming the view shown first (browser tabs and screen readers read it on each view change). */
export function pageTitle(viewName: string | null): string {
  // The null case is index.html's title, shown before the session is known.
  return viewName === null ? "Catalog Jobs · operator console" : `${viewName} · Catalog Jobs`;
}
