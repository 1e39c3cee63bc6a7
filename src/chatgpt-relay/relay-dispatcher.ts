import { readFileSync } from "node:fs";
import { EnvHttpProxyAgent, type Dispatcher } from "undici";

/**
 * How the relay reaches the ChatGPT backend: through the same proxy and with the same trusted
 * certificates as the Codex child would (its environment's HTTPS_PROXY, NO_PROXY, SSL_CERT_FILE),
 * so putting the relay in between changes no route an operator has set up.
 */
export function relayDispatcher(childEnv: NodeJS.ProcessEnv): Dispatcher {
  const bundle = childEnv.SSL_CERT_FILE ? readFileSync(childEnv.SSL_CERT_FILE, "utf8") : undefined;
  const tls = bundle ? { ca: bundle } : {};
  return new EnvHttpProxyAgent({
    // Empty strings, not undefined: undici would otherwise read the adapter's own process.env.
    httpProxy: childEnv.HTTP_PROXY ?? childEnv.http_proxy ?? "",
    httpsProxy: childEnv.HTTPS_PROXY ?? childEnv.https_proxy ?? "",
    noProxy: childEnv.NO_PROXY ?? childEnv.no_proxy ?? "",
    connect: tls,
    requestTls: tls,
    proxyTls: tls,
  });
}
