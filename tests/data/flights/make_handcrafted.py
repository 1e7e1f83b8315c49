#!/usr/bin/env python3
"""Writes the hand-crafted fixtures of this folder (see README.md). Deterministic: run it from
this folder; it reads the certificate out of the captured tls12_ecdhe_rsa.bin."""
import struct


def u16(v): return struct.pack('>H', v)
def u24(v): return struct.pack('>I', v)[1:]
def record(ctype, version, payload): return bytes([ctype]) + u16(version) + u16(len(payload)) + payload
def handshake(mtype, body): return bytes([mtype]) + u24(len(body)) + body


def records_of(data):
    """(type, version, payload) of each TLS record in data."""
    out, i = [], 0
    while i + 5 <= len(data):
        length = struct.unpack('>H', data[i + 3:i + 5])[0]
        out.append((data[i], struct.unpack('>H', data[i + 1:i + 3])[0], data[i + 5:i + 5 + length]))
        i += 5 + length
    return out


captured = open('tls12_ecdhe_rsa.bin', 'rb').read()
stream = b''.join(p for t, v, p in records_of(captured) if t == 22)
# Certificate message follows the ServerHello in the stream: take its first certificate.
sh_len = struct.unpack('>I', b'\0' + stream[1:4])[0]
cert_msg = stream[4 + sh_len:]
cert_len = struct.unpack('>I', b'\0' + cert_msg[7:10])[0]
cert = cert_msg[10:10 + cert_len]
fixed_random = bytes(range(0x20, 0x40))

# SSL 3.0 ServerHello (no extensions, RFC 6101 §5.6.1.3) choosing TLS_RSA_WITH_3DES_EDE_CBC_SHA,
# Certificate split across two records, ServerHelloDone in its own record.
sh = u16(0x0300) + fixed_random + bytes([32]) + bytes(range(32)) + u16(0x000A) + b'\0'
cert_body = u24(len(cert) + 3) + u24(len(cert)) + cert
cert_hs = handshake(11, cert_body)
ssl3 = (record(22, 0x0300, handshake(2, sh)) + record(22, 0x0300, cert_hs[:300]) +
        record(22, 0x0300, cert_hs[300:]) + record(22, 0x0300, handshake(14, b'')))
open('ssl3_server_hello_certificate.bin', 'wb').write(ssl3)

# SSL 2.0 SERVER-HELLO (SSL 2.0 draft §2.7): X.509 certificate, two cipher kinds, 16-byte
# connection id, 2-byte record header.
specs = bytes.fromhex('010080' '0700c0')
conn_id = bytes(range(0xA0, 0xB0))
msg = (bytes([4, 0, 1]) + u16(0x0002) + u16(len(cert)) + u16(len(specs)) + u16(len(conn_id)) +
       cert + specs + conn_id)
open('ssl2_server_hello.bin', 'wb').write(u16(0x8000 | len(msg)) + msg)
# SSL 2.0 MSG-ERROR NO-CIPHER-ERROR.
open('ssl2_error_no_cipher.bin', 'wb').write(bytes([0x80, 0x03, 0x00, 0x00, 0x01]))

# The captured TLS 1.2 flight re-framed: every message in one record, then in 61-byte records
# that cut through message headers (RFC 8446 §5.1 allows both).
open('tls12_one_record.bin', 'wb').write(record(22, 0x0303, stream))
open('tls12_fragmented.bin', 'wb').write(
    b''.join(record(22, 0x0303, stream[i:i + 61]) for i in range(0, len(stream), 61)))

# Apache mod_ssl quirk: warning unrecognized_name (112), then the whole handshake anyway.
open('tls12_after_warning_alert.bin', 'wb').write(record(21, 0x0303, bytes([1, 112])) + captured)

# Alerts as nginx sends them for a rejected SNI (ssl_reject_handshake) and Go for a missing
# certificate; a warning-level close_notify in a TLS 1.0 record.
open('alert_unrecognized_name.bin', 'wb').write(record(21, 0x0303, bytes([2, 112])))
open('alert_internal_error.bin', 'wb').write(record(21, 0x0303, bytes([2, 80])))
open('alert_close_notify_tls10.bin', 'wb').write(record(21, 0x0301, bytes([1, 0])))

# Non-TLS services answering a ClientHello (scenario S3).
open('http_400_httpapi.bin', 'wb').write(
    b'HTTP/1.1 400 Bad Request\r\nContent-Type: text/html; charset=us-ascii\r\n'
    b'Server: Microsoft-HTTPAPI/2.0\r\nDate: Mon, 03 Feb 2025 10:00:00 GMT\r\nConnection: close\r\n'
    b'Content-Length: 11\r\n\r\nBad Request')
open('http_nginx_plain.bin', 'wb').write(
    b'HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\n\r\n'
    b'<html><head><title>400 The plain HTTP request was sent to HTTPS port</title></head></html>\r\n')
open('ssh_banner.bin', 'wb').write(b'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n')
open('smtp_banner.bin', 'wb').write(b'220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n')
open('ftp_banner.bin', 'wb').write(b'220 (vsFTPd 3.0.3)\r\n')
open('pop3_banner.bin', 'wb').write(b'+OK Dovecot (Debian) ready.\r\n')
open('imap_banner.bin', 'wb').write(b'* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS] Dovecot ready.\r\n')
# RDP: TPKT header, X.224 Connection Confirm, RDP_NEG_RSP (standard RDP security): binary,
# not recognised -> "unknown".
open('rdp_x224.bin', 'wb').write(bytes.fromhex('03000013' '0ed00000123400' '0200080000000000'))
