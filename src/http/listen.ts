import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { serve, type HttpBindings } from "@hono/node-server";
import type { Logger } from "../core/logger.ts";
import { BodyTimeoutError } from "../errors.ts";

/** How long a client may take, and how many connections it may hold (HTTP_* settings). */
export interface ServerLimits {
  /** A request's head must arrive within this of its first byte (or of the connection's opening). */
  readonly headersTimeoutMs: number;
  /** A whole request, head and body, must arrive within this of its first byte; never applies to the answer. */
  readonly bodyTimeoutMs: number;
  /** A kept-alive connection without a request is closed after this. */
  readonly idleTimeoutMs: number;
  /** Open connections at most; a new one past it takes the place of the longest-stalled, else the longest-idle. */
  readonly maxConnections: number;
}

/** Why the server closed a connection that had no request being answered. */
export const CONNECTION_DROP_REASONS = ["headers_timeout", "evicted", "refused"] as const;
export type ConnectionDropReason = (typeof CONNECTION_DROP_REASONS)[number];

export interface ConnectionStats {
  readonly open: number;
  /** Since start, by reason. */
  readonly dropped: Readonly<Record<ConnectionDropReason, number>>;
}

/** What the app receives with each request besides Node's objects: read-json.ts gives up on the body when it fires. */
export interface ServerBindings extends HttpBindings {
  readonly bodyDeadline: AbortSignal;
}

export interface Listening {
  readonly server: Server;
  readonly port: number;
  readonly stats: () => ConnectionStats;
}

export interface ListenOptions {
  readonly fetch: (request: Request, env: ServerBindings) => Response | Promise<Response>;
  readonly host: string;
  readonly port: number;
  readonly limits: ServerLimits;
  readonly logger: Logger;
}

/** A request whose head has arrived, on its connection. */
interface InFlight {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Fires when the body is not in time (or its connection is evicted): the app answers 408. */
  readonly deadline: AbortController;
}

interface Connection {
  readonly socket: Socket;
  /** Since when it has had no request being answered: its opening, or its last answer's end. */
  since: number;
  /** It has answered a request (so, without one in flight, it is a kept-alive idle connection). */
  served: boolean;
  current: InFlight | undefined;
}

/** How long the app has to answer a timed-out body before its connection is closed anyway. */
const TIMED_OUT_ANSWER_GRACE_MS = 2000;

/** What Node itself writes to a connection whose request cannot be parsed, by error code (`clientError`'s default). */
const CLIENT_ERROR_ANSWERS: Readonly<Record<string, string>> = {
  ERR_HTTP_REQUEST_TIMEOUT: "408 Request Timeout",
  HPE_HEADER_OVERFLOW: "431 Request Header Fields Too Large",
  HPE_CHUNK_EXTENSIONS_OVERFLOW: "413 Payload Too Large",
};

/**
 * Node checks its header and request deadlines on an interval (30 s unless told): often
 * enough that a limit is kept within a quarter of itself, at most once a second.
 */
function checkingInterval(limits: ServerLimits): number {
  return Math.max(25, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.bodyTimeoutMs) / 4)));
}

/**
 * Listens with the adapter's read timeouts and connection cap. Node enforces the head and
 * whole-request deadlines (they end when the request has arrived, so a long answer or stream
 * is never cut); a body that is late is answered by the app (408 `body_timeout`, through
 * `bodyDeadline`) rather than by a bare line from Node. At the cap a new connection is
 * admitted by closing the one that has gone longest without a complete request, else the
 * longest-idle kept-alive one; only when every connection is answering a request is the new
 * one refused.
 */
export function listen(options: ListenOptions): Promise<Listening> {
  const { limits, logger } = options;
  const connections = new Map<Socket, Connection>();
  const dropped: Record<ConnectionDropReason, number> = { headers_timeout: 0, evicted: 0, refused: 0 };

  const drop = (conn: Connection, reason: ConnectionDropReason) => {
    dropped[reason] += 1;
    connections.delete(conn.socket); // at once: its "close" comes later, and it must not be chosen again
    const current = conn.current;
    if (current && !current.req.complete) {
      current.deadline.abort(new BodyTimeoutError("The request body had not arrived when the adapter closed its connection to admit another one."));
    }
    conn.socket.destroy();
    logger.debug("connection closed", { reason, open: connections.size });
  };

  /** The connection to close for `newcomer`: stalled (no complete request) first, then idle; never one being answered. */
  const victimFor = (newcomer: Connection): Connection | undefined => {
    let victim: Connection | undefined;
    let victimRank = Infinity;
    for (const conn of connections.values()) {
      if (conn === newcomer) continue;
      const rank = conn.current ? (conn.current.req.complete ? Infinity : 0) : conn.served ? 1 : 0;
      if (rank < victimRank || (rank === victimRank && victim && conn.since < victim.since)) {
        victim = conn;
        victimRank = rank;
      }
    }
    return victim;
  };

  const begin = (conn: Connection, req: IncomingMessage, res: ServerResponse, deadline: AbortController) => {
    const inFlight: InFlight = { req, res, deadline };
    conn.current = inFlight;
    res.once("finish", () => {
      if (conn.current !== inFlight) return;
      conn.since = performance.now();
      conn.served = true;
      // Answered before its body was read to the end (413, 401): stalled until the rest arrives or is dropped.
      if (req.complete) conn.current = undefined;
      else req.once("end", () => conn.current === inFlight && (conn.current = undefined));
    });
  };

  const fetch = (request: Request, env: HttpBindings) => {
    const deadline = new AbortController();
    const conn = connections.get(env.incoming.socket);
    if (conn) begin(conn, env.incoming, env.outgoing, deadline);
    return options.fetch(request, { ...env, bodyDeadline: deadline.signal });
  };

  const server = serve({
    fetch: (request, env) => fetch(request, env as HttpBindings),
    hostname: options.host,
    port: options.port,
    serverOptions: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.bodyTimeoutMs,
      keepAliveTimeout: limits.idleTimeoutMs,
      connectionsCheckingInterval: checkingInterval(limits),
    },
  }) as Server;

  server.on("connection", (socket: Socket) => {
    const conn: Connection = { socket, since: performance.now(), served: false, current: undefined };
    connections.set(socket, conn);
    socket.once("close", () => connections.delete(socket));
    if (connections.size <= limits.maxConnections) return;
    const victim = victimFor(conn);
    drop(victim ?? conn, victim ? "evicted" : "refused");
  });

  // With a listener Node leaves the connection to us, so everything but a late body gets its default treatment.
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    const current = connections.get(socket)?.current;
    if (err.code === "ERR_HTTP_REQUEST_TIMEOUT" && current && !current.req.complete && !current.res.headersSent) {
      bodyTimedOut(current, socket);
      return;
    }
    if (socket.writable && err.code !== "ECONNRESET" && !current?.res.headersSent) {
      socket.write(`HTTP/1.1 ${CLIENT_ERROR_ANSWERS[err.code ?? ""] ?? "400 Bad Request"}\r\nConnection: close\r\n\r\n`);
    }
    const conn = connections.get(socket);
    if (conn && err.code === "ERR_HTTP_REQUEST_TIMEOUT" && !current) drop(conn, "headers_timeout");
    else socket.destroy();
  });

  const bodyTimedOut = (current: InFlight, socket: Socket) => {
    if (current.deadline.signal.aborted) return;
    current.deadline.abort(new BodyTimeoutError(`The request body did not arrive within ${limits.bodyTimeoutMs / 1000} s of the request's start.`));
    // The app answers 408 with Connection: close; one that is not reading the body gets a moment, then the connection goes.
    const timer = setTimeout(() => socket.destroy(), TIMED_OUT_ANSWER_GRACE_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  };

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.once("listening", () => {
      server.off("error", reject);
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        stats: () => ({ open: connections.size, dropped: { ...dropped } }),
      });
    });
  });
}
