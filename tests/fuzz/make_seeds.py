#!/usr/bin/env python3
"""Writes the seed corpora of the starttls, cert_file, ocsp and client_hello fuzz targets into
tests/data/fuzz/<name>/ (small inputs made here and from testcerts/, nothing copied). Run from
the repository root: python3 tests/fuzz/make_seeds.py (needs the openssl CLI)."""
import os
import struct
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "fuzz")
CERTS = os.path.join(ROOT, "testcerts")


def write(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


def openssl(*args, stdin=None):
    return subprocess.run(["openssl", *args], input=stdin, check=True,
                          capture_output=True).stdout


# ---- starttls: [protocol index][piece size][server bytes] --------------------------------
PROTOCOLS = ["smtp", "imap", "pop3", "ftp", "ldap", "xmpp", "xmpp-server", "postgres",
             "mysql", "nntp", "sieve", "irc", "rdp"]  # the order of wire::starttls_protocols()


def ber(tag, content):
    n = len(content)
    head = bytes([n]) if n < 0x80 else bytes([0x81, n])
    return bytes([tag]) + head + content


ldap_ok = ber(0x30, ber(0x02, b"\x01") + ber(0x78, ber(0x0a, b"\x00") + ber(0x04, b"") +
                                               ber(0x04, b"") +
                                               ber(0x8a, b"1.3.6.1.4.1.1466.20037")))
mysql_payload = (b"\x0a" + b"8.0.36\x00" + struct.pack("<I", 7) + b"abcdefgh\x00" +
                 struct.pack("<H", 0xffff) + b"\x21" + struct.pack("<H", 2) +
                 struct.pack("<H", 0xdfff) + b"\x15" + b"\x00" * 10 + b"ijklmnopqrst\x00" +
                 b"caching_sha2_password\x00")
mysql = struct.pack("<I", len(mysql_payload))[:3] + b"\x00" + mysql_payload
xmpp = (b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
        b"xmlns:stream='http://etherx.jabber.org/streams' id='1' from='fuzz.example' "
        b"version='1.0'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
        b"<required/></starttls></stream:features>"
        b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
STARTTLS = {
    "smtp": b"220 mail.fuzz ESMTP\r\n250-mail.fuzz\r\n250-SIZE 1000\r\n250 STARTTLS\r\n"
            b"220 go ahead\r\n",
    "imap": b"* OK ready\r\n* CAPABILITY IMAP4rev1 STARTTLS\r\nA1 OK done\r\nA2 OK begin\r\n",
    "pop3": b"+OK ready\r\n+OK list\r\nSTLS\r\nUSER\r\n.\r\n+OK begin\r\n",
    "ftp": b"220-welcome\r\n220 ready\r\n234 AUTH TLS ok\r\n",
    "ldap": ldap_ok,
    "xmpp": xmpp,
    "xmpp-server": xmpp.replace(b"jabber:client", b"jabber:server"),
    "postgres": b"S",
    "mysql": mysql,
    "nntp": b"200 news ready\r\n101 Capability list:\r\nVERSION 2\r\nSTARTTLS\r\n.\r\n"
            b"382 continue\r\n",
    "sieve": b'"IMPLEMENTATION" "fuzz"\r\n"STARTTLS"\r\nOK\r\nOK "begin"\r\n',
    "irc": b":irc.fuzz NOTICE * :*** Looking up your hostname\r\n:irc.fuzz CAP * LS * :sasl\r\n"
           b":irc.fuzz CAP * LS :tls\r\n:irc.fuzz 670 * :go ahead\r\n",
    "rdp": b"\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x02\x00\x08\x00\x01\x00\x00\x00",
}
for i, proto in enumerate(PROTOCOLS):
    write("starttls", proto, bytes([i, 63]) + STARTTLS[proto])
write("starttls", "smtp-refused", bytes([0, 5]) + b"220 hi\r\n250 hi\r\n454 not now\r\n")
write("starttls", "irc-refused", bytes([11, 7]) + b":irc.fuzz CAP * LS :tls\r\n:irc.fuzz 691 * :no\r\n")
write("starttls", "rdp-failure", bytes([12, 63]) +
      b"\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x03\x00\x08\x00\x02\x00\x00\x00")
write("starttls", "mysql-error", bytes([8, 63]) + b"\x17\x00\x00\x00\xff\x6a\x04Host not allowed")

# ---- cert_file: [password choice][file] ---------------------------------------------------
leaf_pem = open(os.path.join(CERTS, "good-ecdsa.leaf.pem"), "rb").read()
chain_pem = open(os.path.join(CERTS, "good-ecdsa.chain.pem"), "rb").read()
key_pem = open(os.path.join(CERTS, "good-ecdsa.key"), "rb").read()
with tempfile.TemporaryDirectory() as tmp:
    def path(name, data):
        p = os.path.join(tmp, name)
        with open(p, "wb") as f:
            f.write(data)
        return p
    leaf = path("leaf.pem", leaf_pem)
    chain = path("chain.pem", chain_pem)
    key = path("key.pem", key_pem)
    write("cert_file", "pem-bundle", b"\x00" + chain_pem + key_pem)
    write("cert_file", "der", b"\x00" + openssl("x509", "-in", leaf, "-outform", "DER"))
    write("cert_file", "pkcs7", b"\x00" + openssl("crl2pkcs7", "-nocrl", "-certfile", chain,
                                                  "-outform", "DER"))
    # Few iterations keep the fuzzer fast; the password is "fuzz" (choice 2).
    write("cert_file", "pkcs12", b"\x02" + openssl(
        "pkcs12", "-export", "-in", chain, "-inkey", key, "-passout", "pass:fuzz",
        "-iter", "1", "-maciter", "-certpbe", "AES-128-CBC", "-keypbe", "AES-128-CBC"))
    write("cert_file", "key-der", b"\x00" + openssl("pkey", "-in", key, "-outform", "DER"))
    write("cert_file", "key-encrypted", b"\x02" + openssl(
        "pkey", "-in", key, "-aes128", "-passout", "pass:fuzz"))

    # ---- ocsp: [1 = leaf follows][response length, 2 bytes][response][leaf DER] ----------
    ca = os.path.join(CERTS, "intermediate-ca.pem")
    ca_key = os.path.join(CERTS, "intermediate-ca.key")
    serial = openssl("x509", "-in", leaf, "-noout", "-serial").decode().strip().split("=")[1]
    index = path("index.txt", f"V\t21240101000000Z\t\t{serial}\tunknown\t/CN=tlsprobe.test\n"
                 .encode())
    req = os.path.join(tmp, "req.der")
    openssl("ocsp", "-issuer", ca, "-cert", leaf, "-no_nonce", "-reqout", req)
    good = openssl("ocsp", "-index", index, "-rsigner", ca, "-rkey", ca_key, "-CA", ca,
                   "-reqin", req, "-respout", "/dev/stdout", "-ndays", "1")
    leaf_der = openssl("x509", "-in", leaf, "-outform", "DER")
    write("ocsp", "good", b"\x01" + struct.pack(">H", len(good)) + good + leaf_der)
    write("ocsp", "try-later", b"\x00\x00\x05" + b"\x30\x03\x0a\x01\x03")

# ---- client_hello: TLS and SSL 2.0 hellos --------------------------------------------------
def ext(code, body):
    return struct.pack(">HH", code, len(body)) + body


def vec16(b):
    return struct.pack(">H", len(b)) + b


name = b"fuzz.example"
exts = (ext(0, vec16(b"\x00" + vec16(name))) +
        ext(10, vec16(struct.pack(">HH", 0x1d, 0x17))) +
        ext(13, vec16(struct.pack(">HH", 0x0403, 0x0804))) +
        ext(16, vec16(b"\x02h2\x08http/1.1")) +
        ext(43, b"\x04\x03\x04\x03\x03") +
        ext(51, vec16(struct.pack(">HH", 0x1d, 32) + b"\x01" * 32)) +
        ext(0xff01, b"\x00") + ext(21, b"\x00" * 8))
suites = struct.pack(">HHHH", 0x1301, 0x1302, 0xc02f, 0x00ff)
body = (b"\x03\x03" + b"\x02" * 32 + b"\x00" + vec16(suites) + b"\x01\x00" + vec16(exts))
hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
write("client_hello", "tls13", b"\x16\x03\x01" + vec16(hs))
# The same message split over two records.
write("client_hello", "split", b"\x16\x03\x01" + vec16(hs[:20]) + b"\x16\x03\x01" + vec16(hs[20:]))
ssl2 = b"\x01\x00\x02" + struct.pack(">HHH", 6, 0, 16) + b"\x01\x00\x80\x00\x00\x2f" + b"\x03" * 16
write("client_hello", "ssl2", struct.pack(">H", 0x8000 | len(ssl2)) + ssl2)
