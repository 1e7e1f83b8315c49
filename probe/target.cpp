#include "probe/target.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <charconv>
#include <fmt/format.h>
#include <idn2.h>
#include <memory>

#include "core/text.hpp"

namespace tlsprobe::probe {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

struct SchemePort {
    std::string_view scheme;
    std::uint16_t port;
};
// TLS-from-the-first-byte services only: STARTTLS protocols need a plaintext preamble
// tlsprobe does not speak, so "smtp://" or "http://" is rejected with a hint.
constexpr std::array<SchemePort, 7> kSchemes{{
    {"https", 443},
    {"tls", 443},
    {"ldaps", 636},
    {"smtps", 465},
    {"imaps", 993},
    {"pop3s", 995},
    {"ftps", 990},
}};

// Splits "host", "host:port", "[v6]", "[v6]:port" or a bare v6 literal.
std::pair<std::string, std::optional<std::string>> split_authority(std::string_view a,
                                                                   std::string_view original) {
    if (a.starts_with('[')) {
        const auto close = a.find(']');
        if (close == std::string_view::npos)
            throw TargetError(fmt::format("'{}': missing ']' after the IPv6 address", original));
        std::string host(a.substr(1, close - 1));
        auto rest = a.substr(close + 1);
        if (rest.empty()) return {host, std::nullopt};
        if (rest.front() != ':')
            throw TargetError(
                fmt::format("'{}': expected ':port' after ']', found '{}'", original, rest));
        return {host, std::string(rest.substr(1))};
    }
    const auto colons = std::count(a.begin(), a.end(), ':');
    if (colons > 1) return {std::string(a), std::nullopt};  // bare IPv6 literal, no port
    if (colons == 1) {
        const auto c = a.find(':');
        return {std::string(a.substr(0, c)), std::string(a.substr(c + 1))};
    }
    return {std::string(a), std::nullopt};
}

bool ascii_only(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool has_a_label(std::string_view ascii_name) {
    const auto l = lower(ascii_name);
    return l.starts_with("xn--") || l.find(".xn--") != std::string::npos;
}

struct IdnFree {
    void operator()(char* p) const { idn2_free(p); }
};

void validate_host(const std::string& host, std::string_view original) {
    if (host.empty()) throw TargetError(fmt::format("'{}': the host name is empty", original));
    if (host.find(':') != std::string::npos) {
        if (!is_ip_literal(host))
            throw TargetError(
                fmt::format("'{}': '{}' is not a valid IPv6 address", original, host));
        return;
    }
    if (is_ip_literal(host)) return;
    if (auto reason = invalid_host_name_reason(host))
        throw TargetError(
            fmt::format("'{}': '{}' is not a valid host name: {}", original, host, *reason));
}

}  // namespace

std::uint16_t parse_port(std::string_view text) {
    if (text.empty()) throw TargetError("the port is empty (expected a number from 1 to 65535)");
    unsigned long value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size())
        throw TargetError(fmt::format("port '{}' is not a number (expected 1 to 65535)", text));
    if (value == 0 || value > 65535)
        throw TargetError(fmt::format("port '{}' is out of range (expected 1 to 65535)", text));
    return static_cast<std::uint16_t>(value);
}

bool is_ip_literal(std::string_view host) {
    boost::system::error_code ec;
    (void)boost::asio::ip::make_address(std::string(host), ec);
    return !ec;
}

std::optional<std::string> invalid_host_name_reason(std::string_view host) {
    if (host.size() > 253)
        return fmt::format("it is {} characters long (at most 253)", host.size());
    std::size_t label_start = 0;
    for (std::size_t i = 0; i <= host.size(); ++i) {
        if (i == host.size() || host[i] == '.') {
            const auto len = i - label_start;
            if (len == 0) {
                if (i == host.size() && i > 0) return std::nullopt;  // one trailing dot: FQDN form
                return std::string("it has an empty label (two dots in a row, or a leading dot)");
            }
            if (len > 63)
                return fmt::format("the label '{}' is longer than 63 characters",
                                   core::to_safe_utf8(host.substr(label_start, len)));
            if (host[label_start] == '-' || host[i - 1] == '-')
                return fmt::format("the label '{}' starts or ends with '-'",
                                   core::to_safe_utf8(host.substr(label_start, len)));
            label_start = i + 1;
            continue;
        }
        const auto c = static_cast<unsigned char>(host[i]);
        if (!std::isalnum(c) && c != '-' && c != '_') {
            // Name the whole code point, never one byte of it ("'ü' (U+00FC)"); non-ASCII
            // names need their A-label ("xn--...") form.
            const bool ascii = c < 0x80;
            return fmt::format("character {} at position {} is not allowed{}",
                               core::describe_character_at(host, i), i + 1,
                               ascii ? "" : " (use the IDNA A-label, \"xn--...\")");
        }
    }
    return std::nullopt;
}

HostName normalize_host_name(std::string_view name) {
    HostName out;
    std::string text(name);
    if (text.size() > 1 && text.back() == '.') text.pop_back();  // FQDN form
    if (text.find('\0') != std::string::npos)
        throw TargetError(fmt::format("'{}' contains a NUL byte", name));
    if (ascii_only(text)) {
        out.ascii = lower(text);
        if (auto reason = invalid_host_name_reason(out.ascii))
            throw TargetError(fmt::format("'{}' is not a valid host name: {}", name, *reason));
        if (has_a_label(out.ascii)) {
            // The U-label is for people only. Names registered under IDNA2003 (emoji, some
            // symbols) do not decode under IDNA2008 but resolve and serve TLS: they are probed
            // by their A-label as typed, without a U-label.
            char* u = nullptr;
            const int rc = idn2_to_unicode_8z8z(out.ascii.c_str(), &u, 0);
            std::unique_ptr<char, IdnFree> owned(u);
            if (rc == IDN2_OK && u && core::is_valid_utf8(u)) out.unicode = u;
        }
        return out;
    }
    if (!core::is_valid_utf8(text))
        throw TargetError(
            fmt::format("'{}' is not valid UTF-8; type the name in UTF-8 or as its A-label "
                        "(\"xn--...\")",
                        name));
    char* a = nullptr;
    const int rc = idn2_to_ascii_8z(text.c_str(), &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    std::unique_ptr<char, IdnFree> owned(a);
    if (rc != IDN2_OK)
        throw TargetError(fmt::format("'{}' is not a valid internationalised host name: {}", name,
                                      idn2_strerror(rc)));
    out.ascii = lower(a);
    if (auto reason = invalid_host_name_reason(out.ascii))
        throw TargetError(
            fmt::format("'{}' ({}) is not a valid host name: {}", name, out.ascii, *reason));
    char* u = nullptr;
    const int rc2 = idn2_to_unicode_8z8z(out.ascii.c_str(), &u, 0);
    std::unique_ptr<char, IdnFree> owned_u(u);
    out.unicode = rc2 == IDN2_OK ? std::string(u) : text;
    return out;
}

Target parse_target(std::string_view text, std::uint16_t default_port) {
    const auto original = trim(text);
    if (original.empty())
        throw TargetError("the target is empty (expected host, host:port or https://host/)");
    std::string_view rest = original;
    std::uint16_t port = default_port;
    wire::StartTls starttls = wire::StartTls::none;

    if (const auto sep = rest.find("://"); sep != std::string_view::npos) {
        const auto scheme = lower(rest.substr(0, sep));
        auto it = std::find_if(kSchemes.begin(), kSchemes.end(),
                               [&](const SchemePort& s) { return s.scheme == scheme; });
        const auto upgrades = wire::upgrade_schemes();
        const auto up = std::find_if(upgrades.begin(), upgrades.end(),
                                     [&](const wire::UpgradeScheme& s) { return s.scheme == scheme; });
        if (it == kSchemes.end() && up != upgrades.end()) {
            starttls = up->protocol;
            port = up->port;
        } else if (it == kSchemes.end()) {
            if (wire::is_unimplemented_upgrade(scheme))
                throw TargetError(fmt::format(
                    "'{}': {}:// needs an upgrade dialogue tlsprobe does not speak yet", original,
                    scheme));
            if (scheme == "http")
                throw TargetError(fmt::format(
                    "'{}': http:// is plain HTTP; use https:// or host:port to probe TLS",
                    original));
            throw TargetError(
                fmt::format("'{}': unsupported scheme '{}' (expected https, ldaps, smtps, imaps, "
                            "pop3s, ftps, or a STARTTLS scheme: smtp, submission, imap, pop3, "
                            "ftp, ldap, xmpp, xmpp-server, postgres, mysql, nntp, sieve, irc, rdp, "
                            "postgres+tls)",
                            original, scheme));
        } else {
            port = it->port;
        }
        rest = rest.substr(sep + 3);
        rest = rest.substr(0, rest.find_first_of("/?#"));
        if (const auto at = rest.rfind('@'); at != std::string_view::npos)
            rest = rest.substr(at + 1);  // user:pass@
    } else if (rest.find_first_of("/?#") != std::string_view::npos) {
        throw TargetError(
            fmt::format("'{}': a path needs the URL form, e.g. https://{}", original, rest));
    }

    auto [host, port_text] = split_authority(rest, original);
    if (port_text) {
        try {
            port = parse_port(*port_text);
        } catch (const TargetError& e) {
            throw TargetError(fmt::format("'{}': {}", original, e.what()));
        }
    }
    Target t;
    if (!ascii_only(host) || has_a_label(host)) {
        try {
            auto name = normalize_host_name(host);
            host = name.ascii;
            t.host_unicode = name.unicode;
        } catch (const TargetError& e) {
            throw TargetError(fmt::format("'{}': {}", original, e.what()));
        }
    }
    validate_host(host, original);
    if (host.size() > 1 && host.back() == '.' && !is_ip_literal(host)) host.pop_back();

    t.host = lower(host);
    t.port = port;
    t.starttls = starttls;
    if (!is_ip_literal(t.host)) t.sni = t.host;
    return t;
}

std::pair<std::string, std::uint16_t> parse_connect_to(std::string_view text) {
    const auto original = trim(text);
    if (original.empty()) throw TargetError("--connect-to: the address is empty");
    auto [host, port_text] = split_authority(original, original);
    validate_host(host, original);
    std::uint16_t port = 0;
    if (port_text) {
        try {
            port = parse_port(*port_text);
        } catch (const TargetError& e) {
            throw TargetError(fmt::format("--connect-to '{}': {}", original, e.what()));
        }
    }
    return {host, port};
}

std::string Target::authority() const {
    if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
    return fmt::format("{}:{}", host, port);
}

std::string Target::display() const {
    if (starttls != wire::StartTls::none) {
        Target plain = *this;
        plain.starttls = wire::StartTls::none;
        return fmt::format("{}://{}", wire::to_string(starttls), plain.display());
    }
    if (connect_to) {
        const auto host_part = connect_to->find(':') != std::string::npos
                                   ? fmt::format("[{}]", *connect_to)
                                   : *connect_to;
        const auto via = connect_port
                             ? fmt::format("{} via {}:{}", authority(), host_part, connect_port)
                             : fmt::format("{} via {}", authority(), host_part);
        return host_unicode.empty() ? via : fmt::format("{} ({})", via, host_unicode);
    }
    return host_unicode.empty() ? authority() : fmt::format("{} ({})", authority(), host_unicode);
}

}  // namespace tlsprobe::probe
