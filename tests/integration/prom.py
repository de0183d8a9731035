# prom.py - the integration tests' strict reader of the Prometheus text
# format (what `lvsctl metrics` prints and GET /metrics serves): every
# line is a HELP, a TYPE or a sample of a family typed before it, each
# family typed once, label values escaped, the text ending in a newline;
# a line that is not exits non-zero and names it.
#
# Usage: python3 prom.py [-c] QUERY... < exposition
#   QUERY: family{label=value,...} (labels optional); prints
#   "QUERY = v1 v2 ..." (the matching samples' values, in order, or
#   "none"); with -c, "QUERY = N", the number of matching samples.
import re
import sys

text = sys.stdin.read()
fams, samples, typed = {}, [], set()
lab = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
for n, line in enumerate(text.split("\n")[:-1], 1):
    m = re.fullmatch(r"# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)", line)
    if m:
        if m.group(1) == "TYPE":
            assert m.group(3) in ("counter", "gauge"), line
            assert m.group(2) not in typed, "TYPE twice: " + line
            typed.add(m.group(2))
            fams[m.group(2)] = m.group(3)
        continue
    m = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(%s(?:,%s)*)\})? (\S+)" % (lab, lab), line)
    assert m, "line %d is not a sample: %r" % (n, line)
    assert m.group(1) in fams, "sample before its TYPE: " + line
    labels = dict((k, v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\"))
                  for k, v in re.findall(lab, m.group(2) or ""))
    samples.append((m.group(1), labels, float(m.group(m.lastindex))))
assert text.endswith("\n"), "the text does not end in a newline"
count = len(sys.argv) > 1 and sys.argv[1] == "-c"
for q in sys.argv[1 + count:]:
    name, _, want = q.partition("{")
    want = dict(kv.split("=", 1) for kv in want.rstrip("}").split(",") if kv)
    vals = [v for s, l, v in samples if s == name and all(l.get(k) == x for k, x in want.items())]
    if count:
        print(q, "=", len(vals))
    else:
        print(q, "=", " ".join("%g" % v for v in vals) or "none")
