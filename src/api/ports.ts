/** Well-known ports of the gRPC API (Mayastor's), shared by servers and clients of both planes. */
export const DEFAULT_GRPC_PORT = 10124;
