export const TEST_PROJECT_ID = "demo-catalog-jobs";
