#include "wire/starttls.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/text.hpp"
#include "wire/service.hpp"

namespace tlsprobe::wire {

using core::Bytes;
using core::ByteView;
using core::Status;

namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool starts_nocase(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && upper(s.substr(0, prefix.size())) == upper(prefix);
}

// A server's text for a detail line: safe UTF-8, at most `max` bytes.
std::string shown(std::string_view s, std::size_t max = 200) {
    return core::to_safe_utf8(core::utf8_prefix(s, max));
}

std::string_view as_text(ByteView b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The 3-digit code of a coded reply line, or -1.
int code_of(std::string_view line) {
    if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]))
        return -1;
    if (line.size() > 3 && line[3] != ' ' && line[3] != '-') return -1;
    return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

std::vector<std::string> words(std::string_view s);

// ---- replies and their framing ----------------------------------------------------------

enum class Shape {
    none,           // no reply comes
    coded,          // SMTP, FTP, NNTP status replies: "250-A" ... "250 B"
    one_line,       // a single line (POP3 and IMAP greetings, POP3 STLS, NNTP greeting)
    dot_list,       // POP3 CAPA, NNTP CAPABILITIES: a status line, then (if positive) lines to "."
    imap_tagged,    // untagged "* ..." lines, then the tagged completion
    sieve,          // lines until one starting with OK, NO or BYE
    xmpp_features,  // <stream:stream ...><stream:features>...</stream:features>
    xmpp_proceed,   // <proceed .../> or <failure ...>
    one_byte,       // PostgreSQL's 'S' / 'N'
    ber,            // one LDAP message
    mysql_packet,   // one MySQL packet (3-byte length, sequence id)
    irc_lines,      // lines until one that is not a NOTICE, PING or CAP LS continuation
    tpkt,           // one TPKT packet (RFC 1006: 3, 0, 16-bit length)
};

// An IRC line that comes before the answer and says nothing about it: a server NOTICE
// ("*** Looking up your hostname"), a PING, a numeric below 100 (020 "please wait"), or a
// CAP LS continuation ("CAP * LS * :more").
bool irc_informational(std::string_view line) {
    auto rest = line;
    if (rest.starts_with(':')) {
        const auto sp = rest.find(' ');
        if (sp == std::string_view::npos) return false;
        rest = rest.substr(sp + 1);
    }
    const auto sp = rest.find(' ');
    const auto command = upper(rest.substr(0, sp));
    if (command == "NOTICE" || command == "PING") return true;
    if (command.size() == 3 && is_digit(command[0]) && is_digit(command[1]) &&
        is_digit(command[2]))
        return command[0] == '0';
    if (command == "CAP" && sp != std::string_view::npos) {
        // CAP <target> LS * :caps  (more lines follow)
        const auto params = words(rest.substr(sp + 1));
        return params.size() >= 3 && upper(params[1]) == "LS" && params[2] == "*";
    }
    return false;
}

struct Reply {
    std::vector<std::string> lines;  // text shapes
    Bytes raw;                       // every byte of the reply
};

struct Verdict {
    enum class Kind { next, ready, fail } kind = Kind::next;
    Status status = Status::internal_error;
    std::string detail;
};

Verdict next() { return {}; }
Verdict ready() { return {Verdict::Kind::ready, Status::negotiated, {}}; }
Verdict fail(Status s, std::string detail) { return {Verdict::Kind::fail, s, std::move(detail)}; }

// Another service answered: what recognise_service makes of its bytes, or the bytes.
Verdict wrong(std::string_view expected, ByteView bytes) {
    const auto guess = recognise_service(bytes);
    if (guess && guess->protocol != "unknown")
        return fail(Status::wrong_protocol,
                    fmt::format("expected {}, the server greeted as {}: '{}'", expected,
                                guess->protocol, guess->banner));
    return fail(Status::wrong_protocol, fmt::format("expected {}, received: '{}'", expected,
                                                    core::printable_excerpt(bytes, 80)));
}

constexpr std::size_t kNeedMore = static_cast<std::size_t>(-1);

// How many bytes of `b` the reply of `shape` takes, or kNeedMore.
std::size_t frame(Shape shape, ByteView b, std::string_view tag, Reply& out) {
    std::size_t rest = 0;
    switch (shape) {
        case Shape::none: return 0;
        case Shape::coded: {
            auto lines = split_lines(b, &rest);
            const auto n = coded_reply_lines(lines);
            if (n == 0) return kNeedMore;
            lines.resize(n);
            std::size_t used = 0;
            // Recount the bytes of the first n lines.
            for (std::size_t i = 0; i < n; ++i) {
                const auto nl = as_text(b).find('\n', used);
                used = nl + 1;
            }
            out.lines = std::move(lines);
            return used;
        }
        case Shape::one_line:
        case Shape::dot_list:
        case Shape::imap_tagged:
        case Shape::irc_lines:
        case Shape::sieve: {
            const auto text = as_text(b);
            std::size_t pos = 0;
            std::vector<std::string> lines;
            for (;;) {
                const auto nl = text.find('\n', pos);
                if (nl == std::string_view::npos) return kNeedMore;
                auto line = text.substr(pos, nl - pos);
                if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
                lines.emplace_back(line);
                pos = nl + 1;
                bool done = false;
                const auto& first = lines.front();
                if (shape == Shape::one_line) done = true;
                else if (shape == Shape::dot_list)
                    // A negative status line, or anything that is not one, stands alone.
                    done = lines.size() == 1 ? !(first.starts_with("+OK") || code_of(first) == 101)
                                             : line == ".";
                else if (shape == Shape::irc_lines)
                    done = !irc_informational(line) || lines.size() >= 64;
                else if (shape == Shape::imap_tagged)
                    done = !line.starts_with("* ") || starts_nocase(line, std::string(tag) + " ");
                else
                    done = starts_nocase(line, "OK") || starts_nocase(line, "NO") ||
                           starts_nocase(line, "BYE") || (!line.empty() && line.front() != '"');
                if (done) {
                    out.lines = std::move(lines);
                    return pos;
                }
            }
        }
        case Shape::xmpp_features:
        case Shape::xmpp_proceed: {
            const auto text = as_text(b);
            const auto first = text.find_first_not_of(" \t\r\n");
            if (first == std::string_view::npos) return kNeedMore;
            if (text[first] != '<') return b.size();  // not XML: the judge says so
            std::size_t end = std::string_view::npos;
            if (shape == Shape::xmpp_features) {
                for (std::string_view close :
                     {"</stream:features>", "</stream:stream>", "</stream:error>"}) {
                    const auto at = text.find(close);
                    if (at != std::string_view::npos) end = std::min(end, at + close.size());
                }
                if (const auto at = text.find("<stream:features/>"); at != std::string_view::npos)
                    end = std::min(end, at + std::string_view("<stream:features/>").size());
            } else {
                for (std::string_view element : {"<proceed", "<failure", "<stream:error"}) {
                    const auto at = text.find(element);
                    if (at == std::string_view::npos) continue;
                    const auto gt = text.find('>', at);
                    if (gt == std::string_view::npos) continue;
                    std::size_t close = gt + 1;
                    if (text[gt - 1] != '/') {  // <failure ...>...</failure>
                        const auto end_tag = element == "<stream:error"
                                                 ? "</stream:error>"
                                                 : "</" + std::string(element.substr(1)) + ">";
                        const auto e = text.find(end_tag, gt);
                        if (e == std::string_view::npos) continue;
                        close = e + end_tag.size();
                    }
                    end = std::min(end, close);
                }
            }
            if (end == std::string_view::npos) return kNeedMore;
            return end;
        }
        // More than the one byte at once: the judge tells another service from an injection.
        case Shape::one_byte: return b.empty() ? kNeedMore : b.size();
        case Shape::ber: {
            if (!b.empty() && b[0] != 0x30) return b.size();  // not an LDAP message
            const auto n = ber_element_length(b);
            if (!n) return kNeedMore;
            if (*n == 0) return b.size();  // malformed: the judge says so
            return *n <= b.size() ? *n : kNeedMore;
        }
        case Shape::mysql_packet: {
            if (b.size() < 4) return kNeedMore;
            const std::size_t len = b[0] | (b[1] << 8) | (b[2] << 16);
            // A greeting is short and has sequence id 0: anything else is another service.
            if (len > 4096 || b[3] != 0) return b.size();
            return 4 + len <= b.size() ? 4 + len : kNeedMore;
        }
        case Shape::tpkt: {
            if (!b.empty() && b[0] != 0x03) return b.size();  // not TPKT: the judge says so
            if (b.size() < 4) return kNeedMore;
            const std::size_t len = (std::size_t{b[2]} << 8) | b[3];
            if (b[1] != 0 || len < 11 || len > 4096) return b.size();
            return len <= b.size() ? len : kNeedMore;
        }
    }
    return kNeedMore;
}

// ---- shared judges ------------------------------------------------------------------------

// "250-SIZE 1000" -> "SIZE 1000"
std::string after_code(std::string_view line) {
    return line.size() > 4 ? std::string(line.substr(4)) : std::string();
}

std::string reply_text(const Reply& r) {
    std::string out;
    for (const auto& l : r.lines) {
        if (!out.empty()) out += " / ";
        out += l;
    }
    return shown(out);
}

bool has_token(const std::vector<std::string>& items, std::string_view token) {
    return std::any_of(items.begin(), items.end(), [&](const std::string& s) {
        const auto first = upper(s.substr(0, s.find(' ')));
        return first == upper(token);
    });
}

// ---- SMTP (RFC 5321, RFC 3207) -----------------------------------------------------------

Verdict smtp_greeting(const Reply& r, std::string_view) {
    const int code = code_of(r.lines.front());
    if (code == 220) {
        const auto guess = recognise_service(r.raw);
        if (guess && guess->protocol == "ftp") return wrong("an SMTP greeting", r.raw);
        return next();
    }
    if (code == 554 || code == 421)
        return fail(Status::starttls_refused,
                    fmt::format("the server refuses SMTP sessions: {}", reply_text(r)));
    return wrong("an SMTP greeting (220)", r.raw);
}

Verdict smtp_ehlo(const Reply& r, std::string_view) {
    const int code = code_of(r.lines.front());
    if (code != 250) {
        const auto guess = recognise_service(r.raw);
        if (code < 0 || (guess && guess->protocol == "ftp")) return wrong("an EHLO reply", r.raw);
        return fail(
            Status::starttls_not_offered,
            fmt::format("the server refused EHLO (no ESMTP, so no STARTTLS): {}", reply_text(r)));
    }
    std::vector<std::string> caps;
    for (std::size_t i = 1; i < r.lines.size(); ++i) caps.push_back(after_code(r.lines[i]));
    if (has_token(caps, "STARTTLS")) return next();
    return fail(Status::starttls_not_offered,
                fmt::format("the server does not offer STARTTLS; its EHLO reply lists: {}",
                            caps.empty() ? std::string("nothing")
                                         : shown(fmt::format("{}", fmt::join(caps, ", ")))));
}

Verdict smtp_starttls(const Reply& r, std::string_view) {
    const int code = code_of(r.lines.front());
    if (code == 220) return ready();
    if (code == 530)
        return fail(
            Status::starttls_auth_required,
            fmt::format("the server wants authentication before STARTTLS: {}", reply_text(r)));
    if (code < 0) return wrong("a reply to STARTTLS", r.raw);
    return fail(Status::starttls_refused,
                fmt::format("the server refused STARTTLS: {}", reply_text(r)));
}

// ---- FTP (RFC 959, RFC 4217) ---------------------------------------------------------------

Verdict ftp_greeting(const Reply& r, std::string_view) {
    const int code = code_of(r.lines.front());
    if (code == 220) {
        const auto guess = recognise_service(r.raw);
        if (guess && guess->protocol == "smtp" &&
            upper(r.lines.front()).find("FTP") == std::string::npos)
            return wrong("an FTP greeting", r.raw);
        return next();
    }
    if (code == 421 || code == 120)
        return fail(Status::starttls_refused,
                    fmt::format("the server refuses FTP sessions: {}", reply_text(r)));
    return wrong("an FTP greeting (220)", r.raw);
}

Verdict ftp_auth(const Reply& r, std::string_view) {
    const int code = code_of(r.lines.front());
    if (code == 234) return ready();
    if (code == 500 || code == 502 || code == 504)
        return fail(Status::starttls_not_offered,
                    fmt::format("the server does not offer AUTH TLS: {}", reply_text(r)));
    if (code == 530)
        return fail(Status::starttls_auth_required,
                    fmt::format("the server wants a login before AUTH TLS: {}", reply_text(r)));
    if (code < 0) return wrong("a reply to AUTH TLS", r.raw);
    return fail(Status::starttls_refused,
                fmt::format("the server refused AUTH TLS: {}", reply_text(r)));
}

// ---- IMAP (RFC 3501) -----------------------------------------------------------------------

Verdict imap_greeting(const Reply& r, std::string_view) {
    const auto& l = r.lines.front();
    if (starts_nocase(l, "* OK") || starts_nocase(l, "* PREAUTH")) return next();
    if (starts_nocase(l, "* BYE"))
        return fail(Status::starttls_refused,
                    fmt::format("the server refuses IMAP sessions: {}", reply_text(r)));
    return wrong("an IMAP greeting (* OK)", r.raw);
}

std::vector<std::string> words(std::string_view s) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < s.size()) {
        const auto start = s.find_first_not_of(' ', pos);
        if (start == std::string_view::npos) break;
        const auto end = std::min(s.find(' ', start), s.size());
        out.emplace_back(s.substr(start, end - start));
        pos = end;
    }
    return out;
}

Verdict imap_capability(const Reply& r, std::string_view) {
    std::vector<std::string> caps;
    for (const auto& l : r.lines)
        if (starts_nocase(l, "* CAPABILITY "))
            for (auto& w : words(std::string_view(l).substr(13))) caps.push_back(std::move(w));
    const auto& last = r.lines.back();
    if (!starts_nocase(last, "A1 ")) return wrong("a reply to CAPABILITY", r.raw);
    if (has_token(caps, "STARTTLS")) return next();
    if (!starts_nocase(last, "A1 OK"))
        return fail(Status::starttls_not_offered,
                    fmt::format("the server refused CAPABILITY: {}", reply_text(r)));
    return fail(Status::starttls_not_offered,
                fmt::format("the server does not offer STARTTLS; its capabilities: {}",
                            shown(fmt::format("{}", fmt::join(caps, " ")))));
}

Verdict imap_starttls(const Reply& r, std::string_view) {
    const auto& last = r.lines.back();
    if (starts_nocase(last, "A2 OK")) return ready();
    if (!starts_nocase(last, "A2 ")) return wrong("a reply to STARTTLS", r.raw);
    return fail(Status::starttls_refused,
                fmt::format("the server refused STARTTLS: {}", reply_text(r)));
}

// ---- POP3 (RFC 1939, RFC 2449, RFC 2595) ---------------------------------------------------

Verdict pop3_greeting(const Reply& r, std::string_view) {
    const auto& l = r.lines.front();
    if (l.starts_with("+OK")) return next();
    if (l.starts_with("-ERR"))
        return fail(Status::starttls_refused,
                    fmt::format("the server refuses POP3 sessions: {}", reply_text(r)));
    return wrong("a POP3 greeting (+OK)", r.raw);
}

Verdict pop3_capa(const Reply& r, std::string_view) {
    const auto& l = r.lines.front();
    if (l.starts_with("-ERR"))
        return fail(Status::starttls_not_offered,
                    fmt::format("the server refused CAPA, so it lists no STLS: {}", reply_text(r)));
    if (!l.starts_with("+OK")) return wrong("a reply to CAPA", r.raw);
    std::vector<std::string> caps(r.lines.begin() + 1, r.lines.end() - 1);
    if (has_token(caps, "STLS")) return next();
    return fail(Status::starttls_not_offered,
                fmt::format("the server does not offer STLS; its CAPA list: {}",
                            shown(fmt::format("{}", fmt::join(caps, ", ")))));
}

Verdict pop3_stls(const Reply& r, std::string_view) {
    const auto& l = r.lines.front();
    if (l.starts_with("+OK")) return ready();
    if (l.starts_with("-ERR"))
        return fail(Status::starttls_refused,
                    fmt::format("the server refused STLS: {}", reply_text(r)));
    return wrong("a reply to STLS", r.raw);
}

// ---- NNTP (RFC 3977, RFC 4642) -------------------------------------------------------------

Verdict nntp_greeting(const Reply& r, std::string_view) {
    const int code = code_of(r.lines.front());
    if (code == 200 || code == 201) return next();
    if (code == 400 || code == 502)
        return fail(Status::starttls_refused,
                    fmt::format("the server refuses NNTP sessions: {}", reply_text(r)));
    return wrong("an NNTP greeting (200/201)", r.raw);
}

Verdict nntp_capabilities(const Reply& r, std::string_view) {
    const int code = code_of(r.lines.front());
    if (code < 0) return wrong("a reply to CAPABILITIES", r.raw);
    if (code != 101)
        return fail(Status::starttls_not_offered,
                    fmt::format("the server refused CAPABILITIES: {}", reply_text(r)));
    std::vector<std::string> caps(r.lines.begin() + 1, r.lines.end() - 1);
    if (has_token(caps, "STARTTLS")) return next();
    return fail(Status::starttls_not_offered,
                fmt::format("the server does not offer STARTTLS; its capabilities: {}",
                            shown(fmt::format("{}", fmt::join(caps, ", ")))));
}

Verdict nntp_starttls(const Reply& r, std::string_view) {
    const int code = code_of(r.lines.front());
    if (code == 382) return ready();
    if (code == 480 || code == 483)
        return fail(Status::starttls_auth_required,
                    fmt::format("the server wants authentication first: {}", reply_text(r)));
    if (code < 0) return wrong("a reply to STARTTLS", r.raw);
    return fail(Status::starttls_refused,
                fmt::format("the server refused STARTTLS: {}", reply_text(r)));
}

// ---- ManageSieve (RFC 5804) ----------------------------------------------------------------

Verdict sieve_greeting(const Reply& r, std::string_view) {
    const auto& last = r.lines.back();
    if (!(starts_nocase(last, "OK") || starts_nocase(last, "NO") || starts_nocase(last, "BYE")))
        return wrong("ManageSieve capabilities", r.raw);
    if (!starts_nocase(last, "OK"))
        return fail(Status::starttls_refused,
                    fmt::format("the server refuses ManageSieve sessions: {}", reply_text(r)));
    std::vector<std::string> caps;
    for (std::size_t i = 0; i + 1 < r.lines.size(); ++i) {
        auto l = r.lines[i];
        l.erase(std::remove(l.begin(), l.end(), '"'), l.end());
        caps.push_back(std::move(l));
    }
    if (has_token(caps, "STARTTLS")) return next();
    return fail(Status::starttls_not_offered,
                fmt::format("the server does not offer STARTTLS; its capabilities: {}",
                            shown(fmt::format("{}", fmt::join(caps, ", ")))));
}

Verdict sieve_starttls(const Reply& r, std::string_view) {
    const auto& last = r.lines.back();
    if (starts_nocase(last, "OK")) return ready();
    if (starts_nocase(last, "NO") || starts_nocase(last, "BYE"))
        return fail(Status::starttls_refused,
                    fmt::format("the server refused STARTTLS: {}", reply_text(r)));
    return wrong("a reply to STARTTLS", r.raw);
}

// ---- XMPP (RFC 6120 §4, §5) ----------------------------------------------------------------

std::string xmpp_stream(std::string_view ns, std::string_view domain) {
    return fmt::format(
        "<?xml version='1.0'?><stream:stream to='{}' xmlns='{}' "
        "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
        domain, ns);
}

// The element names of a features block, "starttls, mechanisms".
std::string xmpp_feature_names(std::string_view text) {
    std::vector<std::string> names;
    auto at = text.find("<stream:features");
    if (at == std::string_view::npos) return "nothing";
    at = text.find('>', at);
    while (at != std::string_view::npos && names.size() < 20) {
        at = text.find('<', at + 1);
        if (at == std::string_view::npos || at + 1 >= text.size() || text[at + 1] == '/') break;
        const auto end = text.find_first_of(" />", at + 1);
        if (end == std::string_view::npos) break;
        names.emplace_back(text.substr(at + 1, end - at - 1));
        // Skip the element's content: the next sibling starts after its end tag or "/>".
        const auto self_close = text.find("/>", at);
        const auto close_tag = text.find("</" + names.back(), at);
        at = std::min(self_close, close_tag);
    }
    return names.empty() ? std::string("nothing")
                         : shown(fmt::format("{}", fmt::join(names, ", ")));
}

std::string xmpp_error(std::string_view text) {
    const auto at = text.find("<stream:error>");
    if (at == std::string_view::npos) return "a stream error";
    const auto lt = text.find('<', at + 14);
    if (lt == std::string_view::npos) return "a stream error";
    const auto end = text.find_first_of(" />", lt + 1);
    return shown(text.substr(lt + 1, end == std::string_view::npos ? 40 : end - lt - 1));
}

Verdict xmpp_features(const Reply& r, std::string_view domain) {
    const auto text = as_text(r.raw);
    if (text.find("<stream:stream") == std::string_view::npos &&
        text.find("<stream:error") == std::string_view::npos)
        return wrong("an XMPP stream header", r.raw);
    if (text.find("<stream:error") != std::string_view::npos)
        return fail(Status::starttls_refused,
                    fmt::format("the server closed the stream for domain '{}' with the error {}",
                                shown(domain), xmpp_error(text)));
    if (text.find("<starttls") != std::string_view::npos) return next();
    return fail(Status::starttls_not_offered,
                fmt::format("the server does not offer <starttls/>; its stream features: {}",
                            xmpp_feature_names(text)));
}

Verdict xmpp_proceed(const Reply& r, std::string_view) {
    const auto text = as_text(r.raw);
    if (text.find("<proceed") != std::string_view::npos) return ready();
    if (text.find("<failure") != std::string_view::npos ||
        text.find("<stream:error") != std::string_view::npos)
        return fail(Status::starttls_refused,
                    fmt::format("the server refused <starttls/>: {}", shown(text, 120)));
    return wrong("<proceed/>", r.raw);
}

// ---- PostgreSQL (protocol 3.0, SSLRequest) -------------------------------------------------

Verdict postgres_answer(const Reply& r, std::string_view) {
    if (r.raw.size() > 1) {
        // Another service's greeting ("SSH-2.0-..." starts with an 'S' too), or bytes after the
        // go-ahead (CVE-2021-23222): a client must never read either as the answer.
        const auto guess = recognise_service(r.raw);
        if (r.raw.front() != 'S' || (guess && guess->protocol != "unknown"))
            return wrong("'S' or 'N' in answer to the SSLRequest", r.raw);
        return fail(
            Status::protocol_error,
            fmt::format("the server sent {} bytes after its 'S' and before the "
                        "ClientHello: '{}'",
                        r.raw.size() - 1, core::printable_excerpt(ByteView(r.raw).subspan(1), 60)));
    }
    switch (r.raw.front()) {
        case 'S': return ready();
        case 'N':
            return fail(Status::starttls_not_offered,
                        "the server answered the SSLRequest with 'N': TLS is off (ssl = off)");
        case 'E':
            return fail(Status::starttls_refused,
                        "the server answered the SSLRequest with an error message (a server "
                        "older than protocol 3, or one that refuses the client)");
        default: return wrong("'S' or 'N' in answer to the SSLRequest", r.raw);
    }
}

// ---- LDAP (RFC 4511 §4.14) -----------------------------------------------------------------

Verdict ldap_answer(const Reply& r, std::string_view) {
    const auto parsed = parse_ldap_extended_response(r.raw);
    if (!parsed) return wrong("an LDAP ExtendedResponse", r.raw);
    const auto text =
        parsed->diagnostic.empty() ? std::string() : fmt::format(": '{}'", parsed->diagnostic);
    if (parsed->message_id == 0)
        return fail(Status::starttls_refused,
                    fmt::format("the server sent a notice of disconnection (result code {}){}",
                                parsed->result_code, text));
    switch (parsed->result_code) {
        case 0: return ready();
        case 2:   // protocolError: the extended operation is not supported
        case 52:  // unavailable: TLS is not configured
        case 53:  // unwillingToPerform
            return fail(Status::starttls_not_offered,
                        fmt::format("the server does not perform StartTLS (result code {}){}",
                                    parsed->result_code, text));
        case 8:   // strongerAuthRequired
        case 48:  // inappropriateAuthentication
        case 50:  // insufficientAccessRights
            return fail(Status::starttls_auth_required,
                        fmt::format("the server wants authentication first (result code {}){}",
                                    parsed->result_code, text));
        default:
            return fail(Status::starttls_refused,
                        fmt::format("the server refused StartTLS (result code {}){}",
                                    parsed->result_code, text));
    }
}

// ---- MySQL / MariaDB (client/server protocol, handshake v10) -------------------------------

Verdict mysql_greeting(const Reply& r, std::string_view) {
    if (r.raw.size() < 5) return wrong("a MySQL handshake packet", r.raw);
    const auto g = parse_mysql_greeting(ByteView(r.raw).subspan(4));
    if (!g) return wrong("a MySQL handshake packet (protocol 10)", r.raw);
    if (g->error)
        return fail(Status::starttls_refused,
                    fmt::format("the server refused the connection: error {}: '{}'", g->error_code,
                                g->error_message));
    if (!(g->capabilities & kMysqlClientSsl))
        return fail(Status::starttls_not_offered,
                    fmt::format("the server ({}) does not offer TLS: CLIENT_SSL is not in its "
                                "capability flags 0x{:08x}",
                                shown(g->server_version, 60), g->capabilities));
    return next();
}

// ---- IRC (IRCv3 tls: CAP LS, STARTTLS, 670 / 691) ------------------------------------------

// The command of an IRC line, upper case (":srv 670 * :go" -> "670"); empty when the line is
// not IRC's shape.
std::string irc_command(std::string_view line) {
    auto rest = line;
    if (rest.starts_with(':')) {
        const auto sp = rest.find(' ');
        if (sp == std::string_view::npos) return {};
        rest = rest.substr(sp + 1);
    }
    const auto command = upper(rest.substr(0, rest.find(' ')));
    if (command.empty()) return {};
    const bool numeric = command.size() == 3 && is_digit(command[0]) && is_digit(command[1]) &&
                         is_digit(command[2]);
    const bool word = std::all_of(command.begin(), command.end(),
                                  [](char c) { return c >= 'A' && c <= 'Z'; });
    // A bare word only counts when the line had a prefix or is one IRC sends unprefixed.
    if (numeric || (word && (line.starts_with(':') || command == "ERROR" ||
                             command == "NOTICE" || command == "PING")))
        return command;
    return {};
}

// The text after " :" of an IRC line (its trailing parameter).
std::string irc_trailing(std::string_view line) {
    const auto at = line.find(" :");
    return at == std::string_view::npos ? std::string() : std::string(line.substr(at + 2));
}

Verdict irc_cap(const Reply& r, std::string_view) {
    const auto& last = r.lines.back();
    const auto command = irc_command(last);
    if (command.empty()) return wrong("an IRC reply to CAP LS", r.raw);
    if (command == "ERROR")
        return fail(Status::starttls_refused,
                    fmt::format("the server closed the link: {}", shown(last)));
    if (command != "CAP")
        return next();  // no CAP (421 unknown command): STARTTLS may still work
    std::vector<std::string> caps;
    for (const auto& l : r.lines)
        if (irc_command(l) == "CAP")
            for (auto& w : words(irc_trailing(l))) caps.push_back(w.substr(0, w.find('=')));
    if (has_token(caps, "tls")) return next();
    return fail(Status::starttls_not_offered,
                fmt::format("the server does not offer STARTTLS (no 'tls' in CAP LS): {}",
                            caps.empty() ? std::string("no capabilities")
                                         : shown(fmt::format("{}", fmt::join(caps, " ")))));
}

Verdict irc_starttls(const Reply& r, std::string_view) {
    const auto& last = r.lines.back();
    const auto command = irc_command(last);
    if (command.empty()) return wrong("an IRC reply to STARTTLS", r.raw);
    if (command == "670") return ready();
    if (command == "691")
        return fail(Status::starttls_refused,
                    fmt::format("the server refused STARTTLS (691 ERR_STARTTLS): {}",
                                shown(irc_trailing(last))));
    if (command == "421")
        return fail(Status::starttls_not_offered,
                    fmt::format("the server does not know STARTTLS (421): {}",
                                shown(irc_trailing(last))));
    if (command == "451")
        return fail(Status::starttls_auth_required,
                    fmt::format("the server wants registration first (451): {}",
                                shown(irc_trailing(last))));
    return fail(Status::starttls_refused,
                fmt::format("the server answered STARTTLS with: {}", shown(last)));
}

// ---- RDP (MS-RDPBCGR 2.2.1.1, 2.2.1.2) -----------------------------------------------------

Verdict rdp_confirm(const Reply& r, std::string_view) {
    const auto c = parse_rdp_confirm(r.raw);
    if (!c) return wrong("an X.224 Connection Confirm", r.raw);
    if (c->failure_code) {
        const auto text = fmt::format("RDP_NEG_FAILURE {} ({})", rdp_failure_name(*c->failure_code),
                                      *c->failure_code);
        if (*c->failure_code == 6)
            return fail(Status::starttls_auth_required,
                        fmt::format("the server wants TLS with user authentication: {}", text));
        return fail(Status::starttls_refused,
                    fmt::format("the server refused TLS: {}", text));
    }
    if (!c->selected_protocol)
        return fail(Status::starttls_not_offered,
                    "the Connection Confirm has no negotiation response: the server speaks "
                    "standard RDP security only (no TLS)");
    switch (*c->selected_protocol) {
        case 0:
            return fail(Status::starttls_not_offered,
                        "the server selected PROTOCOL_RDP (standard RDP security, no TLS)");
        case 1:
        case 2:
        case 8: return ready();
        default:
            return fail(Status::protocol_error,
                        fmt::format("the server selected protocol 0x{:x}, which was not offered",
                                    *c->selected_protocol));
    }
}

Verdict never(const Reply&, std::string_view) { return ready(); }

// ---- commands ------------------------------------------------------------------------------

std::string no_command(std::string_view) { return {}; }
std::string ehlo(std::string_view) { return fmt::format("EHLO {}\r\n", kEhloName); }
std::string starttls_line(std::string_view) { return "STARTTLS\r\n"; }
std::string ftp_auth_tls(std::string_view) { return "AUTH TLS\r\n"; }
std::string imap_capability_cmd(std::string_view) { return "A1 CAPABILITY\r\n"; }
std::string imap_starttls_cmd(std::string_view) { return "A2 STARTTLS\r\n"; }
std::string pop3_capa_cmd(std::string_view) { return "CAPA\r\n"; }
std::string pop3_stls_cmd(std::string_view) { return "STLS\r\n"; }
std::string nntp_capabilities_cmd(std::string_view) { return "CAPABILITIES\r\n"; }
std::string xmpp_client_open(std::string_view d) { return xmpp_stream("jabber:client", d); }
std::string xmpp_server_open(std::string_view d) { return xmpp_stream("jabber:server", d); }
std::string xmpp_starttls_cmd(std::string_view) {
    return "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
}
std::string irc_cap_ls(std::string_view) { return "CAP LS 302\r\n"; }
std::string rdp_connection_request(std::string_view) {
    // TPKT (3, 0, length 19), X.224 CR (LI 14, 0xE0, dst-ref 0, src-ref 0, class 0), then
    // RDP_NEG_REQ (type 1, flags 0, length 8, requestedProtocols SSL|HYBRID, little endian).
    return std::string("\x03\x00\x00\x13\x0e\xe0\x00\x00\x00\x00\x00\x01\x00\x08\x00\x03\x00\x00\x00",
                       19);
}
std::string postgres_ssl_request(std::string_view) {
    // Length 8, then the request code 1234 << 16 | 5679 = 80877103.
    return std::string("\x00\x00\x00\x08\x04\xd2\x16\x2f", 8);
}
std::string ldap_starttls_request(std::string_view) {
    // LDAPMessage { messageID 1, ExtendedRequest [APPLICATION 23] { requestName [0]
    // "1.3.6.1.4.1.1466.20037" } }
    const std::string oid = "1.3.6.1.4.1.1466.20037";
    std::string req = "\x80" + std::string(1, static_cast<char>(oid.size())) + oid;
    std::string op = "\x77" + std::string(1, static_cast<char>(req.size())) + req;
    std::string body = std::string("\x02\x01\x01", 3) + op;
    return "\x30" + std::string(1, static_cast<char>(body.size())) + body;
}
std::string mysql_ssl_request(std::string_view) {
    // Capabilities: LONG_PASSWORD | PROTOCOL_41 | SSL | SECURE_CONNECTION | PLUGIN_AUTH;
    // max packet 16 MiB; utf8mb4_general_ci (45); 23 zero bytes. Sequence id 1.
    const std::uint32_t caps = 0x00000001 | 0x00000200 | kMysqlClientSsl | 0x00008000 | 0x00080000;
    std::string p;
    for (int i = 0; i < 4; ++i) p += static_cast<char>((caps >> (8 * i)) & 0xff);
    p += std::string("\x00\x00\x00\x01", 4);
    p += static_cast<char>(45);
    p += std::string(23, '\0');
    return std::string(1, static_cast<char>(p.size())) + std::string("\x00\x00\x01", 3) + p;
}

}  // namespace

// One exchange: send `command` (nothing for a greeting), read a reply of `shape` (for IMAP,
// completed by `tag`), let `judge` read it.
struct UpgradeDialogue::Exchange {
    std::string (*command)(std::string_view name);
    std::string_view trace;  // how the command shows in the trace; empty = the command's text
    Shape shape;
    std::string_view tag;
    Verdict (*judge)(const Reply&, std::string_view name);
};

namespace {

using X = UpgradeDialogue::Exchange;

constexpr std::array<X, 3> kSmtp{{{no_command, "", Shape::coded, "", smtp_greeting},
                                  {ehlo, "", Shape::coded, "", smtp_ehlo},
                                  {starttls_line, "", Shape::coded, "", smtp_starttls}}};
constexpr std::array<X, 3> kImap{
    {{no_command, "", Shape::one_line, "", imap_greeting},
     {imap_capability_cmd, "", Shape::imap_tagged, "A1", imap_capability},
     {imap_starttls_cmd, "", Shape::imap_tagged, "A2", imap_starttls}}};
constexpr std::array<X, 3> kPop3{{{no_command, "", Shape::one_line, "", pop3_greeting},
                                  {pop3_capa_cmd, "", Shape::dot_list, "", pop3_capa},
                                  {pop3_stls_cmd, "", Shape::one_line, "", pop3_stls}}};
constexpr std::array<X, 2> kFtp{{{no_command, "", Shape::coded, "", ftp_greeting},
                                 {ftp_auth_tls, "", Shape::coded, "", ftp_auth}}};
constexpr std::array<X, 1> kLdap{
    {{ldap_starttls_request, "LDAP ExtendedRequest StartTLS (1.3.6.1.4.1.1466.20037)", Shape::ber,
      "", ldap_answer}}};
constexpr std::array<X, 2> kXmpp{{{xmpp_client_open, "", Shape::xmpp_features, "", xmpp_features},
                                  {xmpp_starttls_cmd, "", Shape::xmpp_proceed, "", xmpp_proceed}}};
constexpr std::array<X, 2> kXmppServer{
    {{xmpp_server_open, "", Shape::xmpp_features, "", xmpp_features},
     {xmpp_starttls_cmd, "", Shape::xmpp_proceed, "", xmpp_proceed}}};
constexpr std::array<X, 1> kPostgres{
    {{postgres_ssl_request, "SSLRequest (80877103)", Shape::one_byte, "", postgres_answer}}};
constexpr std::array<X, 2> kMysql{
    {{no_command, "", Shape::mysql_packet, "", mysql_greeting},
     {mysql_ssl_request, "SSLRequest packet (CLIENT_SSL)", Shape::none, "", never}}};
constexpr std::array<X, 3> kNntp{
    {{no_command, "", Shape::one_line, "", nntp_greeting},
     {nntp_capabilities_cmd, "", Shape::dot_list, "", nntp_capabilities},
     {starttls_line, "", Shape::coded, "", nntp_starttls}}};
constexpr std::array<X, 2> kSieve{{{no_command, "", Shape::sieve, "", sieve_greeting},
                                   {starttls_line, "", Shape::sieve, "", sieve_starttls}}};
constexpr std::array<X, 2> kIrc{{{irc_cap_ls, "", Shape::irc_lines, "", irc_cap},
                                 {starttls_line, "", Shape::irc_lines, "", irc_starttls}}};
constexpr std::array<X, 1> kRdp{
    {{rdp_connection_request,
      "X.224 Connection Request, RDP_NEG_REQ PROTOCOL_SSL|PROTOCOL_HYBRID", Shape::tpkt, "",
      rdp_confirm}}};

std::span<const X> table_of(StartTls p) {
    switch (p) {
        case StartTls::none: return {};
        case StartTls::smtp: return kSmtp;
        case StartTls::imap: return kImap;
        case StartTls::pop3: return kPop3;
        case StartTls::ftp: return kFtp;
        case StartTls::ldap: return kLdap;
        case StartTls::xmpp: return kXmpp;
        case StartTls::xmpp_server: return kXmppServer;
        case StartTls::postgres: return kPostgres;
        case StartTls::mysql: return kMysql;
        case StartTls::nntp: return kNntp;
        case StartTls::sieve: return kSieve;
        case StartTls::irc: return kIrc;
        case StartTls::rdp: return kRdp;
        case StartTls::postgres_direct: return {};  // no dialogue: TLS at once, with ALPN
    }
    return {};
}

struct ProtocolRow {
    StartTls protocol;
    std::string_view name;
    std::string_view display;
    std::uint16_t port;
};
constexpr std::array<ProtocolRow, 14> kProtocols{{
    {StartTls::smtp, "smtp", "SMTP STARTTLS", 25},
    {StartTls::imap, "imap", "IMAP STARTTLS", 143},
    {StartTls::pop3, "pop3", "POP3 STLS", 110},
    {StartTls::ftp, "ftp", "FTP AUTH TLS", 21},
    {StartTls::ldap, "ldap", "LDAP StartTLS", 389},
    {StartTls::xmpp, "xmpp", "XMPP client STARTTLS", 5222},
    {StartTls::xmpp_server, "xmpp-server", "XMPP server STARTTLS", 5269},
    {StartTls::postgres, "postgres", "PostgreSQL SSLRequest", 5432},
    {StartTls::mysql, "mysql", "MySQL SSLRequest", 3306},
    {StartTls::nntp, "nntp", "NNTP STARTTLS", 119},
    {StartTls::sieve, "sieve", "ManageSieve STARTTLS", 4190},
    {StartTls::irc, "irc", "IRC STARTTLS", 6667},
    {StartTls::rdp, "rdp", "RDP X.224 TLS negotiation", 3389},
    {StartTls::postgres_direct, "postgres-direct", "PostgreSQL direct TLS (ALPN postgresql)",
     5432},
}};

constexpr std::array<UpgradeScheme, 16> kUpgradeSchemes{{
    {"smtp", StartTls::smtp, 25},
    {"submission", StartTls::smtp, 587},
    {"imap", StartTls::imap, 143},
    {"pop3", StartTls::pop3, 110},
    {"ftp", StartTls::ftp, 21},
    {"ldap", StartTls::ldap, 389},
    {"xmpp", StartTls::xmpp, 5222},
    {"xmpp-server", StartTls::xmpp_server, 5269},
    {"postgres", StartTls::postgres, 5432},
    {"postgresql", StartTls::postgres, 5432},
    {"mysql", StartTls::mysql, 3306},
    {"nntp", StartTls::nntp, 119},
    {"sieve", StartTls::sieve, 4190},
    {"irc", StartTls::irc, 6667},
    {"rdp", StartTls::rdp, 3389},
    {"postgres+tls", StartTls::postgres_direct, 5432},
}};

constexpr std::array<StartTls, 14> kAll{StartTls::smtp,        StartTls::imap,     StartTls::pop3,
                                        StartTls::ftp,         StartTls::ldap,     StartTls::xmpp,
                                        StartTls::xmpp_server, StartTls::postgres, StartTls::mysql,
                                        StartTls::nntp,        StartTls::sieve,    StartTls::irc,
                                        StartTls::rdp,         StartTls::postgres_direct};

}  // namespace

std::string_view to_string(StartTls p) {
    for (const auto& row : kProtocols)
        if (row.protocol == p) return row.name;
    return "none";
}

std::string_view display_name(StartTls p) {
    for (const auto& row : kProtocols)
        if (row.protocol == p) return row.display;
    return "TLS";
}

std::optional<StartTls> parse_starttls(std::string_view name) {
    const auto l = lower(name);
    for (const auto& row : kProtocols)
        if (row.name == l) return row.protocol;
    for (const auto& s : kUpgradeSchemes)
        if (s.scheme == l) return s.protocol;
    return std::nullopt;
}

std::span<const StartTls> starttls_protocols() { return kAll; }
std::span<const UpgradeScheme> upgrade_schemes() { return kUpgradeSchemes; }

std::uint16_t default_port(StartTls p) {
    for (const auto& row : kProtocols)
        if (row.protocol == p) return row.port;
    return 443;
}

bool is_unimplemented_upgrade(std::string_view) { return false; }

std::string_view fixed_alpn(StartTls p) {
    return p == StartTls::postgres_direct ? "postgresql" : "";
}

std::optional<RdpConfirm> parse_rdp_confirm(ByteView b) {
    // TPKT: version 3, reserved 0, length (big endian) covering the whole packet.
    if (b.size() < 11 || b[0] != 0x03 || b[1] != 0x00) return std::nullopt;
    const std::size_t len = (std::size_t{b[2]} << 8) | b[3];
    if (len < 11 || len > b.size()) return std::nullopt;
    // X.224: length indicator, then the Connection Confirm code 0xD0 (low nibble: credit).
    const std::size_t li = b[4];
    if ((b[5] & 0xf0) != 0xd0 || li < 6 || 5 + li > len) return std::nullopt;
    RdpConfirm c;
    const std::size_t at = 11;  // after LI, code, dst-ref, src-ref, class
    if (5 + li < at + 8) return c;  // no negotiation data
    const std::uint8_t type = b[at];
    const std::uint16_t length = static_cast<std::uint16_t>(b[at + 2] | (b[at + 3] << 8));
    if (length != 8) return std::nullopt;
    const std::uint32_t value = static_cast<std::uint32_t>(b[at + 4]) |
                                (static_cast<std::uint32_t>(b[at + 5]) << 8) |
                                (static_cast<std::uint32_t>(b[at + 6]) << 16) |
                                (static_cast<std::uint32_t>(b[at + 7]) << 24);
    if (type == 0x02) c.selected_protocol = value;
    else if (type == 0x03) c.failure_code = value;
    else return std::nullopt;
    return c;
}

std::string_view rdp_failure_name(std::uint32_t code) {
    switch (code) {
        case 1: return "SSL_REQUIRED_BY_SERVER";
        case 2: return "SSL_NOT_ALLOWED_BY_SERVER";
        case 3: return "SSL_CERT_NOT_ON_SERVER";
        case 4: return "INCONSISTENT_FLAGS";
        case 5: return "HYBRID_REQUIRED_BY_SERVER";
        case 6: return "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER";
        default: return "unknown failure code";
    }
}

std::optional<Bytes> client_hello_with_alpn(ByteView r, std::string_view protocol) {
    const auto u16 = [&](std::size_t at) { return (std::size_t{r[at]} << 8) | r[at + 1]; };
    if (protocol.empty() || protocol.size() > 255) return std::nullopt;
    if (r.size() < 9 || r[0] != 0x16 || u16(3) != r.size() - 5 || r[5] != 0x01) return std::nullopt;
    const std::size_t hs_len = (std::size_t{r[6]} << 16) | (std::size_t{r[7]} << 8) | r[8];
    if (hs_len != r.size() - 9) return std::nullopt;
    std::size_t at = 9 + 2 + 32;  // client_version, random
    if (at + 1 > r.size()) return std::nullopt;
    at += 1 + r[at];  // session_id
    if (at + 2 > r.size()) return std::nullopt;
    at += 2 + u16(at);  // cipher_suites
    if (at + 1 > r.size()) return std::nullopt;
    at += 1 + r[at];  // compression_methods
    if (at > r.size()) return std::nullopt;
    Bytes others;
    if (at < r.size()) {
        if (at + 2 > r.size() || at + 2 + u16(at) != r.size()) return std::nullopt;
        for (std::size_t e = at + 2; e < r.size();) {
            if (e + 4 > r.size()) return std::nullopt;
            const std::size_t len = u16(e + 2);
            if (e + 4 + len > r.size()) return std::nullopt;
            if (u16(e) != 0x0010) others.insert(others.end(), r.begin() + static_cast<std::ptrdiff_t>(e),
                                                r.begin() + static_cast<std::ptrdiff_t>(e + 4 + len));
            e += 4 + len;
        }
    }
    Bytes alpn{0x00, 0x10};
    const std::size_t list = 1 + protocol.size();
    alpn.push_back(static_cast<std::uint8_t>((list + 2) >> 8));
    alpn.push_back(static_cast<std::uint8_t>((list + 2) & 0xff));
    alpn.push_back(static_cast<std::uint8_t>(list >> 8));
    alpn.push_back(static_cast<std::uint8_t>(list & 0xff));
    alpn.push_back(static_cast<std::uint8_t>(protocol.size()));
    alpn.insert(alpn.end(), protocol.begin(), protocol.end());
    const std::size_t exts = alpn.size() + others.size();
    Bytes out(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(at));
    out.push_back(static_cast<std::uint8_t>(exts >> 8));
    out.push_back(static_cast<std::uint8_t>(exts & 0xff));
    out.insert(out.end(), alpn.begin(), alpn.end());
    out.insert(out.end(), others.begin(), others.end());
    const std::size_t body = out.size() - 9;
    const std::size_t rec = out.size() - 5;
    if (rec > 16384 || exts > 0xffff) return std::nullopt;
    out[3] = static_cast<std::uint8_t>(rec >> 8);
    out[4] = static_cast<std::uint8_t>(rec & 0xff);
    out[6] = static_cast<std::uint8_t>(body >> 16);
    out[7] = static_cast<std::uint8_t>((body >> 8) & 0xff);
    out[8] = static_cast<std::uint8_t>(body & 0xff);
    return out;
}

std::string greeting_banner(StartTls p, ByteView first) {
    switch (p) {
        case StartTls::smtp:
        case StartTls::imap:
        case StartTls::pop3:
        case StartTls::ftp:
        case StartTls::nntp: {
            const auto lines = split_lines(first);
            return lines.empty() ? std::string() : shown(lines.front());
        }
        case StartTls::sieve:
            for (const auto& l : split_lines(first))
                if (starts_nocase(l, "\"IMPLEMENTATION\"")) return shown(l);
            return {};
        case StartTls::mysql: {
            if (first.size() < 5) return {};
            const auto g = parse_mysql_greeting(first.subspan(4));
            return g && !g->error ? g->server_version : std::string();
        }
        default: return {};
    }
}

// ---- parsers -------------------------------------------------------------------------------

std::vector<std::string> split_lines(ByteView bytes, std::size_t* rest) {
    std::vector<std::string> out;
    const auto text = as_text(bytes);
    std::size_t pos = 0;
    for (;;) {
        const auto nl = text.find('\n', pos);
        if (nl == std::string_view::npos) break;
        auto line = text.substr(pos, nl - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out.emplace_back(line);
        pos = nl + 1;
    }
    if (rest) *rest = text.size() - pos;
    return out;
}

std::size_t coded_reply_lines(const std::vector<std::string>& lines) {
    if (lines.empty()) return 0;
    const int code = code_of(lines.front());
    if (code < 0 || lines.front().size() == 3 || lines.front()[3] == ' ') return 1;
    // "ddd-": continues until "ddd " (or "ddd") with the same code; RFC 959 lets the lines in
    // between be anything.
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const auto& l = lines[i];
        if (code_of(l) == code && (l.size() == 3 || l[3] == ' ')) return i + 1;
    }
    return 0;
}

std::optional<std::size_t> ber_element_length(ByteView b) {
    if (b.size() < 2) return std::nullopt;
    const std::uint8_t first = b[1];
    if (first < 0x80) return 2 + std::size_t{first};
    const std::size_t n = first & 0x7f;
    if (n == 0 || n > 4) return 0;  // indefinite or absurd: LDAP uses neither
    if (b.size() < 2 + n) return std::nullopt;
    std::size_t len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | b[2 + i];
    if (len > kMaxUpgradeReply) return 0;
    return 2 + n + len;
}

namespace {

// One BER TLV inside `b` at `pos`: tag, content view; advances pos. nullopt when malformed.
struct Tlv {
    std::uint8_t tag;
    ByteView content;
};
std::optional<Tlv> read_tlv(ByteView b, std::size_t& pos) {
    if (pos >= b.size()) return std::nullopt;
    const auto len = ber_element_length(b.subspan(pos));
    if (!len || *len == 0 || pos + *len > b.size()) return std::nullopt;
    const std::uint8_t tag = b[pos];
    const std::size_t header = b[pos + 1] < 0x80 ? 2 : 2 + (b[pos + 1] & 0x7f);
    Tlv t{tag, b.subspan(pos + header, *len - header)};
    pos += *len;
    return t;
}

std::optional<long> ber_integer(ByteView c) {
    if (c.empty() || c.size() > 4) return std::nullopt;
    long v = (c[0] & 0x80) ? -1 : 0;
    for (auto byte : c) v = (v << 8) | byte;
    return v;
}

}  // namespace

std::optional<LdapExtendedResult> parse_ldap_extended_response(ByteView ber) {
    std::size_t pos = 0;
    const auto message = read_tlv(ber, pos);
    if (!message || message->tag != 0x30) return std::nullopt;
    std::size_t in = 0;
    const auto id = read_tlv(message->content, in);
    if (!id || id->tag != 0x02) return std::nullopt;
    const auto op = read_tlv(message->content, in);
    if (!op || op->tag != 0x78) return std::nullopt;  // [APPLICATION 24] ExtendedResponse
    LdapExtendedResult r;
    const auto mid = ber_integer(id->content);
    if (!mid) return std::nullopt;
    r.message_id = static_cast<int>(*mid);
    std::size_t at = 0;
    const auto code = read_tlv(op->content, at);
    if (!code || code->tag != 0x0a) return std::nullopt;
    const auto c = ber_integer(code->content);
    if (!c) return std::nullopt;
    r.result_code = static_cast<int>(*c);
    const auto dn = read_tlv(op->content, at);
    if (!dn || dn->tag != 0x04) return std::nullopt;
    const auto diag = read_tlv(op->content, at);
    if (!diag || diag->tag != 0x04) return std::nullopt;
    r.diagnostic = shown(as_text(diag->content));
    while (const auto more = read_tlv(op->content, at))
        if (more->tag == 0x8a) r.response_name = shown(as_text(more->content));
    return r;
}

std::optional<MysqlGreeting> parse_mysql_greeting(ByteView p) {
    MysqlGreeting g;
    if (p.empty()) return std::nullopt;
    if (p[0] == 0xff) {
        if (p.size() < 3) return std::nullopt;
        g.error = true;
        g.error_code = static_cast<std::uint16_t>(p[1] | (p[2] << 8));
        auto msg = p.subspan(3);
        if (!msg.empty() && msg[0] == '#' && msg.size() >= 6) msg = msg.subspan(6);
        g.error_message = shown(as_text(msg));
        return g;
    }
    if (p[0] != 0x0a) return std::nullopt;
    const auto text = as_text(p);
    const auto nul = text.find('\0', 1);
    if (nul == std::string_view::npos || nul > 80) return std::nullopt;
    g.server_version = shown(text.substr(1, nul - 1));  // a server's bytes, like the other fields
    // connection id (4), auth-plugin-data part 1 (8), filler (1), capabilities low (2)
    std::size_t at = nul + 1 + 4 + 8 + 1;
    if (p.size() < at + 2) return std::nullopt;
    g.capabilities = p[at] | (p[at + 1] << 8);
    at += 2;
    // character set (1), status (2), capabilities high (2)
    if (p.size() >= at + 5)
        g.capabilities |= static_cast<std::uint32_t>(p[at + 3] | (p[at + 4] << 8)) << 16;
    return g;
}

// ---- the dialogue --------------------------------------------------------------------------

namespace {
UpgradeStep ready_step() {
    UpgradeStep s;
    s.kind = UpgradeStep::Kind::ready;
    return s;
}
}  // namespace

UpgradeDialogue::UpgradeDialogue(StartTls protocol, std::string name)
    : protocol_(protocol), name_(std::move(name)), table_(table_of(protocol)) {}

UpgradeStep UpgradeDialogue::next_command() {
    UpgradeStep s;
    if (at_ >= table_.size()) {
        s.kind = UpgradeStep::Kind::ready;
        final_ = s;
        return s;
    }
    const auto& x = table_[at_];
    const auto command = x.command(name_);
    if (command.empty()) return s;  // wait for the greeting
    s.kind = UpgradeStep::Kind::send;
    s.bytes.assign(command.begin(), command.end());
    s.sent = x.trace.empty() ? shown(command.substr(0, command.find_last_not_of("\r\n") + 1), 160)
                             : std::string(x.trace);
    if (x.shape == Shape::none) {
        s.then_ready = true;
        final_ = ready_step();
    }
    return s;
}

UpgradeStep UpgradeDialogue::start() {
    if (table_.empty()) {
        final_ = ready_step();
        return *final_;
    }
    return next_command();
}

UpgradeStep UpgradeDialogue::feed(ByteView bytes) {
    if (final_) return *final_;
    if (first_bytes_.size() < 256)
        first_bytes_.insert(first_bytes_.end(), bytes.begin(),
                            bytes.begin() + static_cast<std::ptrdiff_t>(
                                                std::min(bytes.size(), 256 - first_bytes_.size())));
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
    const auto& x = table_[at_];
    Reply reply;
    const std::size_t used = frame(x.shape, buffer_, x.tag, reply);
    if (used == kNeedMore) {
        if (buffer_.size() > kMaxUpgradeReply) {
            UpgradeStep s;
            s.kind = UpgradeStep::Kind::fail;
            s.status = Status::wrong_protocol;
            s.detail = fmt::format("the reply went past {} bytes without ending as {} replies do",
                                   kMaxUpgradeReply, display_name(protocol_));
            final_ = s;
        }
        return final_ ? *final_ : UpgradeStep{};
    }
    reply.raw.assign(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(used));
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(used));
    const std::string first_line = reply.lines.empty() ? core::printable_excerpt(reply.raw, 80)
                                                       : shown(reply.lines.front(), 160);
    const Verdict v = x.judge(reply, name_);
    UpgradeStep s;
    s.received = first_line;
    if (v.kind == Verdict::Kind::fail) {
        s.kind = UpgradeStep::Kind::fail;
        s.status = v.status;
        s.detail = v.detail;
        final_ = s;
        return s;
    }
    if (v.kind == Verdict::Kind::ready || at_ + 1 >= table_.size()) {
        if (!buffer_.empty()) {
            // Bytes after the go-ahead, before the ClientHello: a server that does so lets an
            // attacker inject plaintext that a client would read as protected (CVE-2011-0411).
            s.kind = UpgradeStep::Kind::fail;
            s.status = Status::protocol_error;
            s.detail = fmt::format(
                "the server sent {} bytes after agreeing to the upgrade and "
                "before the ClientHello: '{}'",
                buffer_.size(), core::printable_excerpt(buffer_, 60));
            final_ = s;
            return s;
        }
        s.kind = UpgradeStep::Kind::ready;
        final_ = ready_step();
        return s;
    }
    ++at_;
    auto command = next_command();
    command.received = s.received;
    return command;
}

}  // namespace tlsprobe::wire
