"""aes_gcm_dec and aes_gcm_enc on request bodies, with the AES-GCM test
vectors of the GCM specification (test cases 3 and 4, AES-128): written
and variable arguments, a bad tag, a key of the wrong length; aes_gcm_dec
compared with HAProxy 2.6 (which has no aes_gcm_enc and no <aad>)."""
import base64

from httpbackend import get

from conftest import HTTP_DEFAULTS, free_port, run_check

KEY = "/v/pkoZlcxxtao+UZzCDCA=="          # feffe9928665731c6d6a8f9467308308
IV = "yv66vvrO263eyviI"                   # cafebabefacedbaddecaf888
TAG3 = "TVwq8yfNZKYs81q9K6b6tA=="
PLAIN = bytes.fromhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255")
CIPHER = bytes.fromhex("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
                       "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985")
AAD = "/u36zt6tvu/+7frO3q2+76ut2tI="       # feedfacedeadbeeffeedfacedeadbeefabaddad2
TAG4 = "W8lPvDIhpduU+ula5xIaRw=="

DEC_CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    option http-buffer-request
    http-request set-var(txn.nonce) str(%(iv)s)
    http-request set-var(txn.key) req.hdr(x-key)
    http-request set-var(txn.tag) req.hdr(x-tag)
    http-request set-var(txn.a) req.body,aes_gcm_dec(128,txn.nonce,txn.key,txn.tag),hex
    http-request set-var(txn.b) req.body,aes_gcm_dec(128,%(iv)s,%(key)s,%(tag)s),hex
    http-request return status 200 content-type text/plain lf-string "%%[var(txn.a)]|%%[var(txn.b)]"
"""


def ask(port, body, key=KEY, tag=TAG3):
    return get(port, "/", method="POST", body=body, headers=[("x-key", key), ("x-tag", tag)])[3]


def run_dec(start):
    port = free_port()
    start(DEC_CFG % {"port": port, "iv": IV, "key": KEY, "tag": TAG3}, port=port)
    bad = bytes([CIPHER[0] ^ 1]) + CIPHER[1:]
    return [ask(port, CIPHER), ask(port, CIPHER, tag=TAG4), ask(port, bad),
            ask(port, CIPHER, key=base64.b64encode(b"short").decode()), ask(port, CIPHER, tag="not base64!")]


def test_aes_gcm_dec_matches_haproxy(tollgate, haproxy):
    got = run_dec(tollgate)
    assert got == run_dec(haproxy)
    assert got[0] == (PLAIN.hex().upper() + "|" + PLAIN.hex().upper()).encode()
    p = b"|" + PLAIN.hex().upper().encode()
    assert got[1:] == [p, b"|", p, p]   # wrong tag, altered bytes, short key, tag not base64


ENC_CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    option http-buffer-request
    http-request set-var(txn.ct) req.body,aes_gcm_enc(128,%(iv)s,%(key)s,txn.tag,%(aad)s)
    http-request set-var(txn.back) var(txn.ct),aes_gcm_dec(128,%(iv)s,%(key)s,txn.tag,%(aad)s)
    http-request return status 200 content-type text/plain lf-string "%%[var(txn.ct),hex]|%%[var(txn.tag)]|%%[var(txn.back),hex]"
"""


def test_aes_gcm_enc_with_aad(tollgate):
    """GCM test case 4: 60 bytes with additional data; the tag lands in the
    variable, base64, and aes_gcm_dec takes it back."""
    port = free_port()
    tollgate(ENC_CFG % {"port": port, "iv": IV, "key": KEY, "aad": AAD}, port=port)
    ct, tag, back = get(port, "/", method="POST", body=PLAIN[:60])[3].split(b"|")
    assert ct == CIPHER[:60].hex().upper().encode()
    assert tag == TAG4.encode() and back == PLAIN[:60].hex().upper().encode()


def test_aes_gcm_errors(tmp_path):
    for args, msg in (("64,%s,%s,txn.t" % (IV, KEY), "key size must be 128, 192 or 256"),
                      ("128,%s,%s,%s" % (IV, KEY, TAG3), "aead_tag must be a variable"),
                      ("128,no*b64,%s,txn.t" % KEY, "failed to parse nonce")):
        cfg = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    http-request set-var(txn.x) req.body,aes_gcm_enc(%s)
""" % (free_port(), args)
        rc, out, path = run_check(cfg, tmp_path)
        assert rc != 0 and msg in out and "%s:%d" % (path, len(cfg.splitlines())) in out, out
