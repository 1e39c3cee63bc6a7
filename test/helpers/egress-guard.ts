import net from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A refusing HTTP(S) proxy on 127.0.0.1. The Codex children get it as HTTPS_PROXY/HTTP_PROXY
 * (with NO_PROXY for 127.0.0.1), so anything they try to reach besides the stand-in ends
 * here: it is refused with 403 and counted, and the benchmark never talks to the internet.
 * A `CONNECT` to a host listed in `tunnels` is instead tunnelled to that port on 127.0.0.1 (a
 * stand-in with a certificate for that name): Codex then runs with its real default URLs.
 */
export interface EgressGuard {
  readonly url: string;
  /** Hosts Codex tried to reach and was refused, with counts. */
  readonly attempts: Map<string, number>;
  /** `CONNECT`s tunnelled to a local stand-in, by target. */
  readonly tunnelled: Map<string, number>;
  close(): Promise<void>;
}

export interface EgressGuardOptions {
  /** Holds each refusal back this long, standing in for the round trip to the real host. */
  readonly refuseAfterMs?: number;
  /** `host:port` -> a port on 127.0.0.1, e.g. `chatgpt.com:443` -> the stand-in ChatGPT backend. */
  readonly tunnels?: Readonly<Record<string, number>>;
}

export async function startEgressGuard(options: EgressGuardOptions = {}): Promise<EgressGuard> {
  const refuseAfterMs = options.refuseAfterMs ?? 0;
  const attempts = new Map<string, number>();
  const tunnelled = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    socket.setTimeout(5000, () => socket.destroy());
    let head = "";
    const onData = (chunk: Buffer) => {
      head += chunk.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return; // the request head is not complete yet
      socket.off("data", onData);
      // "CONNECT host:443 HTTP/1.1" or "GET http://host/path HTTP/1.1"
      const [verb, target = "?"] = (head.split("\r\n")[0] ?? "").split(" ");
      const tunnelPort = verb === "CONNECT" ? options.tunnels?.[target] : undefined;
      if (tunnelPort !== undefined) {
        tunnelled.set(target, (tunnelled.get(target) ?? 0) + 1);
        socket.setTimeout(0);
        const local = net.connect(tunnelPort, "127.0.0.1", () => {
          socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
          local.write(Buffer.from(head.slice(end + 4), "latin1"));
          socket.pipe(local).pipe(socket);
        });
        local.on("error", () => socket.destroy());
        socket.on("close", () => local.destroy());
        return;
      }
      const host = target.startsWith("http") ? safeHost(target) : target;
      attempts.set(host, (attempts.get(host) ?? 0) + 1);
      const refuse = () => socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      if (refuseAfterMs > 0) setTimeout(refuse, refuseAfterMs).unref();
      else refuse();
    };
    socket.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    attempts,
    tunnelled,
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
