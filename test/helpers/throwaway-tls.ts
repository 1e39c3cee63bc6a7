import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A certificate authority made for one test run and a server certificate for 127.0.0.1 (and for
 * chatgpt.com and auth.openai.com, which the egress guard may tunnel to the stand-in) signed by it, so Codex (which insists on https for the ChatGPT model stream) trusts a local
 * stand-in through SSL_CERT_FILE. Made with the `openssl` CLI in a private temporary folder;
 * the keys never leave it and `remove()` deletes it.
 */
export interface ThrowawayTls {
  /** The CA certificate (PEM file) to hand to the client. */
  readonly caFile: string;
  readonly key: Buffer;
  readonly cert: Buffer;
  remove(): void;
}

export function makeThrowawayTls(): ThrowawayTls {
  const dir = mkdtempSync(path.join(tmpdir(), "ccp-tls-"));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  try {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=codex-cli-provider test CA",
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
      "-keyout", file("ca.key"), "-out", file("ca.pem"));
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", file("server.key"), "-out", file("server.csr"));
    // rustls (Codex) wants a leaf that is not a CA, names the address in subjectAltName and is meant for servers.
    writeFileSync(
      file("server.ext"),
      ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment", "extendedKeyUsage=serverAuth", "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:chatgpt.com,DNS:auth.openai.com", ""].join("\n"),
    );
    openssl("x509", "-req", "-in", file("server.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key"), "-CAcreateserial",
      "-days", "2", "-extfile", file("server.ext"), "-out", file("server.pem"));
    rmSync(file("ca.key")); // nothing more is signed: the CA's key goes at once
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not make a test certificate with openssl: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return {
    caFile: file("ca.pem"),
    key: readFileSync(file("server.key")),
    cert: readFileSync(file("server.pem")),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
