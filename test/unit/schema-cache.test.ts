import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { cachedSchemaDir } from "../helpers/schema-cache.ts";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A cache root and a stand-in binary (only its path, size and mtime matter to the cache). */
function setUp(): { root: string; bin: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "ccp-schema-cache-"));
  dirs.push(dir);
  const bin = path.join(dir, "codex");
  writeFileSync(bin, "binary 1");
  return { root: path.join(dir, "cache"), bin };
}

/** A generator that writes one file naming its run, counting the runs. */
function generator(): { runs: number; generate: (out: string) => Promise<void> } {
  const counter = {
    runs: 0,
    generate: async (out: string) => {
      counter.runs += 1;
      await Promise.resolve();
      writeFileSync(path.join(out, "Schema.json"), `run ${counter.runs}`);
    },
  };
  return counter;
}

test("the schema is generated once per binary and version, then read from the cache", async () => {
  const { root, bin } = setUp();
  const gen = generator();
  const first = await cachedSchemaDir({ root, bin, version: "1.0.0", generate: gen.generate });
  const again = await cachedSchemaDir({ root, bin, version: "1.0.0", generate: gen.generate });
  assert.equal(again, first);
  assert.equal(gen.runs, 1);
  assert.equal(readFileSync(path.join(first, "Schema.json"), "utf8"), "run 1");

  const otherVersion = await cachedSchemaDir({ root, bin, version: "1.0.1", generate: gen.generate });
  assert.notEqual(otherVersion, first);
  writeFileSync(bin, "binary 2, reinstalled");
  utimesSync(bin, new Date(), new Date(Date.now() + 5000));
  const reinstalled = await cachedSchemaDir({ root, bin, version: "1.0.0", generate: gen.generate });
  assert.notEqual(reinstalled, first);
  assert.equal(gen.runs, 3, "another version or a changed binary is generated afresh");
});

test("a generation that fails leaves nothing behind that a later run would read", async () => {
  const { root, bin } = setUp();
  const failing = async (out: string) => {
    writeFileSync(path.join(out, "Half.json"), "{");
    await Promise.resolve();
    throw new Error("generator crashed");
  };
  await assert.rejects(cachedSchemaDir({ root, bin, version: "1.0.0", generate: failing }), /generator crashed/);
  assert.deepEqual(readdirSync(root), []);
  const gen = generator();
  const dir = await cachedSchemaDir({ root, bin, version: "1.0.0", generate: gen.generate });
  assert.deepEqual(readdirSync(dir), ["Schema.json"]);
  assert.equal(gen.runs, 1);
});

test("processes generating at once all get one complete copy", async () => {
  const { root, bin } = setUp();
  const gens = [generator(), generator(), generator()];
  const got = await Promise.all(gens.map((gen) => cachedSchemaDir({ root, bin, version: "1.0.0", generate: gen.generate })));
  assert.equal(new Set(got).size, 1);
  assert.deepEqual(readdirSync(got[0]!), ["Schema.json"]);
  assert.deepEqual(readdirSync(root), [path.basename(got[0]!)], "the losers' copies are removed");
});
