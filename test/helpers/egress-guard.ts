import net from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A refusing HTTP(S) proxy on 127.0.0.1. The Codex children get it as HTTPS_PROXY/HTTP_PROXY
 * (with NO_PROXY for 127.0.0.1), so anything they try to reach besides the stand-in ends
 * here: it is refused with 403 and counted, and the benchmark never talks to the internet.
 */
export interface EgressGuard {
  readonly url: string;
  /** Hosts Codex tried to reach, with counts. */
  readonly attempts: Map<string, number>;
  close(): Promise<void>;
}

/** `refuseAfterMs` holds each refusal back, standing in for the round trip to the real host. */
export async function startEgressGuard(refuseAfterMs = 0): Promise<EgressGuard> {
  const attempts = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    socket.setTimeout(5000, () => socket.destroy());
    let head = "";
    socket.on("data", (chunk: Buffer) => {
      if (head.includes("\n")) return;
      head += chunk.toString("latin1");
      const line = head.split("\r\n")[0] ?? "";
      if (!head.includes("\n")) return;
      // "CONNECT host:443 HTTP/1.1" or "GET http://host/path HTTP/1.1"
      const target = line.split(" ")[1] ?? "?";
      const host = target.startsWith("http") ? safeHost(target) : target;
      attempts.set(host, (attempts.get(host) ?? 0) + 1);
      const refuse = () => socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      if (refuseAfterMs > 0) setTimeout(refuse, refuseAfterMs).unref();
      else refuse();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    attempts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * The environment the Codex children inherit in tests and the benchmark: every connection
 * except to 127.0.0.1 goes through the refusing egress guard, so nothing reaches beyond this machine.
 */
export function codexTestEnv(home: string, egress: EgressGuard): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: home,
    HTTPS_PROXY: egress.url,
    HTTP_PROXY: egress.url,
    NO_PROXY: "127.0.0.1,localhost",
  };
}

function safeHost(target: string): string {
  try {
    return new URL(target).host;
  } catch {
    return "?";
  }
}
