// Recognising a non-TLS service from the first bytes it sends (scenario S3 of DIAGNOSIS.md:
// another service owns the TLS port, e.g. a plain-HTTP listener or an SSH daemon).
#pragma once

#include <optional>
#include <string>

#include "core/bytes.hpp"

namespace tlsprobe::wire {

struct ServiceGuess {
    std::string protocol;       // "http", "ssh", "smtp", "ftp", "pop3", "imap", "unknown"
    std::string banner;         // first line, printable (control bytes shown as '.'), <= 200 chars
    std::string server_header;  // HTTP: the Server: header value ("Microsoft-HTTPAPI/2.0")
    int http_status = 0;        // HTTP: status code of the status line
};

// nullopt when the bytes are empty or could be the start of a TLS record or SSL 2.0 message;
// otherwise the best guess from what has arrived (a partial line gives a partial banner; the
// Server header is found only once it has arrived).
//
// 220 greetings are shared by SMTP (RFC 5321 §4.2) and FTP (RFC 959 §4.2): "FTP" in the line
// or a "220-" continuation without "SMTP" means FTP, otherwise SMTP.
std::optional<ServiceGuess> recognise_service(core::ByteView first_bytes);

// True when the bytes could begin a TLS record or an SSL 2.0 server message, judged from the
// first (up to 3) bytes: content type 20-24 with major version 3, or a 2-byte SSL 2.0 header
// followed by MSG-SERVER-HELLO / MSG-ERROR.
bool could_be_tls(core::ByteView first_bytes);

}  // namespace tlsprobe::wire
