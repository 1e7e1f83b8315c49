// What the user asked to probe: host, port, where to connect, what SNI to send.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/text.hpp"
#include "wire/starttls.hpp"

namespace tlsprobe::probe {

struct Target {
    std::string host;  // DNS name (IDNA A-label form, lower case) or IP literal (no brackets)
    // The U-label form of an internationalised name ("bücher.example" for host
    // "xn--bcher-kva.example"), for people; empty when the name is plain ASCII.
    std::string host_unicode;
    std::uint16_t port = 443;
    std::optional<std::string> connect_to;  // connect here instead of resolving host (--connect-to)
    std::uint16_t connect_port = 0;         // port for connect_to; 0 = the same as port
    std::optional<std::string> sni;         // the SNI to send; nullopt = send none
    // The plaintext upgrade every connection makes before its ClientHello (smtp://, --starttls);
    // none = TLS from the first byte.
    wire::StartTls starttls = wire::StartTls::none;
    std::string xmpp_domain;  // XMPP: the stream's domain (--xmpp-domain); empty = host

    // "example.com:443", "[2001:db8::1]:443"; with --connect-to: "example.com:443 via 192.0.2.10";
    // an internationalised name adds its U-label: "xn--bcher-kva.example:443 (bücher.example)";
    // a STARTTLS target starts with its protocol: "smtp://mail.example.com:25".
    std::string display() const;
    // host:port in URL authority form ("[::1]:443"); the key used for dedup and sharding.
    std::string authority() const;
};

// Thrown for input a person typed wrong; what() names the value and says what is expected.
// The message quotes that input, so it is made safe UTF-8 (core::to_safe_utf8) here.
class TargetError : public std::runtime_error {
public:
    explicit TargetError(const std::string& what) : std::runtime_error(core::to_safe_utf8(what)) {}
    explicit TargetError(const char* what) : TargetError(std::string(what)) {}
};

// Parses "host", "host:port", "[v6]:port", a bare IPv6 literal, or a URL
// ("https://host:port/path"; the scheme sets the default port: https 443, ldaps 636,
// smtps 465, imaps 993, pop3s 995, ftps 990; the STARTTLS schemes of wire::upgrade_schemes()
// set Target::starttls too: smtp 25, submission 587, imap 143, ...). The SNI defaults to the host when it is a
// DNS name and to none for an IP literal (RFC 6066 §3 forbids IP literals in SNI).
// Throws TargetError.
Target parse_target(std::string_view text, std::uint16_t default_port = 443);

// A --connect-to value: an IP literal or host name, optionally with ":port"
// ("192.0.2.10", "[2001:db8::1]:8443", "lb.internal:443"). Returns {address, port or 0}.
std::pair<std::string, std::uint16_t> parse_connect_to(std::string_view text);

// Parses "443" into a port, naming the value on error. Throws TargetError.
std::uint16_t parse_port(std::string_view text);

bool is_ip_literal(std::string_view host);

// A host name as typed, in any form: plain ASCII, Unicode ("bücher.example", converted with
// IDNA2008 + UTS #46 non-transitional processing by libidn2) or A-labels ("xn--..."), checked.
struct HostName {
    std::string ascii;    // the A-label form, lower case: what DNS, SNI and certificates use
    std::string unicode;  // the U-label form when the name is internationalised, else empty
};
// Throws TargetError naming the name and what is wrong (an invalid A-label, a character IDNA
// does not allow, invalid UTF-8, a bad label).
HostName normalize_host_name(std::string_view name);
// Checks a DNS name (RFC 1123 labels; '_' tolerated as real hosts use it). Returns the
// reason it is not valid, or nullopt when it is.
std::optional<std::string> invalid_host_name_reason(std::string_view host);

}  // namespace tlsprobe::probe
