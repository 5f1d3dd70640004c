#!/usr/bin/env python3
"""Writes v3.json: hash format v3 vectors for store/chain.

Expected values come from the conformance suite's RFC 8785 implementation
(/work/shared/conformance/run.py, function jcs) and hashlib, never from the Go
package under test. The first two vectors are copied from
/work/shared/conformance/hash-vectors-v3.json (computed with an ECMAScript
engine) and must keep their canonical text and hash.

Usage: python3 make_v3.py [path/to/conformance] > v3.json
"""
import hashlib
import json
import sys

CONF = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/conformance"
sys.path.insert(0, CONF)
import run  # noqa: E402

FIELDS = ["id", "timestamp", "receivedAt", "keyId", "sessionId", "agentId",
          "eventType", "severity", "seq", "payload", "metadata", "prevHash"]

H0 = "f0a6b37e9f972ee37a21d4f1baf2a37593de9107b051e1682bdbbbfcf25e95a5"

# (name, note, event fields); payload and metadata are raw JSON text, written
# into v3.json verbatim, so the Go test canonicalizes exactly this input.
OWN = [
    ("non-ascii", "é, €, emoji (astral, and a ZWJ sequence), CJK and Hangul stay raw UTF-8 in ids and payload",
     dict(id="01JKD00000000000000000NA01", timestamp="2026-02-08T11:00:00.000Z",
          receivedAt="2026-02-08T11:00:00.001Z", keyId="01JKCY4Q3M8R2V9XAB5E7GTN00",
          sessionId="sess-é-日本", agentId="agënt-€-😀", eventType="custom", severity="info", seq=0,
          payload='{"type":"note","data":{"text":"café € 😀 漢字 한국어","zwj":"👩\\u200d💻","escaped":"\\u00e9\\u20ac\\ud83d\\ude00\\u6f22"}}',
          metadata='{"lang":"日本語"}', prevHash=None)),
    ("floats", "ECMAScript number form: 0.5, 1e21 -> 1e+21, 1e-7, -0 -> 0, 333333333.33333329 -> 333333333.3333333, 1E30, 4.50, 2e-3, 1.0, 1e-6, 1.5e300",
     dict(id="01JKD00000000000000000FL01", timestamp="2026-02-08T11:00:01.000Z",
          receivedAt="2026-02-08T11:00:01.002Z", keyId="01JKCY4Q3M8R2V9XAB5E7GTN00",
          sessionId="sess_floats", agentId="my-agent", eventType="cost_tracked", severity="info", seq=3,
          payload='{"half":0.5,"big":1e21,"small":1e-7,"negzero":-0,"negzerof":-0.0,"third":333333333.33333329,'
                  '"e30":1E30,"trail":4.50,"milli":2e-3,"one":1.0,"micro":1e-6,"huge":1.5e300,"neg":-12.25}',
          metadata='{}', prevHash="1111111111111111111111111111111111111111111111111111111111111111")),
    ("integers", "integers up to 2^53 are kept exactly: 9007199254740992 and -9007199254740992",
     dict(id="01JKD00000000000000000IN01", timestamp="2026-02-08T11:00:02.000Z",
          receivedAt="2026-02-08T11:00:02.000Z", keyId="webhook:agentgate",
          sessionId="sess_ints", agentId="my-agent", eventType="custom", severity="debug", seq=0,
          payload='{"type":"count","data":{"max":9007199254740992,"min":-9007199254740992,"zero":0,"minus":-1,"hundred":1E2}}',
          metadata='{"n":[1,2,3]}', prevHash=None)),
    ("html-and-separators", "<, >, & and U+2028/U+2029 are not escaped by JCS (encoding/json would escape them); \\/ becomes /",
     dict(id="01JKD00000000000000000HT01", timestamp="2026-02-08T11:00:03.000Z",
          receivedAt="2026-02-08T11:00:03.000Z", keyId="anonymous",
          sessionId="sess<&>", agentId="a&b", eventType="tool_response", severity="warn", seq=7,
          payload='{"callId":"c<1>","toolName":"html","result":"\\u003cb\\u003ex \\u0026 y\\u003c/b\\u003e <i>&amp;</i>",'
                  '"sep":"line\\u2028break\\u2029para raw:\u2028\u2029","slash":"a\\/b","durationMs":3}',
          metadata='{}', prevHash="2222222222222222222222222222222222222222222222222222222222222222")),
    ("control-chars", "control characters in a payload string and in sessionId, agentId: short escapes for \\b \\f \\n \\r \\t, \\u00XX (lowercase hex) for the rest; U+007F stays raw; quote and backslash escaped",
     dict(id="01JKD00000000000000000CC01", timestamp="2026-02-08T11:00:04.000Z",
          receivedAt="2026-02-08T11:00:04.000Z", keyId="01JKCY4Q3M8R2V9XAB5E7GTN00",
          sessionId="s\u0000\u0001\u001f\u007f\t", agentId='agent "q" \\ back\n', eventType="custom", severity="error", seq=0,
          payload='{"type":"ctl","data":"\\u0000\\u0007\\b\\f\\n\\r\\t\\u000b\\u000e\\u001B\\u001f\\u007f \\"q\\" \\\\"}',
          metadata='{"k\\u0001":"\\u0002"}', prevHash=None)),
    ("nested", "nested objects and arrays: members sorted at every level, array order kept, empty containers",
     dict(id="01JKD00000000000000000NE01", timestamp="2026-02-08T11:00:05.000Z",
          receivedAt="2026-02-08T11:00:05.000Z", keyId="01JKCY4Q3M8R2V9XAB5E7GTN00",
          sessionId="sess_nested", agentId="my-agent", eventType="tool_call", severity="info", seq=1,
          payload='{ "toolName" : "deep", "callId":"c9",\n "arguments": {"z":{"y":{"x":[1,[2,[3,{"d":null,"c":[]}]],{"z":true,"a":false}]}},'
                  '"a":[[],{},[{}]],"empty":""} }',
          metadata='{"redaction":[{"plugin":"pii","sha256":"abc","changed":["payload.email"]}],"b":{"d":1,"c":2}}',
          prevHash="3333333333333333333333333333333333333333333333333333333333333333")),
    ("key-order-utf16", "keys sort by UTF-16 code units: U+1F600 (d83d de00) before U+FB33, although its code point is higher",
     dict(id="01JKD00000000000000000KO01", timestamp="2026-02-08T11:00:06.000Z",
          receivedAt="2026-02-08T11:00:06.000Z", keyId="01JKCY4Q3M8R2V9XAB5E7GTN00",
          sessionId="sess_keys", agentId="my-agent", eventType="custom", severity="info", seq=0,
          payload='{"type":"keys","data":{"\\ufb33":"dalet","\\ud83d\\ude00":"grin","\\u20ac":"euro","1":"one",'
                  '"\\r":"cr","\\u0080":"c1","\\u00f6":"o","\uff61":"halfwidth","\U00010000":"linear-b"}}',
          metadata='{"b":1,"a":2,"aa":3,"A":4,"":5}', prevHash=None)),
    ("critical-large-seq", "severity critical, a large seq and a chained prevHash",
     dict(id="01JKD00000000000000000LS01", timestamp="2026-12-31T23:59:59.999Z",
          receivedAt="2027-01-01T00:00:00.000Z", keyId="01JKCY4Q3M8R2V9XAB5E7GTN00",
          sessionId="sess_01", agentId="my-agent", eventType="alert_triggered", severity="critical", seq=123456789,
          payload='{"alertRuleId":"r1","alertName":"cost","condition":"gt","currentValue":101.5,"threshold":100,"message":"over"}',
          metadata='{}', prevHash=H0)),
]


def jdump(v):
    return json.dumps(v, ensure_ascii=False)


def vector_text(name, note, source, fields, canonical, digest):
    ev = []
    for f in FIELDS:
        v = fields[f]
        ev.append(f'    "{f}": ' + (v if f in ("payload", "metadata") else jdump(v)))
    return ("  {\n"
            f'   "name": {jdump(name)},\n'
            f'   "note": {jdump(note)},\n'
            f'   "source": {jdump(source)},\n'
            '   "event": {\n' + ",\n".join(ev) + "\n   },\n"
            f'   "canonical": {jdump(canonical)},\n'
            f'   "hash": {jdump(digest)}\n'
            "  }")


def main():
    out = []
    conf = json.load(open(f"{CONF}/hash-vectors-v3.json", encoding="utf-8"))
    for i, v in enumerate(conf["vectors"]):
        obj = dict(v["object"])
        assert obj.pop("v") == 3
        fields = {f: obj[f] for f in FIELDS}
        fields["payload"] = json.dumps(obj["payload"], ensure_ascii=False)
        fields["metadata"] = json.dumps(obj["metadata"], ensure_ascii=False)
        canonical = run.jcs({"v": 3, **{f: obj[f] for f in FIELDS}}).decode("utf-8")
        assert canonical == v["canonical"], v["canonical"]
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        assert digest == v["hash"], (digest, v["hash"])
        out.append(vector_text(f"conformance-{i}", "copied from conformance/hash-vectors-v3.json (computed outside the project)",
                               "conformance/hash-vectors-v3.json", fields, v["canonical"], v["hash"]))
    for name, note, fields in OWN:
        obj = {f: fields[f] for f in FIELDS}
        obj["payload"] = json.loads(fields["payload"])
        obj["metadata"] = json.loads(fields["metadata"])
        canonical = run.jcs({"v": 3, **obj}).decode("utf-8")
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        out.append(vector_text(name, note, "make_v3.py (conformance run.jcs + hashlib)", fields, canonical, digest))
    sys.stdout.write('{\n "description": "Hash format v3 vectors for store/chain. event holds the fields as sent '
                     '(payload and metadata as raw JSON text, canonicalized by the test); canonical is the JCS text of '
                     '{\\"v\\":3, ...event}; hash is its SHA-256. See README.md.",\n "vectors": [\n'
                     + ",\n".join(out) + "\n ]\n}\n")


main()
