// What a ClientHello offered, and whether a ServerHello (or HelloRetryRequest) stays inside
// that offer. A client MUST abort the handshake when the server's hello picks something the
// client never offered (RFC 8446 §4.1.3, §4.1.4, §4.2, §4.2.1, §4.2.8; RFC 5246 §7.4.1.3,
// §7.4.1.4); the raw engine reports such a hello as a protocol error, never as negotiated.
// Pure: values in, value out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wire/client_hello_parser.hpp"
#include "wire/server_messages.hpp"

namespace tlsprobe::wire {

struct HelloOffer {
    std::vector<std::uint32_t> cipher_suites;          // as offered, SCSVs included
    std::vector<std::uint8_t> compression_methods{0};  // null, unless the CRIME check offers DEFLATE
    std::vector<std::uint16_t> extensions;             // extension types sent, in order
    std::vector<std::uint16_t> supported_versions;     // RFC 8446 §4.2.1; empty: not sent
    std::vector<std::uint16_t> supported_groups;       // RFC 8446 §4.2.7
    std::vector<std::uint16_t> key_share_groups;  // RFC 8446 §4.2.8: groups of the shares sent
    bool renegotiation = false;  // renegotiation_info extension or SCSV (RFC 5746 §3.4)

    bool offers_extension(std::uint16_t type) const;
};

// The offer a parsed ClientHello makes.
HelloOffer offer_of(const ParsedClientHello& hello);

// The first way `hello` leaves `offer`, as a sentence naming the rule and its RFC section
// ("the ServerHello carries extension session_ticket (35), which the ClientHello did not
// offer (RFC 8446 §4.2, RFC 5246 §7.4.1.4: unsupported_extension)"); nullopt when it stays
// inside. Checked: the cipher suite and compression method are offered; every extension was
// offered (renegotiation_info also after the SCSV, cookie also in a HelloRetryRequest); a
// TLS 1.3 hello carries only the extensions RFC 8446 §4.2 allows in it; supported_versions
// selects an offered version of TLS 1.3 or later; a HelloRetryRequest selects a group from
// supported_groups that had no key share; a TLS 1.3 ServerHello's key share is in a group the
// client sent a share for.
std::optional<std::string> server_hello_violation(const ServerHello& hello,
                                                  const HelloOffer& offer);

}  // namespace tlsprobe::wire
