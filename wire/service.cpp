#include "wire/service.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "core/text.hpp"
#include "wire/ssl2.hpp"

namespace tlsprobe::wire {

using core::ByteView;
namespace {

constexpr std::size_t kBannerMax = 200;

std::string_view as_text(ByteView b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) !=
            std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}

bool contains_nocase(std::string_view s, std::string_view needle) {
    if (needle.size() > s.size()) return false;
    for (std::size_t i = 0; i + needle.size() <= s.size(); ++i)
        if (starts_with_nocase(s.substr(i), needle)) return true;
    return false;
}

// At most kBannerMax bytes of the server's text, cut on a code-point boundary, as safe
// UTF-8: UTF-8 kept, controls and invalid bytes escaped ("\x1B", "\xFF").
std::string printable(std::string_view s) {
    return core::to_safe_utf8(core::utf8_prefix(s, kBannerMax));
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// "HTTP/1.1 400 Bad Request" -> 400; 0 when the code has not arrived or is not 3 digits.
int http_status(std::string_view line) {
    const auto sp = line.find(' ');
    if (sp == std::string_view::npos || line.size() < sp + 4) return 0;
    int code = 0;
    for (std::size_t i = sp + 1; i < sp + 4; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(line[i]))) return 0;
        code = code * 10 + (line[i] - '0');
    }
    return code;
}

// Value of the Server header among the header lines that have arrived (RFC 9110 §10.2.4).
std::string server_header(std::string_view text) {
    std::size_t at = text.find('\n');
    while (at != std::string_view::npos) {
        const auto start = at + 1;
        const auto end = text.find('\n', start);
        if (end == std::string_view::npos) return {};  // the line is not complete yet
        const auto line = text.substr(start, end - start);
        if (trim(line).empty()) return {};  // end of the header block
        if (starts_with_nocase(line, "server:")) return printable(trim(line.substr(7)));
        at = end;
    }
    return {};
}

}  // namespace

bool could_be_tls(ByteView b) {
    if (b.empty()) return true;
    if (b[0] >= 20 && b[0] <= 24) return b.size() < 2 || b[1] == 3;
    if (b[0] & 0x80) {
        // SSL 2.0 2-byte header, then the message type (SSL 2.0 §2.2, §2.7).
        return b.size() < 3 || b[2] == ssl2_msg_server_hello || b[2] == ssl2_msg_error;
    }
    return false;
}

std::optional<ServiceGuess> recognise_service(ByteView first_bytes) {
    if (first_bytes.empty() || could_be_tls(first_bytes)) return std::nullopt;
    const auto text = as_text(first_bytes);
    const auto eol = text.find_first_of("\r\n");
    const auto first_line = text.substr(0, eol);

    ServiceGuess g;
    g.banner = printable(first_line);
    if (text.starts_with("HTTP/")) {
        g.protocol = "http";
        g.http_status = http_status(first_line);
        g.server_header = server_header(text);
    } else if (text.starts_with("SSH-")) {
        g.protocol = "ssh";  // RFC 4253 §4.2 identification string
    } else if (text.starts_with("220")) {
        const bool ftp_word = contains_nocase(first_line, "FTP");
        const bool smtp_word = contains_nocase(first_line, "SMTP");
        g.protocol = ftp_word || (text.starts_with("220-") && !smtp_word) ? "ftp" : "smtp";
    } else if (text.starts_with("+OK")) {
        g.protocol = "pop3";  // RFC 1939 §4 greeting
    } else if (text.starts_with("* OK") || text.starts_with("* PREAUTH")) {
        g.protocol = "imap";  // RFC 9051 §7.1 greeting
    } else {
        g.protocol = "unknown";
    }
    return g;
}

}  // namespace tlsprobe::wire
