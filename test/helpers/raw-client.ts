import net from "node:net";

export interface RawClient {
  readonly socket: net.Socket;
  /** What it received so far. */
  text(): string;
  /** When the server closed it: everything received, after how long, and the HTTP status if one came. */
  readonly ended: Promise<{ text: string; ms: number; status: number | undefined }>;
}

/** A socket to 127.0.0.1:`port` that sends `bytes` (part of a request, or nothing) and then stays silent. */
export async function rawClient(port: number, bytes = ""): Promise<RawClient> {
  const socket = net.connect(port, "127.0.0.1");
  const started = performance.now();
  let text = "";
  socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
  const ended = new Promise<{ text: string; ms: number; status: number | undefined }>((resolve) => {
    socket.on("error", () => undefined); // a reset is one way the server closes it
    socket.on("close", () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({ text, ms: performance.now() - started, status: status ? Number(status) : undefined });
    });
  });
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  if (bytes) socket.write(bytes);
  return { socket, text: () => text, ended };
}
