/**
 * The console's addresses: `#/queue` (the default), `#/job/<id>`, `#/history` (`#/history?job=<id>`: that job's runs),
 * `#/days`.
 */
export type Route = { view: "queue" } | { view: "job"; jobId: string } | { view: "history"; jobId?: string } | { view: "days" };

/** The history's address listing one job's runs. */
export const jobHistoryAddress = (jobId: string) => `#/history?${new URLSearchParams({ job: jobId }).toString()}`;

/**
 * An address it cannot read (a job id that is not percent-encoded UTF-8, `#/job/%E0`, or no document id, `#/job/a%2Fb`,
 * `#/job/__x__`) is the queue's, as an unknown view is.
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
 * The address is read while the shell renders: a decoding error thrown there would leave the page loading for good,
 * and a job id no document can have ("a%2Fb" is a path, not an id) would show an error no Try again can mend.
 */
function decodedOrNull(component: string): string | null {
  try {
    const id = decodeURIComponent(component);
    return isDocumentId(id) ? id : null;
  } catch {
    return null;
  }
}

/** Firestore's longest document id, in UTF-8 bytes. */
const MAX_DOCUMENT_ID_BYTES = 1500;

/**
 * What Firestore takes as a document id: not empty, at most 1,500 bytes, never a path, nor an id Firestore reserves
 * ("." and "..", and those between double underscores, `__name__`). The engine's rule (functions/src/util/document-id.ts),
 * restated as the console cannot import it: the routes' unit test holds it to the cases of the engine's test.
 */
function isDocumentId(id: string): boolean {
  return (
    id !== "" &&
    new TextEncoder().encode(id).length <= MAX_DOCUMENT_ID_BYTES &&
    !id.includes("/") &&
    id !== "." &&
    id !== ".." &&
    !/^__.*__$/.test(id)
  );
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

/** The Days view's heading: UTC days, as the engine keys its daily summaries (times elsewhere are local, and say their offset). */
export const DAYS_HEADING = "Days (UTC)";

/** The page's title, naming the view shown first (browser tabs and screen readers read it on each view change). */
export function pageTitle(viewName: string | null): string {
  // The null case is index.html's title, shown before the session is known.
  return viewName === null ? "Catalog Jobs · operator console" : `${viewName} · Catalog Jobs`;
}
