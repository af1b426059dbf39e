#!/usr/bin/env python3
"""Extract the keyword lists of HAProxy's doc/configuration.txt.

    tools/haproxy_keywords.py configuration.txt VERSION > doc/haproxy-keywords.txt

Prints one "<category>\t<keyword>" line per keyword, categories in this
order: global (§3 summary list), proxy (§4.1 matrix), action (§4.3 matrix),
bind (§5.1), server (§5.2), converter (§7.3.1), fetch (§7.3.2 to §7.3.6).
tests/integration/test_config_doc_coverage.py checks that doc/configuration.md
gives each one a status."""
import re
import sys


def section(lines, title):
    """Lines of the numbered section whose heading is `title` (e.g. "5.1.")
    up to the next heading of the same style."""
    start = None
    for i, l in enumerate(lines):
        if l.startswith(title + " ") and i + 1 < len(lines) and lines[i + 1].startswith("---"):
            start = i + 2
            break
    if start is None:
        raise SystemExit("section %s not found" % title)
    for j in range(start, len(lines)):
        if re.match(r"^[0-9]+\.([0-9]+\.)* \S", lines[j]) and j + 1 < len(lines) \
                and lines[j + 1].startswith("---"):
            return lines[start:j]
    return lines[start:]


def tables(sec):
    """Rows of the summary tables of a section: the lines between a
    "----+----" rule and the next blank line."""
    rows, inside = [], False
    for l in sec:
        if re.match(r"^-+\+-", l):
            inside = True
            continue
        if inside and not l.strip():
            inside = False
            continue
        if inside and not l.startswith("--"):
            rows.append(l)
    return rows


def uniq(seq):
    seen, out = set(), []
    for k in seq:
        if k not in seen:
            seen.add(k)
            out.append(k)
    return out


def global_kws(lines):
    sec = section(lines, "3.")
    return uniq(m.group(1) for l in sec for m in [re.match(r"^   - (\S+)", l)] if m)


def matrix(lines, title):
    # "keyword   X  -  X": the keyword ends at the first run of 2 spaces
    return uniq(re.split(r"\s{2,}", r.strip())[0].replace(" (deprecated)", "")
                for r in tables(section(lines, title)) if re.match(r"^[a-z0-9]", r))


def options(lines, title):
    # an option is described by a line starting in column 0
    # (after a blank line or another such line: prose lines may start in
    # column 0 too, but only in the middle of a paragraph)
    out, prev_ok = [], True
    for l in section(lines, title):
        m = re.match(r"^([a-z0-9][a-z0-9._-]*)(\s|\(|$)", l)
        if m and prev_ok:
            out.append(m.group(1))
        prev_ok = not l.strip() or bool(m and prev_ok)
    return uniq(out)


def samples(lines, titles):
    out = []
    for t in titles:
        for r in tables(section(lines, t)):
            m = re.match(r"^([a-z0-9][a-z0-9_.()-]*?)(\(|\s|$)", r)
            if m:
                out.append(m.group(1))
    return uniq(out)


def main():
    text = open(sys.argv[1], encoding="utf-8").read().splitlines()
    print("# keywords of HAProxy %s's doc/configuration.txt, extracted by "
          "tools/haproxy_keywords.py" % (sys.argv[2] if len(sys.argv) > 2 else "?"))
    for cat, kws in (("global", global_kws(text)),
                     ("proxy", matrix(text, "4.1.")),
                     ("action", matrix(text, "4.3.")),
                     ("bind", options(text, "5.1.")),
                     ("server", options(text, "5.2.")),
                     ("converter", samples(text, ["7.3.1."])),
                     ("fetch", samples(text, ["7.3.2.", "7.3.3.", "7.3.4.",
                                              "7.3.5.", "7.3.6."]))):
        for k in kws:
            print("%s\t%s" % (cat, k))


if __name__ == "__main__":
    main()
