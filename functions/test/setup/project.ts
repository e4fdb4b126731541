import { DEMO_PROJECT_ID } from "../../src/local/project";

/** The tests' project: the local runtime's demo project (any id would do; a `demo-` one never reaches Google). */
export const TEST_PROJECT_ID = DEMO_PROJECT_ID;
