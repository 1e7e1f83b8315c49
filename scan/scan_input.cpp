#include "scan/scan_input.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/algorithm/string/trim.hpp>
#include <cctype>
#include <charconv>
#include <cstring>
#include <fmt/format.h>
#include <vector>

namespace tlsprobe::scan {

using probe::is_ip_literal;
using probe::parse_connect_to;
using probe::parse_target;
using probe::Target;
using probe::TargetError;
namespace {

std::string_view trim(std::string_view s) {
    const auto range = boost::algorithm::trim_copy(boost::make_iterator_range(s.begin(), s.end()));
    return {range.begin(), range.end()};
}

std::string lower(std::string_view s) { return boost::algorithm::to_lower_copy(std::string(s)); }

// Drops a comment: "#" at the start of the line or after white space. A "#" inside a
// token (a URL fragment, "https://h/#x") is not a comment.
std::string_view strip_comment(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i)
        if (s[i] == '#' && (i == 0 || std::isspace(static_cast<unsigned char>(s[i - 1]))))
            return s.substr(0, i);
    return s;
}

std::vector<std::string_view> split_columns(std::string_view s) {
    std::vector<std::string_view> columns;
    std::size_t start = 0;
    for (;;) {
        const auto comma = s.find(',', start);
        columns.push_back(trim(s.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
        if (comma == std::string_view::npos) return columns;
        start = comma + 1;
    }
}

std::string bracketed(const std::string& host) {
    return host.find(':') != std::string::npos ? fmt::format("[{}]", host) : host;
}

std::string shorten(std::string_view s) {
    constexpr std::size_t kShown = 200;
    return s.size() <= kShown ? escape_input(s)
                              : fmt::format("{}...", escape_input(s.substr(0, kShown)));
}

bool is_control(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

// The length of the valid UTF-8 sequence at the start of `s` (a non-ASCII lead byte), or 0.
std::size_t utf8_sequence(std::string_view s) {
    const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char c = b(0);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else {
        return 0;
    }
    if (s.size() < n) return 0;
    if (b(1) < lo || b(1) > hi) return 0;
    for (std::size_t i = 2; i < n; ++i)
        if (b(i) < 0x80 || b(i) > 0xbf) return 0;
    return n;
}

// The SNI column: empty keeps the default, "-" sends none, else a DNS name.
void apply_sni_column(Target& t, std::string_view sni) {
    if (sni.empty()) return;
    if (sni == "-") {
        t.sni.reset();
        return;
    }
    if (is_ip_literal(sni))
        throw TargetError(fmt::format(
            "SNI '{}' is an IP address; RFC 6066 §3 allows only host names (use '-' for no SNI)",
            sni));
    try {
        t.sni = probe::normalize_host_name(sni).ascii;
    } catch (const TargetError& e) {
        throw TargetError(fmt::format("SNI {}", e.what()));
    }
}

}  // namespace

std::string escape_input(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\\') {
            out += "\\\\";
            ++i;
        } else if (c < 0x80 && !is_control(c)) {
            out += static_cast<char>(c);
            ++i;
        } else if (const auto n = c >= 0x80 ? utf8_sequence(text.substr(i)) : 0; n > 0) {
            out.append(text.substr(i, n));
            i += n;
        } else {
            out += fmt::format("\\x{:02x}", c);
            ++i;
        }
    }
    return out;
}

std::optional<ParsedLine> parse_scan_line(std::string_view raw, wire::StartTls upgrade) {
    if (raw.size() > kMaxInputLine)
        return InputError{shorten(raw),
                          fmt::format("the line is longer than {} characters", kMaxInputLine)};
    if (raw.ends_with('\r')) raw.remove_suffix(1);
    for (std::size_t i = 0; i < raw.size(); ++i)
        if (const auto c = static_cast<unsigned char>(raw[i]); is_control(c))
            return InputError{
                shorten(trim(raw)),
                fmt::format(
                    "control character \\x{:02x} at column {}: a line holds printable text, "
                    "spaces and tabs only",
                    c, i + 1)};
    const auto line = trim(strip_comment(raw));
    if (line.empty()) return std::nullopt;
    const auto columns = split_columns(line);
    try {
        if (columns.size() > 3)
            throw TargetError(
                fmt::format("{} comma-separated columns; expected at most 3: target,connect-to,sni",
                            columns.size()));
        if (columns[0].empty())
            throw TargetError(
                "the target column is empty (expected host, host:port or https://host/)");
        const bool upgraded =
            upgrade != wire::StartTls::none && columns[0].find("://") == std::string_view::npos;
        Target t = parse_target(columns[0], upgraded ? wire::default_port(upgrade) : 443);
        if (upgraded) t.starttls = upgrade;
        if (columns.size() > 1 && !columns[1].empty()) {
            auto [address, port] = parse_connect_to(columns[1]);
            t.connect_to = lower(address);
            t.connect_port = port;
        }
        if (columns.size() > 2) apply_sni_column(t, columns[2]);
        std::string key = scan_key(t);
        return ScanTarget{std::move(t), std::move(key)};
    } catch (const TargetError& e) {
        return InputError{shorten(line), escape_input(e.what())};
    }
}

std::string scan_key(const Target& t) {
    std::string key = lower(t.authority());
    if (t.connect_to) {
        key += ",via=" + bracketed(lower(*t.connect_to));
        if (t.connect_port) key += fmt::format(":{}", t.connect_port);
    }
    const std::optional<std::string> default_sni =
        is_ip_literal(t.host) ? std::nullopt : std::optional(lower(t.host));
    const std::optional<std::string> sni = t.sni ? std::optional(lower(*t.sni)) : std::nullopt;
    if (sni != default_sni) key += ",sni=" + sni.value_or("-");
    return key;
}

std::uint64_t fnv1a64(std::string_view text) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

Shard parse_shard(std::string_view text) {
    const auto slash = text.find('/');
    std::uint32_t k = 0, n = 0;
    auto parse = [](std::string_view s, std::uint32_t& v) {
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        return !s.empty() && ec == std::errc{} && ptr == s.data() + s.size();
    };
    if (slash == std::string_view::npos || !parse(text.substr(0, slash), k) ||
        !parse(text.substr(slash + 1), n))
        throw TargetError(
            fmt::format("--shard '{}': expected K/N, e.g. 3/16 (shard 3 of 16)", text));
    if (n == 0 || k == 0 || k > n)
        throw TargetError(
            fmt::format("--shard '{}': K must be from 1 to N (shards are numbered 1..N)", text));
    return {k, n};
}

bool in_shard(std::string_view key, const Shard& shard) {
    return fnv1a64(key) % shard.count == shard.index - 1;
}

bool ScanInputReader::refill() {
    auto* buf = in_.rdbuf();
    pos_ = end_ = 0;
    if (!buf) return false;
    // Take what the stream has ready; when nothing is, wait for one byte (sgetc), so a pipe
    // is read as it comes and a chunk never waits for a full kChunk bytes.
    std::streamsize ready = buf->in_avail();
    if (ready <= 0) {
        if (std::char_traits<char>::eq_int_type(buf->sgetc(), std::char_traits<char>::eof())) {
            in_.setstate(std::ios::eofbit);
            return false;
        }
        ready = std::max<std::streamsize>(1, buf->in_avail());
    }
    const auto n = buf->sgetn(
        buffer_->data(), std::min<std::streamsize>(ready, static_cast<std::streamsize>(kChunk)));
    if (n <= 0) return false;
    end_ = static_cast<std::size_t>(n);
    return true;
}

// One line into `line` (without its '\n'): `line` when it ends at a '\n' or at the end of
// the input, `too_long` as soon as it passes kMaxInputLine (the rest is skipped by the next
// call), `end` when the input is over, `stopped` when `stop` is set.
ScanInputReader::Got ScanInputReader::read_line(std::string& line) {
    line.clear();
    bool any = false;  // a byte of this line was read (a last line without '\n' counts)
    // Bounded by the input: each pass consumes a chunk or ends; an endless input is ended by
    // `stop`.
    for (;;) {
        if (pos_ == end_) {
            if (stop_requested()) return Got::stopped;
            if (!refill()) {
                if (skipping_) {  // an over-long last line: already reported
                    skipping_ = false;
                    return Got::end;
                }
                return any ? Got::line : Got::end;
            }
        }
        const char* start = buffer_->data() + pos_;
        const std::size_t available = end_ - pos_;
        const auto* newline = static_cast<const char*>(std::memchr(start, '\n', available));
        const std::size_t n = newline ? static_cast<std::size_t>(newline - start) : available;
        pos_ += n + (newline ? 1 : 0);
        if (skipping_) {
            if (newline) skipping_ = false;  // the over-long line is over: the next one starts
            continue;
        }
        any = true;
        line.append(start, std::min(n, kMaxInputLine + 1 - line.size()));
        if (line.size() > kMaxInputLine) {
            skipping_ = !newline;
            return Got::too_long;
        }
        if (newline) return Got::line;
    }
}

std::optional<ScanInputReader::Item> ScanInputReader::next() {
    stopped_ = false;
    std::string line;
    // Bounded by the input (each read_line consumes at least a line or ends) and by `stop`.
    for (;;) {
        const Got got = read_line(line);
        if (got == Got::stopped) {
            stopped_ = true;
            return std::nullopt;
        }
        if (got == Got::end) return std::nullopt;
        ++line_;
        if (got == Got::too_long)
            return Item{line_,
                        InputError{shorten(line),
                                   fmt::format("the line is longer than {} characters; skipped",
                                               kMaxInputLine)}};
        std::string_view view = line;
        if (line_ == 1 && view.starts_with("\xEF\xBB\xBF"))
            view.remove_prefix(3);  // UTF-8 BOM (Notepad)
        auto parsed = parse_scan_line(view, upgrade_);
        if (parsed) return Item{line_, std::move(*parsed)};
    }
}

}  // namespace tlsprobe::scan
