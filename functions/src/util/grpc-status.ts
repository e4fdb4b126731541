/** gRPC status codes by name, as Firestore and the Google Cloud clients report them in `err.code`. */
export const GrpcStatus = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** The gRPC status code of an error, if it carries one. */
export function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/** ALREADY_EXISTS, FAILED_PRECONDITION or ABORTED: someone else wrote first. */
export function isWriteConflict(err: unknown): boolean {
  const code = grpcCode(err);
  return code === GrpcStatus.ALREADY_EXISTS || code === GrpcStatus.FAILED_PRECONDITION || code === GrpcStatus.ABORTED;
}
