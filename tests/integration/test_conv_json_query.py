"""json_query on request bodies: strings, numbers (%g and int), booleans,
arrays, nested paths, escaped dots, escapes, malformed and truncated
documents, nesting depth. Compared with HAProxy 2.6 byte for byte, but
for arrays (HAProxy 2.9+ returns them, 2.6 gives no sample)."""
from httpbackend import get

from conftest import HTTP_DEFAULTS, free_port

QUERIES = [
    "'$.s'", "'$.i','int'", "'$.i'", "'$.f'", "'$.t'", "'$.fa'", "'$.n'", "'$.o'",
    "'$.arr'", "'$.arr[1]'", "'$.arr[2].c','int'", "'$.o.x'", "'$.o.y[1]'", "'$.my\\\\.key'",
    "'$.esc'", "'$.u'", "'$.sl'", "'$.oct','int'", "'$.big','int'", "'$.neg'", "'$.neg','int'",
    "'$.ex'", "'$'", "'$.missing'", "'$.s.x'", "'x'", "'$.a'", "'$.a[1]'", "'$.b'",
    "'$.i','int'),add(1",   # an integer goes on to integer converters
]

CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    option http-buffer-request
%(rules)s
    http-request return status 200 content-type text/plain lf-string "%(fmt)s"
"""


def config(port):
    rules = "\n".join("    http-request set-var(txn.q%d) req.body,json_query(%s)" % (i, q)
                      for i, q in enumerate(QUERIES))
    fmt = "|".join("%%[var(txn.q%d)]" % i for i in range(len(QUERIES)))
    return CFG % {"port": port, "rules": rules, "fmt": fmt}


DEEP = b'{"a":' * 19 + b'1' + b'}' * 19
TOO_DEEP = b'{"a":' * 21 + b'1' + b'}' * 21
BODIES = [
    b'{"s":"hello","i":42,"f":3.14159265,"t":true,"fa":false,"n":null,"o":{"x":"deep","y":[1,2]},'
    b'"arr":["a","b",{"c":7}],"my.key":"dot","esc":"a\\"b\\\\c\\tz","u":"\\u0041\\u00e9",'
    b'"sl":"a\\/b","oct":010,"big":9007199254740993,"neg":-1.5e3,"ex":1e400}',
    b'{"s":"x","i": }',
    b'{"s":"trunc","a":[1,2',
    b'{"a":[1,],"b":2,}',
    b'  "top"  ',
    b'[1, 2]',
    b'{"s":"dup","s":"second","i":1 2}',
    DEEP, TOO_DEEP,
    b'',
    b'\x00{"s":"nul"}',
    b'{"s":"\\u12ab"}',
]


def run(start):
    port = free_port()
    start(config(port), port=port)
    return [get(port, "/", method="POST", body=b)[3] for b in BODIES]


def no_arrays(body):
    """HAProxy returns arrays (as their JSON text) since 2.9; 2.6 gives no
    sample for them."""
    return b"|".join(b"" if f.startswith(b"[") else f for f in body.split(b"|"))


def test_json_query_matches_haproxy(tollgate, haproxy):
    got = run(tollgate)
    want = run(haproxy)
    for b, g, w in zip(BODIES, got, want):
        assert no_arrays(g) == w, b
    first = got[0].split(b"|")
    assert first[:5] == [b"hello", b"42", b"42", b"3.14159", b"1"] and first[29] == b"43"
    assert first[13] == b"dot" and first[8] == b'["a","b",{"c":7}]'
    assert got[3].split(b"|")[26] == b"[1,]" and got[5].split(b"|")[22] == b"[1, 2]"

