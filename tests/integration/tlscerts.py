"""Certificates for the TLS tests, made at test time with the openssl
command line: a CA, server certificates (RSA and ECDSA) signed by it, a
client certificate. Each PEM given to a `crt` holds the certificate, the
CA (the chain) and the key, as HAProxy expects."""
import os
import subprocess


def _run(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True, timeout=60)


def _key(d, name, kind):
    if kind == "ec":
        _run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", name + ".key", cwd=d)
    else:
        _run("genrsa", "-out", name + ".key", "2048", cwd=d)


def make_ca(d, name="ca"):
    """A self-signed CA in <d>: <name>.crt and <name>.key."""
    _key(d, name, "ec")
    _run("req", "-x509", "-new", "-key", name + ".key", "-days", "30", "-subj", "/CN=Test CA " + name,
         "-out", name + ".crt", cwd=d)
    return os.path.join(d, name + ".crt")


def make_cert(d, name, names, kind="rsa", ca="ca", client=False, days=30, cn=None):
    """A certificate for DNS <names> (the first is the CN, unless <cn>)
    signed by <ca>; writes <name>.pem (certificate, CA, key) and returns
    its path."""
    _key(d, name, kind)
    _run("req", "-new", "-key", name + ".key", "-subj", "/CN=" + (cn or names[0]) + "/O=Tollgate Test",
         "-out", name + ".csr", cwd=d)
    ext = os.path.join(d, name + ".ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=" + ",".join("DNS:" + n for n in names) + "\n")
        f.write("extendedKeyUsage=" + ("clientAuth" if client else "serverAuth") + "\n")
    _run("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
         "-CAcreateserial", "-days", str(days), "-extfile", ext, "-out", name + ".crt", cwd=d)
    pem = os.path.join(d, name + ".pem")
    with open(pem, "w") as out:
        for part in (name + ".crt", ca + ".crt", name + ".key"):
            with open(os.path.join(d, part)) as f:
                out.write(f.read())
    return pem


def make_all(d):
    """The usual set in directory <d>; returns a dict of paths."""
    d = str(d)
    p = {"ca": make_ca(d)}
    p["rsa"] = make_cert(d, "www-rsa", ["www.example.com", "example.com"], "rsa")
    p["ecdsa"] = make_cert(d, "www-ec", ["www.example.com", "example.com"], "ec")
    p["other"] = make_cert(d, "other", ["other.test", "*.wild.test"], "ec")
    p["client"] = make_cert(d, "client", ["client one"], "ec", client=True)
    p["client_crt"] = os.path.join(d, "client.crt")
    p["client_key"] = os.path.join(d, "client.key")
    p["dir"] = d
    return p


def make_crl(d, revoked=(), ca="ca", name="crl"):
    """A CRL of <ca> in <d> revoking the certificates <revoked> (names given
    to make_cert); returns the path of <name>.pem."""
    d = str(d)
    cnf = os.path.join(d, name + ".cnf")
    db = os.path.join(d, name + ".index")
    with open(cnf, "w") as f:
        f.write("[ca]\ndefault_ca = c\n[c]\ndatabase = %s\ncrlnumber = %s.num\ndefault_md = sha256\n"
                "default_crl_days = 30\n" % (db, os.path.join(d, name)))
    open(db, "w").close()
    with open(os.path.join(d, name + ".num"), "w") as f:
        f.write("01\n")
    for r in revoked:
        _run("ca", "-config", cnf, "-keyfile", ca + ".key", "-cert", ca + ".crt", "-revoke", r + ".crt", cwd=d)
    _run("ca", "-config", cnf, "-keyfile", ca + ".key", "-cert", ca + ".crt", "-gencrl", "-out", name + ".pem", cwd=d)
    return os.path.join(d, name + ".pem")


def make_ocsp(d, name, out, status="good", ca="ca", days=1, minutes=None):
    """An OCSP response (DER) of <ca> about certificate <name> (given to
    make_cert), <status> "good" or "revoked", valid <days> (or <minutes>),
    written to <out> with `openssl ocsp` answering from a one-line index;
    returns <out>."""
    d = str(d)
    serial = subprocess.run(["openssl", "x509", "-in", os.path.join(d, name + ".crt"), "-serial", "-noout"],
                            capture_output=True, text=True, check=True, timeout=60).stdout.strip().split("=")[1]
    idx = os.path.join(d, name + "-" + status + ".idx")
    with open(idx, "w") as f:
        if status == "revoked":
            f.write("R\t301231000000Z\t240101000000Z\t%s\tunknown\t/CN=%s\n" % (serial, name))
        else:
            f.write("V\t301231000000Z\t\t%s\tunknown\t/CN=%s\n" % (serial, name))
    _run("ocsp", "-index", idx, "-rsigner", ca + ".crt", "-rkey", ca + ".key", "-CA", ca + ".crt",
         "-issuer", ca + ".crt", "-cert", name + ".crt", "-respout", out,
         *(["-nmin", str(minutes)] if minutes else ["-ndays", str(days)]), cwd=d)
    return out
