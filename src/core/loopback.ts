/** Loopback names as URL.hostname and the Host header spell them (IPv6 in brackets). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]";
}
