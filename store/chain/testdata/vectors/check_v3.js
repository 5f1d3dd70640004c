// Recomputes every vector of v3.json with an ECMAScript engine, independently
// of the Go package and of the Python generator: RFC 8785 is JSON.stringify for
// strings and numbers, with object members sorted by UTF-16 code units (the
// default sort of JavaScript strings). Objects are serialized by hand because
// JavaScript enumerates integer-like keys such as "1" first.
// Usage: node check_v3.js [v3.json]
const fs = require("fs");
const crypto = require("crypto");
const jcs = (v) => Array.isArray(v) ? "[" + v.map(jcs).join(",") + "]"
  : v !== null && typeof v === "object"
    ? "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + jcs(v[k])).join(",") + "}"
    : JSON.stringify(v);
const file = JSON.parse(fs.readFileSync(process.argv[2] || __dirname + "/v3.json", "utf8"));
let bad = 0;
for (const vec of file.vectors) {
  const canonical = jcs({ v: 3, ...vec.event });
  const hash = crypto.createHash("sha256").update(canonical, "utf8").digest("hex");
  const ok = canonical === vec.canonical && hash === vec.hash;
  if (!ok) bad++;
  console.log(`${ok ? "ok  " : "FAIL"} ${vec.name} ${hash}`);
}
process.exit(bad ? 1 : 0);
