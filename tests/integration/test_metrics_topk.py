"""Per stick table, the top-N keys by a counter (`topk <n> <data>` on the
stick-table line, a Tollgate extension): exported by the Prometheus
exporter as haproxy_sticktable_top_keys, bounded to <n>, refused with the
place named when the table does not store the counter."""
from conftest import free_port, run_check, HTTP_DEFAULTS
from httpbackend import get
from test_metrics_promex import scrape


def cfg(port):
    return HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    http-request use-service prometheus-exporter if { path /metrics }
    http-request track-sc0 req.hdr(x-user) table users
    http-request track-sc1 src table clients
    http-request return status 200
backend users
    stick-table type string len 32 size 1000 store http_req_cnt,http_req_rate(1m) topk 3 http_req_cnt
backend clients
    stick-table type ip size 100 store http_req_rate(1m) topk 2 http_req_rate
backend plain
    stick-table type ip size 100 store http_req_cnt
""" % port


def test_top_keys_by_counter(tollgate):
    port = free_port()
    tollgate(cfg(port), port=port)
    counts = {"alice": 7, "bob": 2, "carol": 5, 'dan "x"': 4, "eve": 1}
    for user, n in counts.items():
        for _ in range(n):
            assert get(port, "/", headers=[("x-user", user)])[0] == 200
    fams = scrape(port, "?scope=sticktable")
    top = fams["haproxy_sticktable_top_keys"]
    assert top["type"] == "gauge"
    assert top["labels"] == {("name", "type", "data", "key")}
    users = {dict(k)["key"]: v for k, v in top["series"].items() if dict(k)["name"] == "users"}
    # the 3 largest, label values escaped as the format wants
    assert users == {"alice": 7, "carol": 5, 'dan \\"x\\"': 4}
    assert all(dict(k)["data"] == "http_req_cnt" for k in top["series"] if dict(k)["name"] == "users")
    # by a rate, an ip key: the one client, its 19 requests in the last minute
    clients = {(dict(k)["key"], dict(k)["data"], dict(k)["type"]): v
               for k, v in top["series"].items() if dict(k)["name"] == "clients"}
    assert clients == {("127.0.0.1", "http_req_rate", "ip"): 19}
    # a table without topk has no top_keys series
    assert not [k for k in top["series"] if dict(k)["name"] == "plain"]
    # the order is the ranking
    assert list(users.values()) == sorted(users.values(), reverse=True)
    # more traffic changes the ranking at the next scrape
    for _ in range(6):
        get(port, "/", headers=[("x-user", "eve")])
    users = {dict(k)["key"]: v for k, v in scrape(port, "?scope=sticktable")["haproxy_sticktable_top_keys"]
             ["series"].items() if dict(k)["name"] == "users"}
    assert users == {"alice": 7, "eve": 7, "carol": 5}
    # filtered like every family
    assert "haproxy_sticktable_top_keys" not in scrape(port, "?metrics=-haproxy_sticktable_top_keys")
    assert "haproxy_sticktable_top_keys" not in scrape(port, "?scope=global")


def test_topk_errors_name_the_line(tmp_path):
    for words, why in (("store conn_cnt topk 3 http_req_cnt", "does not store 'http_req_cnt'"),
                       ("store http_req_cnt topk 0 http_req_cnt", "between 1 and 100"),
                       ("store http_req_cnt topk 3", "expects a number of keys and a data type"),
                       ("store server_id topk 3 server_id", "a counter, a rate or gpt0")):
        rc, out, path = run_check("backend b\n    stick-table type ip size 10 %s\n" % words, tmp_path)
        assert rc != 0 and "%s:2" % path in out and "stick-table" in out and why in out, out
